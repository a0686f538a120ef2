package cognito

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// BySub addresses accounts by their sub, the one identity that never
// changes (rule 12, docs/rules.md): an email may have changed in Cognito
// behind Gatehouse's back (a pool whose app client may write it, an
// operator), so an act on an account must reach that account, and no other
// that now holds its old address.
type BySub struct{ p *Pool }

// BySub returns the pool's accounts addressed by sub.
func (p *Pool) BySub() BySub { return BySub{p} }

// isSub: what Cognito's subs look like (a UUID); anything else could not
// be quoted safely in a ListUsers filter.
func isSub(s string) bool {
	return gatehouse.Token(s, 128, gatehouse.AlnumOr("-"), gatehouse.AlnumOr("-"))
}

// errNoSuchSub: no account of the pool has the sub.
var errNoSuchSub = gatehouse.NotFound("account")

// username finds the username of the account with the sub: ListUsers with
// an exact filter on sub (Cognito's ListUsers "sub =" filter).
func (b BySub) username(ctx context.Context, sub string) (string, error) {
	if !isSub(sub) {
		return "", fmt.Errorf("cognito: %q is not a sub", sub)
	}
	out, err := b.p.api.ListUsers(ctx, &cip.ListUsersInput{
		UserPoolId: aws.String(b.p.poolID),
		Filter:     aws.String(`sub = "` + sub + `"`),
		Limit:      aws.Int32(1),
	})
	if err != nil {
		return "", b.p.mapErr("list users", err)
	}
	for _, u := range out.Users {
		// Filters are exact for sub; the check costs nothing and keeps
		// a lenient implementation from handing back someone else.
		if subOf(u.Attributes) == sub {
			return aws.ToString(u.Username), nil
		}
	}
	return "", errNoSuchSub
}

// act runs f on the account's username; an account already gone counts
// as done when gone is true.
func (b BySub) act(ctx context.Context, sub string, gone bool, f func(username string) error) error {
	u, err := b.username(ctx, sub)
	if err == errNoSuchSub && gone {
		return nil
	}
	if err != nil {
		return err
	}
	return f(u)
}

// DisableUser disables the account; one already gone counts as done.
func (b BySub) DisableUser(ctx context.Context, sub string) error {
	return b.act(ctx, sub, true, func(u string) error { return b.p.DisableUser(ctx, u) })
}

// EnableUser enables the account.
func (b BySub) EnableUser(ctx context.Context, sub string) error {
	return b.act(ctx, sub, false, func(u string) error { return b.p.EnableUser(ctx, u) })
}

// GlobalSignOut revokes the account's refresh tokens; one already gone
// counts as done.
func (b BySub) GlobalSignOut(ctx context.Context, sub string) error {
	return b.act(ctx, sub, true, func(u string) error { return b.p.GlobalSignOut(ctx, u) })
}

// DeleteUser deletes the account; one already gone counts as done.
func (b BySub) DeleteUser(ctx context.Context, sub string) error {
	return b.act(ctx, sub, true, func(u string) error { return b.p.DeleteUser(ctx, u) })
}

// HasTOTP reports whether the account signs in with a TOTP code.
func (b BySub) HasTOTP(ctx context.Context, sub string) (bool, error) {
	var has bool
	err := b.act(ctx, sub, false, func(u string) error {
		var err error
		has, err = b.p.HasTOTP(ctx, u)
		return err
	})
	return has, err
}

// SetPassword sets a permanent password.
func (b BySub) SetPassword(ctx context.Context, sub, password string) error {
	return b.act(ctx, sub, false, func(u string) error { return b.p.SetPassword(ctx, u, password) })
}

// ChangeEmail sets the account's email, verified.
func (b BySub) ChangeEmail(ctx context.Context, sub, email string) error {
	return b.act(ctx, sub, false, func(u string) error { return b.p.ChangeEmail(ctx, u, email) })
}
