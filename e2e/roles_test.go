package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

func TestRolesCustomLifecycle(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	admin := mbMember(t, owner, org, "admin")
	member := mbMember(t, owner, org, "viewer")
	base := "/v1/orgs/" + org + "/roles"

	var role gatehouse.Role
	if st := owner.DoJSON(t, "POST", base, map[string]any{"name": "Auditor", "permissions": []string{"audit:read", "members:read"}}, &role); st != http.StatusCreated || role.ID == "" || role.BuiltIn {
		t.Fatalf("create role: %d %+v", st, role)
	}
	var list apigw.Page[gatehouse.Role]
	if st := member.DoJSON(t, "GET", base, nil, &list); st != http.StatusForbidden {
		// viewers do not hold roles:read
		t.Fatalf("viewer lists roles: %d", st)
	}
	if st := owner.DoJSON(t, "GET", base, nil, &list); st != http.StatusOK || len(list.Items) != 6 || list.Items[0].ID != "owner" || list.Items[5].ID != role.ID {
		t.Fatalf("list roles: %d %+v", st, list.Items)
	}
	// Assign it: its permissions apply.
	if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+org+"/members/"+member.Sub+"/roles", map[string]any{"roles": []string{role.ID}}); st != http.StatusOK {
		t.Fatalf("assign custom role: %d %s", st, raw)
	}
	if st, raw := member.Do(t, "GET", "/v1/orgs/"+org+"/audit", nil); st != http.StatusOK {
		t.Fatalf("auditor reads the audit log: %d %s", st, raw)
	}

	refusals := []struct {
		name   string
		by     *Client
		method string
		path   string
		body   any
		status int
		code   gatehouse.Code
		reason string
	}{
		{"delete while assigned", owner, "DELETE", "/" + role.ID, nil, 409, gatehouse.CodeConflict, ""},
		{"admin puts org:billing in a role", admin, "POST", "", map[string]any{"name": "Billing", "permissions": []string{"org:billing"}}, 403, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"unknown permission", owner, "POST", "", map[string]any{"name": "X", "permissions": []string{"rockets:launch"}}, 400, gatehouse.CodeValidation, ""},
		{"duplicate name", owner, "POST", "", map[string]any{"name": "auditor", "permissions": []string{"audit:read"}}, 409, gatehouse.CodeConflict, ""},
		{"built-in name", owner, "POST", "", map[string]any{"name": "Admin", "permissions": []string{"audit:read"}}, 409, gatehouse.CodeConflict, ""},
		{"update a built-in role", owner, "PUT", "/viewer", map[string]any{"name": "Viewer", "permissions": []string{"audit:read"}}, 409, gatehouse.CodeConflict, ""},
		{"unknown field", owner, "POST", "", map[string]any{"name": "Y", "permissions": []string{"audit:read"}, "builtIn": true}, 400, gatehouse.CodeValidation, ""},
		{"malformed JSON", owner, "POST", "", `{"name": "Z", `, 400, gatehouse.CodeValidation, ""},
		{"no such role", owner, "PUT", "/role_nope", map[string]any{"name": "N", "permissions": []string{"audit:read"}}, 404, gatehouse.CodeNotFound, ""},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			before := mbSnapshot(t, org)
			st, raw := tc.by.Do(t, tc.method, base+tc.path, tc.body)
			p := requireProblem(t, st, raw, tc.status, tc.code)
			if tc.reason != "" && p.Reason != tc.reason {
				t.Errorf("reason %q, want %q", p.Reason, tc.reason)
			}
			mbRequireUnchanged(t, org, before)
		})
	}
	// Giving a custom role with a permission the giver lacks is escalation:
	// a developer-scoped manager cannot hand out audit:read.
	mgr := mbMember(t, owner, org, "manager")
	if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+org+"/members/"+mgr.Sub+"/limits", map[string]any{"userLimit": 5, "resourceLimit": 0}); st != http.StatusOK {
		t.Fatalf("limits: %d %s", st, raw)
	}
	before := mbSnapshot(t, org)
	st, raw := mgr.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{"email": uniqueEmail(t), "roles": []string{role.ID}})
	p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	if p.Reason != gatehouse.ReasonEscalation {
		t.Errorf("reason %q", p.Reason)
	}
	mbRequireUnchanged(t, org, before)

	// Update, then unassign and delete.
	if st, raw := owner.Do(t, "PUT", base+"/"+role.ID, map[string]any{"name": "Auditor", "description": "reads the log", "permissions": []string{"audit:read"}}); st != http.StatusOK {
		t.Fatalf("update role: %d %s", st, raw)
	}
	if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+org+"/members/"+member.Sub+"/roles", map[string]any{"roles": []string{"viewer"}}); st != http.StatusOK {
		t.Fatalf("unassign: %d %s", st, raw)
	}
	if st, raw := owner.Do(t, "DELETE", base+"/"+role.ID, nil); st != http.StatusNoContent {
		t.Fatalf("delete unassigned role: %d %s", st, raw)
	}
	evs := mbAudit(t, owner, org, "?target="+role.ID)
	if len(evs) != 3 || evs[0].Action != "role.delete" || evs[2].Action != "role.create" {
		t.Fatalf("role audit %+v", evs)
	}
	// Filters: since in the future lists nothing; actor narrows.
	if got := mbAudit(t, owner, org, "?since="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)); len(got) != 0 {
		t.Errorf("since future: %d events", len(got))
	}
	for _, e := range mbAudit(t, owner, org, "?actor="+admin.Sub) {
		if e.ActorID != admin.Sub {
			t.Errorf("actor filter let through %+v", e)
		}
	}
	st, raw = owner.Do(t, "GET", "/v1/orgs/"+org+"/audit?since=yesterday", nil)
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
}
