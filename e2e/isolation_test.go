package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// rsSubOrg creates a sub-org of parent and returns its id.
func rsSubOrg(t testing.TB, by *Client, parent, name string) string {
	t.Helper()
	var o struct {
		ID string `json:"id"`
	}
	if st := by.DoJSON(t, "POST", "/v1/orgs/"+parent+"/suborgs", map[string]any{"name": name}, &o); st != http.StatusCreated || o.ID == "" {
		_, raw := by.Do(t, "POST", "/v1/orgs/"+parent+"/suborgs", map[string]any{"name": name})
		t.Fatalf("create sub-org of %s: %d %s", parent, st, raw)
	}
	return o.ID
}

// relation is where the target org sits relative to the caller's own org.
type relation string

const (
	relOwn     relation = "own"
	relSibling relation = "sibling"
	relParent  relation = "parent"
	relChild   relation = "child"
)

// rsExpectAllowed is the documented outcome at the gate (docs/rules.md):
// in its own org a member passes Member routes and the Permission routes
// its role holds; in a child org only owners and admins of the org pass, as
// admins (rule 5); in the parent and in siblings nobody passes.
func rsExpectAllowed(cat *authz.Catalogue, role string, rel relation, route routes.Route, params map[string]string) bool {
	var sub authz.Subject
	switch rel {
	case relOwn:
		sub = authz.Subject{UserID: "caller", Roles: []string{role}}
	case relChild:
		if role != authz.RoleOwner && role != authz.RoleAdmin {
			return false
		}
		sub = authz.Subject{UserID: "caller", InheritedAdmin: true}
	default:
		return false
	}
	if route.Access == routes.Member {
		return true
	}
	return authz.Compile(&authz.OrgPolicy{Catalogue: cat}, sub).Has(route.RequiredPermission(params))
}

// TestTenantIsolationMatrix: every org-scoped route of the route table ×
// every built-in role × the caller's own org, a sibling, the parent and a
// child. Denied requests are refused by the authorizer (403) without the
// function running; allowed ones reach the function (which may still say
// 400/404/409 about the placeholder ids and empty bodies, but never 401 or
// 5xx). No response body ever carries the id of the parent or the sibling:
// a member of a sub-org sees nothing of the orgs above or beside it.
//
// Tree: root → {own, sibling}, own → child. Callers are members of own only.
func TestTenantIsolationMatrix(t *testing.T) {
	t.Parallel()
	founder := newUser(t)
	root := mbOrg(t, founder)
	own := rsSubOrg(t, founder, root, "own")
	sibling := rsSubOrg(t, founder, root, "sibling")
	child := rsSubOrg(t, founder, own, "child")
	targets := []struct {
		rel relation
		org string
	}{{relOwn, own}, {relSibling, sibling}, {relParent, root}, {relChild, child}}
	foreign := map[string]string{root: "parent", sibling: "sibling"}

	cat := authz.NewCatalogue(stack().Config.ResourceTypes)
	funcs := stack().Functions().HTTP
	var matrix []routes.Route
	var leave routes.Route
	skipped := map[string]bool{}
	for _, r := range routes.Table {
		if !r.OrgScoped() {
			continue // no org in the path: nothing to isolate
		}
		if _, ok := funcs[r.Function]; !ok {
			skipped[r.Function] = true
			continue
		}
		if r.Key() == "POST /v1/orgs/{orgId}/leave" {
			leave = r // runs last: in the own org it ends the membership
			continue
		}
		matrix = append(matrix, r)
	}
	if len(skipped) > 0 {
		t.Logf("functions not in the local stack yet, their routes skipped: %v", skipped)
	}

	for _, role := range authz.BuiltinRoleIDs {
		caller := mbMember(t, founder, own, role)
		t.Run(role, func(t *testing.T) {
			t.Parallel()
			params := map[string]string{
				// Placeholders only: a real user id would let DELETE
				// .../members/{userId} remove the caller mid-matrix.
				"userId": "user_none", "inviteId": "inv_none", "roleId": "role_none", "groupId": "grp_none",
				"type": "device", "resourceId": "none", "tokenId": "tok_none",
			}
			check := func(route routes.Route, rel relation, orgID string) {
				t.Helper()
				params["orgId"] = orgID
				path := route.Path
				for k, v := range params {
					path = strings.ReplaceAll(path, "{"+k+"}", v)
				}
				var body []byte
				if route.Method == "POST" || route.Method == "PUT" || route.Method == "PATCH" {
					body = []byte(`{}`)
				}
				r := caller.DoRaw(t, route.Method, path, body, nil)
				name := string(rel) + " " + route.Key()
				if rsExpectAllowed(cat, role, rel, route, params) {
					if r.Status == http.StatusUnauthorized || r.Status >= 500 || !stack().HandlerRan(r.RequestID) {
						t.Errorf("%s: status %d, handler ran %v; want the function to answer (body %s)", name, r.Status, stack().HandlerRan(r.RequestID), r.Body)
					}
				} else if r.Status != http.StatusForbidden || stack().HandlerRan(r.RequestID) {
					t.Errorf("%s: status %d, handler ran %v; want 403 from the authorizer (body %s)", name, r.Status, stack().HandlerRan(r.RequestID), r.Body)
				}
				for id, which := range foreign {
					if strings.Contains(string(r.Body), id) {
						t.Errorf("%s: the response names the %s org %s: %s", name, which, id, r.Body)
					}
				}
			}
			for _, route := range matrix {
				for _, tg := range targets {
					check(route, tg.rel, tg.org)
				}
			}
			if leave.Path != "" {
				for i := len(targets) - 1; i >= 0; i-- { // own last
					check(leave, targets[i].rel, targets[i].org)
				}
			}
		})
	}
}
