package e2e

import (
	"context"
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

// TestAdminDeleteResourceModes: DELETE /v1/admin/users/{id}?resources=
// retain | delete | transfer&transferTo=<id>, on a member owning two
// devices in a shared org. A refused transfer changes nothing.
func TestAdminDeleteResourceModes(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	for _, tc := range []struct {
		mode      string
		remaining int  // devices left in the org
		toHeir    bool // the devices now belong to the heir, counted on it
	}{
		{"retain", 2, false},
		{"delete", 0, false},
		{"transfer", 2, true},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := stack().Store()
			owner := newUser(t)
			org := mbOrg(t, owner)
			dev := mbMember(t, owner, org, "developer")
			heir := mbMember(t, owner, org, "developer")
			outsider := newUser(t)
			rsRegister(t, dev, org, "device", "dev-1")
			rsRegister(t, dev, org, "device", "dev-2")
			owned := func(user string) int {
				t.Helper()
				p, err := st.OwnedResourcesAfter(ctx, org, user, "", "", 100)
				if err != nil {
					t.Fatal(err)
				}
				return len(p.Resources)
			}
			path := "/v1/admin/users/" + dev.Sub + "?resources=" + tc.mode
			if tc.mode == "transfer" {
				// Refused before anything changes.
				for _, bad := range []struct {
					query  string
					status int
					code   gatehouse.Code
				}{
					{"", http.StatusBadRequest, gatehouse.CodeValidation},
					{"&transferTo=" + dev.Sub, http.StatusBadRequest, gatehouse.CodeValidation},
					{"&transferTo=no-such-user", http.StatusBadRequest, gatehouse.CodeValidation},
					{"&transferTo=" + outsider.Sub, http.StatusConflict, gatehouse.CodeConflict},
				} {
					status, raw := admin.Do(t, "DELETE", path+bad.query, nil)
					requireProblem(t, status, raw, bad.status, bad.code)
				}
				if st, _ := admin.Do(t, "GET", "/v1/admin/users/"+dev.Sub, nil); st != http.StatusOK || owned(dev.Sub) != 2 {
					t.Fatalf("a refused transfer changed the account (%d) or its devices (%d)", st, owned(dev.Sub))
				}
				path += "&transferTo=" + heir.Sub
			} else {
				status, raw := admin.Do(t, "DELETE", path+"&transferTo="+heir.Sub, nil)
				requireProblem(t, status, raw, http.StatusBadRequest, gatehouse.CodeValidation)
			}
			if status, raw := admin.Do(t, "DELETE", path, nil); status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", status, raw)
			}
			if status, _ := admin.Do(t, "GET", "/v1/admin/users/"+dev.Sub, nil); status != http.StatusNotFound {
				t.Errorf("deleted account still readable: %d", status)
			}
			var lim struct {
				Usage struct {
					Resources map[string]int `json:"resources"`
				} `json:"usage"`
			}
			if status := owner.DoJSON(t, "GET", "/v1/orgs/"+org+"/limits", nil, &lim); status != http.StatusOK || lim.Usage.Resources["device"] != tc.remaining {
				t.Errorf("org usage: %d %+v, want %d devices", status, lim.Usage, tc.remaining)
			}
			if got := rsList(t, owner, org); len(got) != tc.remaining {
				t.Errorf("devices listed by the owner: %v, want %d", got, tc.remaining)
			}
			wantHeir := 0
			if tc.toHeir {
				wantHeir = 2
			}
			if got := owned(dev.Sub); got != tc.remaining-wantHeir {
				t.Errorf("devices still owned by the deleted id: %d, want %d", got, tc.remaining-wantHeir)
			}
			if got := owned(heir.Sub); got != wantHeir {
				t.Errorf("devices owned by the heir: %d, want %d", got, wantHeir)
			}
			m, err := st.Membership(ctx, org, heir.Sub)
			if err != nil || m.ResourceCount != wantHeir {
				t.Errorf("heir's resourceCount: %+v %v, want %d", m, err, wantHeir)
			}
			if tc.toHeir {
				// The heir sees and manages them as their owner.
				if got := rsList(t, heir, org); len(got) != 2 {
					t.Errorf("devices listed by the heir: %v, want 2", got)
				}
				if status, raw := heir.Do(t, "PUT", "/v1/orgs/"+org+"/resources/device/dev-1/grants", map[string]any{"grants": []any{}}); status != http.StatusOK {
					t.Errorf("heir sets grants on its device: %d %s", status, raw)
				}
			}
		})
	}
}
