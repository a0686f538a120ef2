package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

func TestSweepExpiresAccountsAndMemberships(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	owner := newUser(t)
	org := mbOrg(t, owner)
	member := mbMember(t, owner, org, "viewer")
	account := newUser(t)

	soon := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
	if st, raw := owner.Do(t, "PATCH", "/v1/orgs/"+org+"/members/"+member.Sub, map[string]any{"expiresAt": soon}); st != http.StatusOK {
		t.Fatalf("member expiry: %d %s", st, raw)
	}
	if st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+account.Sub, map[string]any{"expiresAt": soon}); st != http.StatusOK {
		t.Fatalf("account expiry: %d %s", st, raw)
	}
	time.Sleep(2500 * time.Millisecond)
	// The authorizer refuses at once, before any sweep.
	if st, _ := member.Do(t, "GET", "/v1/orgs/"+org, nil); st != http.StatusForbidden {
		t.Errorf("expired member served: %d", st)
	}
	sweep(t)
	var m gatehouse.Membership
	if st := owner.DoJSON(t, "GET", "/v1/orgs/"+org+"/members/"+member.Sub, nil, &m); st != http.StatusOK || m.Status != gatehouse.StatusExpired {
		t.Errorf("member after sweep: %d %s, want expired", st, m.Status)
	}
	var u gatehouse.User
	if st := admin.DoJSON(t, "GET", "/v1/admin/users/"+account.Sub, nil, &u); st != http.StatusOK || u.Status != gatehouse.StatusExpired {
		t.Errorf("account after sweep: %d %s, want expired", st, u.Status)
	}
	if st, _ := account.Do(t, "GET", "/v1/me", nil); st != http.StatusForbidden && st != http.StatusUnauthorized {
		t.Errorf("expired account served: %d", st)
	}
	// A second sweep changes nothing.
	sweep(t)
	if st := owner.DoJSON(t, "GET", "/v1/orgs/"+org+"/members/"+member.Sub, nil, &m); st != http.StatusOK || m.Status != gatehouse.StatusExpired {
		t.Errorf("member after second sweep: %d %s", st, m.Status)
	}
}
