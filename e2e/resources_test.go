package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Helpers of the resource, group, token and isolation tests are prefixed
// with rs.

// rsResource is a resource as the API shows it.
type rsResource struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	OwnerID string `json:"ownerId"`
	Grants  []struct {
		Principal string   `json:"principal"`
		Allow     []string `json:"allow"`
		Deny      []string `json:"deny"`
	} `json:"grants"`
}

// rsRegister registers a resource and fails the test unless it is created.
func rsRegister(t testing.TB, by *Client, orgID, typ, id string) {
	t.Helper()
	if st, raw := by.Do(t, "POST", "/v1/orgs/"+orgID+"/resources", map[string]any{"type": typ, "id": id}); st != http.StatusCreated {
		t.Fatalf("register %s/%s: %d %s", typ, id, st, raw)
	}
}

// rsList pages through GET /resources with a small page size.
func rsList(t testing.TB, by *Client, orgID string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for range 100 {
		var p struct {
			Items      []rsResource `json:"items"`
			NextCursor string       `json:"nextCursor"`
		}
		path := "/v1/orgs/" + orgID + "/resources?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if st := by.DoJSON(t, "GET", path, nil, &p); st != http.StatusOK {
			_, raw := by.Do(t, "GET", path, nil)
			t.Fatalf("list: %d %s", st, raw)
		}
		for _, r := range p.Items {
			out = append(out, r.Type+"/"+r.ID)
		}
		if p.NextCursor == "" {
			return out
		}
		cursor = p.NextCursor
	}
	t.Fatal("the listing does not end")
	return nil
}

// rsUnlimited lifts a member's resource limit (members created directly may
// start without one).
func rsUnlimited(t testing.TB, owner *Client, orgID, userID string) {
	t.Helper()
	if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+orgID+"/members/"+userID+"/limits", map[string]any{"resourceLimit": -1, "userLimit": 0}); st != http.StatusOK {
		t.Fatalf("set limits of %s: %d %s", userID, st, raw)
	}
}

func rsGrants(t testing.TB, by *Client, orgID, typ, id string, grants ...map[string]any) (int, []byte) {
	t.Helper()
	if grants == nil {
		grants = []map[string]any{}
	}
	return by.Do(t, "PUT", "/v1/orgs/"+orgID+"/resources/"+typ+"/"+id+"/grants", map[string]any{"grants": grants})
}

