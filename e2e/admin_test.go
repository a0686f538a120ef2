package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

func TestAdminAccounts(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	u := newUser(t)

	// Prefix search over lower-case emails.
	var page struct {
		Items []gatehouse.User `json:"items"`
	}
	if st := admin.DoJSON(t, "GET", "/v1/admin/users?email="+strings.ToUpper(u.Email[:len(u.Email)-5]), nil, &page); st != http.StatusOK || len(page.Items) != 1 || page.Items[0].ID != u.Sub {
		t.Fatalf("search: %d %+v", st, page.Items)
	}
	if st, _ := u.Do(t, "GET", "/v1/admin/users/"+u.Sub, nil); st != http.StatusForbidden {
		t.Errorf("non-admin read an account: %d", st)
	}

	// Disable: cut off at the next request, whatever Cognito's token says.
	if st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+u.Sub, map[string]any{"enabled": false}); st != http.StatusOK {
		t.Fatalf("disable: %d %s", st, raw)
	}
	if st, _ := u.Do(t, "GET", "/v1/me", nil); st != http.StatusForbidden && st != http.StatusUnauthorized {
		t.Errorf("disabled account still served: %d", st)
	}
	if st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+u.Sub, map[string]any{"enabled": true}); st != http.StatusOK {
		t.Fatalf("enable: %d %s", st, raw)
	}
	if st, raw := u.Do(t, "GET", "/v1/me", nil); st != http.StatusOK {
		t.Errorf("re-enabled account refused: %d %s", st, raw)
	}

	// Expiry: in the past is refused, null clears, resourceLimit validated.
	st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+u.Sub, map[string]any{"expiresAt": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	st, raw = admin.Do(t, "PATCH", "/v1/admin/users/"+u.Sub, map[string]any{"resourceLimit": -2})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	var got gatehouse.User
	if st := admin.DoJSON(t, "PATCH", "/v1/admin/users/"+u.Sub, map[string]any{"expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "resourceLimit": 7}, &got); st != http.StatusOK || got.ExpiresAt == nil || got.ResourceLimit != 7 {
		t.Errorf("set expiry and limit: %d %+v", st, got)
	}
	got = gatehouse.User{}
	if st := admin.DoJSON(t, "PATCH", "/v1/admin/users/"+u.Sub, map[string]any{"expiresAt": nil}, &got); st != http.StatusOK || got.ExpiresAt != nil {
		t.Errorf("clear expiry: %d %+v", st, got)
	}
	// The admin cannot lock itself out.
	st, raw = admin.Do(t, "PATCH", "/v1/admin/users/"+admin.Sub, map[string]any{"enabled": false})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
}

func TestAdminDeleteAccount(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	owner := newUser(t)
	org := mbOrg(t, owner)

	// The last owner of a shared org cannot be deleted; nothing changes.
	st, raw := admin.Do(t, "DELETE", "/v1/admin/users/"+owner.Sub, nil)
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLastOwner)
	if st, _ := owner.Do(t, "GET", "/v1/orgs/"+org, nil); st != http.StatusOK {
		t.Fatalf("refused delete changed the owner's access: %d", st)
	}

	// A plain member: deleted with its personal org; its Cognito user goes.
	m := mbMember(t, owner, org, "viewer")
	if st, raw := admin.Do(t, "DELETE", "/v1/admin/users/"+m.Sub+"?resources=delete", nil); st != http.StatusNoContent {
		t.Fatalf("delete: %d %s", st, raw)
	}
	if st, _ := admin.Do(t, "GET", "/v1/admin/users/"+m.Sub, nil); st != http.StatusNotFound {
		t.Errorf("deleted account still readable: %d", st)
	}
	if _, err := trySignIn(m.Email, defaultPassword); err == nil {
		t.Error("deleted account can still sign in")
	}
	if st, _ := owner.Do(t, "GET", "/v1/orgs/"+org+"/members/"+m.Sub, nil); st != http.StatusNotFound {
		t.Errorf("membership of the deleted account: %d, want 404", st)
	}
}
