package e2e

import (
	"net/http"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// TestGroups: a group's roles apply to its members at their next request,
// group grants open resources, the built-in all group takes roles for
// everyone, and deleting a group takes back what it gave.
func TestGroups(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	viewer := mbMember(t, owner, org, "viewer")
	dev := mbMember(t, owner, org, "developer")
	rsUnlimited(t, owner, org, viewer.Sub)
	rsUnlimited(t, owner, org, dev.Sub)
	base := "/v1/orgs/" + org + "/groups"

	var g struct {
		ID    string   `json:"id"`
		Roles []string `json:"roles"`
	}
	if st := owner.DoJSON(t, "POST", base, map[string]any{"name": "Installers"}, &g); st != http.StatusCreated || g.ID == "" {
		t.Fatalf("create group: %d %+v", st, g)
	}
	// A developer may not manage groups at all (the gate refuses it).
	r := dev.DoRaw(t, "PUT", base+"/"+g.ID+"/roles", []byte(`{"roles":["developer"]}`), nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	// Owner never through a group.
	st, raw := owner.Do(t, "PUT", base+"/"+g.ID+"/roles", map[string]any{"roles": []string{"owner"}})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	if st := owner.DoJSON(t, "PUT", base+"/"+g.ID+"/roles", map[string]any{"roles": []string{"developer"}}, &g); st != http.StatusOK {
		t.Fatalf("bind roles: %d", st)
	}

	// Before joining, the viewer cannot register; after, it can.
	st, raw = viewer.Do(t, "POST", "/v1/orgs/"+org+"/resources", map[string]any{"type": "device", "id": "v1"})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	if st, raw := owner.Do(t, "PUT", base+"/"+g.ID+"/members/"+viewer.Sub, nil); st != http.StatusNoContent {
		t.Fatalf("add member: %d %s", st, raw)
	}
	rsRegister(t, viewer, org, "device", "v1")

	// A grant to the group opens the developer's device to its members.
	rsRegister(t, dev, org, "device", "d1")
	if st, raw := rsGrants(t, dev, org, "device", "d1", map[string]any{"principal": "group:" + g.ID, "allow": []string{"read"}}); st != http.StatusOK {
		t.Fatalf("group grant: %d %s", st, raw)
	}
	if got := rsList(t, viewer, org); len(got) != 2 {
		t.Errorf("group member sees %v, want v1 and d1", got)
	}

	// Deleting the group: the viewer keeps its membership, loses the role
	// and the grant (it still owns v1).
	if st, raw := owner.Do(t, "DELETE", base+"/"+g.ID, nil); st != http.StatusNoContent {
		t.Fatalf("delete group: %d %s", st, raw)
	}
	st, raw = viewer.Do(t, "POST", "/v1/orgs/"+org+"/resources", map[string]any{"type": "device", "id": "v2"})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	if got := rsList(t, viewer, org); len(got) != 1 || got[0] != "device/v1" {
		t.Errorf("after deletion the viewer sees %v", got)
	}

	// The built-in all group: roles bound to it reach every member.
	r = viewer.DoRaw(t, "GET", "/v1/orgs/"+org+"/members", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	if st, raw := owner.Do(t, "PUT", base+"/all/roles", map[string]any{"roles": []string{"developer"}}); st != http.StatusOK {
		t.Fatalf("bind to all: %d %s", st, raw)
	}
	if st, raw := viewer.Do(t, "GET", "/v1/orgs/"+org+"/members", nil); st != http.StatusOK {
		t.Errorf("members:read through all: %d %s", st, raw)
	}
	var list struct {
		Items []struct {
			ID      string   `json:"id"`
			BuiltIn bool     `json:"builtIn"`
			Roles   []string `json:"roles"`
		} `json:"items"`
	}
	if st := viewer.DoJSON(t, "GET", base, nil, &list); st != http.StatusOK || len(list.Items) != 1 || !list.Items[0].BuiltIn {
		t.Errorf("groups: %d %+v", st, list)
	}
	st, raw = owner.Do(t, "DELETE", base+"/all", nil)
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
}
