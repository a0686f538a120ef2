package e2e

import (
	"net/http"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// TestPutBodiesNeverBecomeZeroValues: a PUT body that leaves out a field
// without a documented default is refused, never read as zero values
// (docs/errors.md, the OpenAPI document's description of each PUT). An
// empty object is sent to every PUT route that takes a body.
func TestPutBodiesNeverBecomeZeroValues(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	member := mbMember(t, owner, org, "viewer")
	sub := rsSubOrg(t, owner, org, "Branch")
	rsRegister(t, owner, org, "device", "put-1")
	var role gatehouse.Role
	if st := owner.DoJSON(t, "POST", "/v1/orgs/"+org+"/roles", map[string]any{"name": "Auditor", "permissions": []string{"audit:read"}}, &role); st != http.StatusCreated {
		t.Fatalf("create role: %d", st)
	}
	var group struct {
		ID string `json:"id"`
	}
	if st := owner.DoJSON(t, "POST", "/v1/orgs/"+org+"/groups", map[string]any{"name": "Installers"}, &group); st != http.StatusCreated {
		t.Fatalf("create group: %d", st)
	}
	paths := map[string]string{
		"PUT /v1/orgs/{orgId}/members/{userId}/roles":               "/v1/orgs/" + org + "/members/" + member.Sub + "/roles",
		"PUT /v1/orgs/{orgId}/members/{userId}/limits":              "/v1/orgs/" + org + "/members/" + member.Sub + "/limits",
		"PUT /v1/orgs/{orgId}/roles/{roleId}":                       "/v1/orgs/" + org + "/roles/" + role.ID,
		"PUT /v1/orgs/{orgId}/groups/{groupId}/roles":               "/v1/orgs/" + org + "/groups/" + group.ID + "/roles",
		"PUT /v1/orgs/{orgId}/resources/{type}/{resourceId}/grants": "/v1/orgs/" + org + "/resources/device/put-1/grants",
		"PUT /v1/orgs/{orgId}/limits":                               "/v1/orgs/" + sub + "/limits",
		"PUT /v1/admin/signup-policy":                               "/v1/admin/signup-policy",
		"PUT /v1/orgs/{orgId}/groups/{groupId}/members/{userId}":    "", // takes no body
		// SCIM (docs/scim.md): answered as a SCIM error.
		"PUT /v1/orgs/{orgId}/scim/v2/Users/{scimId}": "/v1/orgs/" + org + "/scim/v2/Users/" + member.Sub,
		// Collections (issue 17).
		"PUT /v1/orgs/{orgId}/collections/{collectionId}/grants":                        "/v1/orgs/" + org + "/collections/" + clCreate(t, owner, org, "Put") + "/grants",
		"PUT /v1/orgs/{orgId}/collections/{collectionId}/resources/{type}/{resourceId}": "", // takes no body
		// Verified domains.
		"PUT /v1/orgs/{orgId}/domains/{domain}/policy": "/v1/orgs/" + org + "/domains/" + dmAdd(t, owner, org, uniqueDomain()).Domain + "/policy",
	}
	for _, r := range routes.Table {
		if r.Method != http.MethodPut {
			continue
		}
		path, ok := paths[r.Key()]
		if !ok {
			t.Errorf("%s: a PUT route this test does not know; add it", r.Key())
			continue
		}
		if path == "" {
			continue
		}
		t.Run(r.Key(), func(t *testing.T) {
			by := owner
			if r.Access == routes.PlatformAdmin {
				by = adminClient(t)
			}
			if scimProtocol(r) {
				requireScimRefusal(t, by.DoRaw(t, http.MethodPut, path, []byte(`{}`), http.Header{"Content-Type": {"application/scim+json"}}),
					http.StatusBadRequest, gatehouse.CodeValidation, "")
				return
			}
			st, raw := by.Do(t, http.MethodPut, path, `{}`)
			requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
		})
	}
}

// TestSignupPolicyPutFillsDefaults: PUT with a mode alone keeps personal
// orgs on and the unlimited default resource limit (it used to turn
// personal orgs off and set the limit to 0). Not parallel: the policy is
// the platform's.
func TestSignupPolicyPutFillsDefaults(t *testing.T) {
	spSet(t, map[string]any{"mode": "allowlist", "allowedDomains": []string{"example.com"}, "defaultResourceLimit": 3, "personalOrg": false})
	var got gatehouse.SignupPolicy
	if st := adminClient(t).DoJSON(t, http.MethodPut, "/v1/admin/signup-policy", map[string]any{"mode": "open"}, &got); st != http.StatusOK {
		t.Fatalf("PUT mode only: %d", st)
	}
	def := gatehouse.DefaultSignupPolicy()
	if got.Mode != gatehouse.SignupOpen || got.PersonalOrg != def.PersonalOrg || got.DefaultResourceLimit != def.DefaultResourceLimit ||
		len(got.AllowedDomains)+len(got.AllowedEmails) != 0 {
		t.Errorf("policy after PUT {mode: open} = %+v, want the defaults %+v", got, def)
	}
}
