package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Rule 12, a class of issue 10: a user whose Cognito email no longer is
// the one Gatehouse knows (changed by the user where the app client may
// write it, as cognito-local allows, or by anyone behind Gatehouse's back)
// is deleted by a platform admin. The Cognito account goes, found by its
// sub, so that neither address signs in again, and the profile does not
// come back.
func TestSecurityDeletedAccountNeverComesBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := stack()
	admin := adminClient(t)
	u := newUser(t)
	moved := uniqueEmail(t)
	email := []types.AttributeType{{Name: aws.String("email"), Value: aws.String(moved)}}
	if _, err := st.Cognito().UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{
		AccessToken: aws.String(u.AccessToken), UserAttributes: email}); err != nil {
		// Cognito refuses it (the app client cannot write email): the
		// address changes behind Gatehouse's back all the same.
		if _, err := st.Cognito().AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
			UserPoolId: aws.String(st.Info.UserPoolID), Username: aws.String(u.Email), UserAttributes: email}); err != nil {
			t.Fatalf("change the Cognito email: %v", err)
		}
	}
	if _, err := trySignIn(moved, defaultPassword); err != nil {
		t.Fatalf("the moved address does not sign in before the deletion: %v", err)
	}

	if st, raw := admin.Do(t, "DELETE", "/v1/admin/users/"+u.Sub+"?force=true", nil); st != http.StatusNoContent {
		t.Fatalf("delete the account: %d %s", st, raw)
	}
	out, err := st.Cognito().ListUsers(ctx, &cip.ListUsersInput{
		UserPoolId: aws.String(st.Info.UserPoolID), Filter: aws.String(`sub = "` + u.Sub + `"`)})
	if err != nil || len(out.Users) != 0 {
		t.Fatalf("Cognito still holds the deleted account's sub: %d users, %v; want none", len(out.Users), err)
	}
	for _, addr := range []string{u.Email, moved} {
		if _, err := trySignIn(addr, defaultPassword); err == nil {
			t.Errorf("%s signs in after its account was deleted", addr)
		}
	}
	if st, raw := u.Do(t, "GET", "/v1/me", nil); st != http.StatusUnauthorized && st != http.StatusForbidden {
		t.Errorf("the deleted account's token reads /v1/me: %d %s; want 401 or 403", st, raw)
	}
	if st, raw := admin.Do(t, "GET", "/v1/admin/users/"+u.Sub, nil); st != http.StatusNotFound {
		t.Errorf("the deleted account's profile: %d %s; want 404", st, raw)
	}
	// Signing up again is a new account, with a new sub.
	again := signUp(t, moved, defaultPassword)
	if again.Sub == u.Sub {
		t.Errorf("signing up again revived the deleted sub %s", u.Sub)
	}
}
