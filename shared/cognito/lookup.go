package cognito

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// Account is what Gatehouse reads of a Cognito user to reconcile a change
// whose outcome was unknown (docs/reliability.md).
type Account struct {
	Sub     string
	Status  string // UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD...
	Enabled bool
	Created time.Time
}

// Cognito user statuses Gatehouse tells apart.
const (
	StatusConfirmed           = "CONFIRMED"
	StatusForceChangePassword = "FORCE_CHANGE_PASSWORD"
)

// Lookup reads the account with this username (email); nil, and no error,
// when there is none.
func (p *Pool) Lookup(ctx context.Context, username string) (*Account, error) {
	out, err := p.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	if err != nil {
		if err := ignoreNotFound(p.mapErr("get user", err)); err != nil {
			return nil, err
		}
		return nil, nil
	}
	a := &Account{Sub: subOf(out.UserAttributes), Status: string(out.UserStatus), Enabled: out.Enabled, Created: aws.ToTime(out.UserCreateDate)}
	if a.Sub == "" {
		a.Sub = aws.ToString(out.Username)
	}
	return a, nil
}

// adoptSkew is how much earlier than a pending creation a Cognito user may
// look created and still be its own: the two clocks (the function's and
// Cognito's) differ a little, and Cognito's dates may be whole seconds.
const adoptSkew = 2 * time.Second

// MadeSince reports whether an account is one an admin creation made at
// or after since (a pending creation's intent, docs/reliability.md): made
// by AdminCreateUser (FORCE_CHANGE_PASSWORD, or CONFIRMED once its
// password was set; a self sign-up is UNCONFIRMED until it confirms) and
// not before the intent was recorded.
func MadeSince(a *Account, since time.Time) bool {
	if a == nil || (a.Status != StatusForceChangePassword && a.Status != StatusConfirmed) {
		return false
	}
	return !a.Created.Before(since.Add(-adoptSkew))
}