// TestResourceRegistryAndGrants walks the registry through the whole
// stack: registration against limits, what each member sees, grants with
// deny winning, rule 10 on unregistering, and the check API.
func TestResourceRegistryAndGrants(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	dev := mbMember(t, owner, org, "developer")
	dev2 := mbMember(t, owner, org, "developer")
	viewer := mbMember(t, owner, org, "viewer")
	rsUnlimited(t, owner, org, dev.Sub)
	rsUnlimited(t, owner, org, dev2.Sub)
	base := "/v1/orgs/" + org

	rsRegister(t, dev, org, "device", "thermo-1")
	rsRegister(t, dev, org, "device", "thermo-2")
	rsRegister(t, dev2, org, "dashboard", "ops")

	// A viewer registers nothing; an unknown type is a 400; a duplicate 409.
	st, raw := viewer.Do(t, "POST", base+"/resources", map[string]any{"type": "device", "id": "v"})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	st, raw = dev.Do(t, "POST", base+"/resources", map[string]any{"type": "toaster", "id": "t"})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	st, raw = dev.Do(t, "POST", base+"/resources", map[string]any{"type": "device", "id": "thermo-1"})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)

	// Each sees what it owns; the viewer nothing; the org owner everything.
	if got := rsList(t, dev, org); !slices.Equal(got, []string{"device/thermo-1", "device/thermo-2"}) {
		t.Errorf("dev sees %v", got)
	}
	if got := rsList(t, viewer, org); len(got) != 0 {
		t.Errorf("viewer sees %v", got)
	}
	if got := rsList(t, owner, org); len(got) != 3 {
		t.Errorf("owner sees %v", got)
	}

	// Grants: read to the viewer on thermo-1; on thermo-2 an allow to the
	// viewer and a deny to the group every member is in: deny wins.
	if st, raw := rsGrants(t, dev, org, "device", "thermo-1", map[string]any{"principal": "user:" + viewer.Sub, "allow": []string{"read"}}); st != http.StatusOK {
		t.Fatalf("grant: %d %s", st, raw)
	}
	if st, raw := rsGrants(t, dev, org, "device", "thermo-2",
		map[string]any{"principal": "user:" + viewer.Sub, "allow": []string{"read"}},
		map[string]any{"principal": "group:all", "deny": []string{"read"}}); st != http.StatusOK {
		t.Fatalf("grant with deny: %d %s", st, raw)
	}
	if got := rsList(t, viewer, org); !slices.Equal(got, []string{"device/thermo-1"}) {
		t.Errorf("viewer sees %v, want thermo-1 only", got)
	}
	// Rule 6: dev2 cannot share what it cannot see; the viewer lacks
	// device:share altogether (the authorizer refuses it before the
	// function runs).
	st, raw = rsGrants(t, dev2, org, "device", "thermo-1")
	requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	r := viewer.DoRaw(t, "PUT", base+"/resources/device/thermo-1/grants", []byte(`{"grants":[]}`), nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)

	// Check API, batch form, asked by the owner about others.
	var res struct {
		Results []struct {
			Allowed bool   `json:"allowed"`
			Reason  string `json:"reason"`
		} `json:"results"`
	}
	checks := []map[string]any{
		{"userId": viewer.Sub, "action": "read", "resource": map[string]string{"type": "device", "id": "thermo-1"}},
		{"userId": viewer.Sub, "action": "read", "resource": map[string]string{"type": "device", "id": "thermo-2"}},
		{"userId": dev.Sub, "action": "update", "resource": map[string]string{"type": "device", "id": "thermo-2"}},
		{"userId": dev2.Sub, "action": "read", "resource": map[string]string{"type": "device", "id": "thermo-1"}},
	}
	if st := owner.DoJSON(t, "POST", base+"/authorize", map[string]any{"checks": checks}, &res); st != http.StatusOK || len(res.Results) != 4 {
		t.Fatalf("authorize: %d %+v", st, res)
	}
	want := []string{"true grant", "false denied", "true resource_owner", "false no_resource_access"}
	for i, r := range res.Results {
		if got := map[bool]string{true: "true ", false: "false "}[r.Allowed] + r.Reason; got != want[i] {
			t.Errorf("check %d = %s, want %s", i, got, want[i])
		}
	}
	// The viewer may ask about itself, not about others.
	var one struct {
		Allowed bool `json:"allowed"`
	}
	if st := viewer.DoJSON(t, "POST", base+"/authorize", map[string]any{"action": "read", "resource": map[string]string{"type": "device", "id": "thermo-1"}}, &one); st != http.StatusOK || !one.Allowed {
		t.Errorf("self check: %d %+v", st, one)
	}
	st, raw = viewer.Do(t, "POST", base+"/authorize", map[string]any{"userId": dev.Sub, "action": "read", "resource": map[string]string{"type": "device", "id": "thermo-1"}})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)

	// Rule 10: the developer deletes its own device (device:delete and
	// access); the viewer, granted read only, cannot; the org owner deletes
	// any, and the counter goes back down.
	rsRegister(t, dev, org, "device", "thermo-own")
	if st, raw := dev.Do(t, "DELETE", base+"/resources/device/thermo-own", nil); st != http.StatusNoContent {
		t.Fatalf("the owner of a device deletes it: %d %s", st, raw)
	}
	r = viewer.DoRaw(t, "DELETE", base+"/resources/device/thermo-1", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	if st, raw := owner.Do(t, "DELETE", base+"/resources/device/thermo-1", nil); st != http.StatusNoContent {
		t.Fatalf("owner unregisters: %d %s", st, raw)
	}
	var o struct {
		Usage struct {
			Resources map[string]int `json:"resources"`
		} `json:"usage"`
	}
	if st := owner.DoJSON(t, "GET", base, nil, &o); st != http.StatusOK || o.Usage.Resources["device"] != 1 || o.Usage.Resources["dashboard"] != 1 {
		t.Errorf("usage after unregister: %d %+v", st, o.Usage)
	}
	if got := rsList(t, viewer, org); len(got) != 0 {
		t.Errorf("viewer still sees %v", got)
	}
}

// TestResourceLimits: the member's resourceLimit and the org's quota are
// enforced as 409 limit_exceeded naming the limit, and nothing is written.
func TestResourceLimits(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	dev := mbMember(t, owner, org, "developer")
	if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+org+"/members/"+dev.Sub+"/limits", map[string]any{"resourceLimit": 1, "userLimit": 0}); st != http.StatusOK {
		t.Fatalf("limits: %d %s", st, raw)
	}
	rsRegister(t, dev, org, "device", "one")
	st, raw := dev.Do(t, "POST", "/v1/orgs/"+org+"/resources", map[string]any{"type": "device", "id": "two"})
	if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded); p.Limit != "resourceLimit" {
		t.Errorf("limit %q, want resourceLimit", p.Limit)
	}
	var p struct {
		Items []json.RawMessage `json:"items"`
	}
	if st := dev.DoJSON(t, "GET", "/v1/orgs/"+org+"/resources", nil, &p); st != http.StatusOK || len(p.Items) != 1 {
		t.Errorf("after the refusal: %d, %d items", st, len(p.Items))
	}
}
