package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// spSet replaces the platform's sign-up policy and restores the previous
// one when the test ends. The policy is global: tests that change it do
// not run in parallel (they run before the parallel tests resume).
func spSet(t *testing.T, p map[string]any) {
	t.Helper()
	admin := adminClient(t)
	var before gatehouse.SignupPolicy
	if st := admin.DoJSON(t, "GET", "/v1/admin/signup-policy", nil, &before); st != http.StatusOK {
		t.Fatalf("get policy: %d", st)
	}
	before.UpdatedAt = time.Time{} // set by the server, not part of a PUT body
	t.Cleanup(func() {
		if st, raw := adminClient(t).Do(t, "PUT", "/v1/admin/signup-policy", before); st != http.StatusOK {
			t.Errorf("restore policy: %d %s", st, raw)
		}
	})
	if st, raw := admin.Do(t, "PUT", "/v1/admin/signup-policy", p); st != http.StatusOK {
		t.Fatalf("put policy: %d %s", st, raw)
	}
}

// spTrySignUp calls SignUp alone (PreSignUp runs) and reports whether the
// pool accepted it.
func spTrySignUp(t *testing.T, email string) error {
	t.Helper()
	_, err := stack().Cognito().SignUp(context.Background(), &cip.SignUpInput{
		ClientId:       aws.String(stack().Info.ClientID),
		Username:       aws.String(email),
		Password:       aws.String(defaultPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
	})
	return err
}

func TestSignupPolicyModes(t *testing.T) {
	t.Run("validation", func(t *testing.T) {
		admin := adminClient(t)
		for _, body := range []map[string]any{
			{"mode": "closed", "defaultResourceLimit": -1},
			{"mode": "allowlist", "defaultResourceLimit": -1},
			{"mode": "allowlist", "allowedEmails": []string{"not-an-email"}, "defaultResourceLimit": -1},
			{"mode": "open", "defaultResourceLimit": -2},
		} {
			st, raw := admin.Do(t, "PUT", "/v1/admin/signup-policy", body)
			requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
		}
		member := newUser(t)
		st, raw := member.Do(t, "GET", "/v1/admin/signup-policy", nil)
		if st != http.StatusForbidden {
			t.Errorf("non-admin read the policy: %d %s", st, raw)
		}
	})

	t.Run("allowlist", func(t *testing.T) {
		allowed := uniqueEmailAt(t, "allowed.gatehouse.test")
		listed := uniqueEmailAt(t, "elsewhere.gatehouse.test")
		spSet(t, map[string]any{"mode": "allowlist", "allowedDomains": []string{"@Allowed.Gatehouse.test"},
			"allowedEmails": []string{strings.ToUpper(listed)}, "defaultResourceLimit": 3, "personalOrg": true})
		c := signUp(t, allowed, defaultPassword) // by domain
		signUp(t, listed, defaultPassword)       // by email, case-insensitive
		var me struct {
			Memberships []gatehouse.MembershipView `json:"memberships"`
		}
		if st := c.DoJSON(t, "GET", "/v1/me", nil, &me); st != http.StatusOK || len(me.Memberships) != 1 || me.Memberships[0].ResourceLimit != 3 {
			t.Errorf("allowlisted user: %d %+v; want a personal org with the policy's resourceLimit 3", st, me.Memberships)
		}
		if err := spTrySignUp(t, uniqueEmailAt(t, "refused.gatehouse.test")); err == nil {
			t.Error("sign-up outside the allowlist was accepted")
		}
	})

	t.Run("invite only without an invite", func(t *testing.T) {
		spSet(t, map[string]any{"mode": "invite_only", "defaultResourceLimit": 0, "personalOrg": false})
		if err := spTrySignUp(t, uniqueEmail(t)); err == nil {
			t.Error("invite-only sign-up without a pending invite was accepted")
		}
	})

	t.Run("invite only with a pending invite", func(t *testing.T) {
		owner := newUser(t) // signed up while the policy is still open
		org := mbOrg(t, owner)
		invited, revoked := uniqueEmail(t), uniqueEmail(t)
		mbInvite(t, owner, org, strings.ToUpper(invited), "viewer")
		gone := mbInvite(t, owner, org, revoked, "viewer")
		if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+org+"/invites/"+gone.Invite.ID, nil); st != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", st, raw)
		}
		spSet(t, map[string]any{"mode": "invite_only", "defaultResourceLimit": 0, "personalOrg": false})
		if err := spTrySignUp(t, invited); err != nil {
			t.Errorf("invite-only sign-up with a pending invite (invited in upper case) was refused: %v", err)
		}
		if err := spTrySignUp(t, revoked); err == nil {
			t.Error("invite-only sign-up with a revoked invite was accepted")
		}
	})

	t.Run("open", func(t *testing.T) {
		spSet(t, map[string]any{"mode": "open", "defaultResourceLimit": -1, "personalOrg": true})
		newUser(t)
	})
}
