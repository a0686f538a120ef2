package e2e

import (
	"net/http"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/limits"
)

func lmSub(t *testing.T, owner *Client, parent string) string {
	t.Helper()
	var o struct {
		ID string `json:"id"`
	}
	if st := owner.DoJSON(t, "POST", "/v1/orgs/"+parent+"/suborgs", map[string]any{"name": "sub of " + t.Name()}, &o); st != http.StatusCreated || o.ID == "" {
		t.Fatalf("create sub-org: %d %+v", st, o)
	}
	return o.ID
}

func TestOrgQuotas(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	admin := adminClient(t)
	parent := mbOrg(t, owner)
	child := lmSub(t, owner, parent)

	// A top-level org's quotas come from the subscription: its own owner
	// cannot set them, a platform admin can.
	st, raw := owner.Do(t, "PUT", "/v1/orgs/"+parent+"/limits", map[string]any{"maxMembers": 1000})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	var l limits.Limits
	if st := admin.DoJSON(t, "PUT", "/v1/orgs/"+parent+"/limits", map[string]any{"maxMembers": 3, "maxResources": map[string]int{"device": 2}}, &l); st != http.StatusOK {
		t.Fatalf("platform admin set quotas: %d", st)
	}
	if l.MaxMembers != 3 || l.MaxResources["device"] != 2 || l.Usage.Members != 1 || l.MaxResources["dashboard"] != -1 {
		t.Errorf("limits = %+v", l)
	}

	// A second member of the parent (2 of 3 used). The parent's owner sets
	// the child's quota within what the parent has left (3 - 2 = 1); that a
	// sub-org's own admin cannot is TestAncestorAdmin (store level).
	mbMember(t, owner, parent, "viewer")
	st, raw = owner.Do(t, "PUT", "/v1/orgs/"+child+"/limits", map[string]any{"maxMembers": 3})
	p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded)
	if p.Limit != "maxMembers" {
		t.Errorf("limit = %q, want maxMembers", p.Limit)
	}
	if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+child+"/limits", map[string]any{"maxMembers": 1}); st != http.StatusOK {
		t.Fatalf("parent owner sets the child's quota: %d %s", st, raw)
	}
	// The child is full (its owner): a new member is refused, naming the limit.
	st, raw = owner.Do(t, "POST", "/v1/orgs/"+child+"/members", map[string]any{
		"email": uniqueEmail(t), "roles": []string{"viewer"}})
	p = requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded)
	if p.Limit != "maxMembers" {
		t.Errorf("limit = %q, want maxMembers", p.Limit)
	}
	// The parent has 2 members of 3: one more fits, the next does not.
	st, raw = owner.Do(t, "POST", "/v1/orgs/"+parent+"/members", map[string]any{
		"email": uniqueEmail(t), "roles": []string{"viewer"}})
	if st != http.StatusCreated {
		t.Fatalf("third member: %d %s", st, raw)
	}
	st, raw = owner.Do(t, "POST", "/v1/orgs/"+parent+"/members", map[string]any{
		"email": uniqueEmail(t), "roles": []string{"viewer"}})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded)
	// Lowering below usage is allowed (documented): it only blocks new ones.
	if st := admin.DoJSON(t, "PUT", "/v1/orgs/"+parent+"/limits", map[string]any{"maxMembers": 1}, &l); st != http.StatusOK || l.Usage.Members != 3 {
		t.Errorf("lower below usage: %d %+v", st, l)
	}
	st, raw = owner.Do(t, "PUT", "/v1/orgs/"+parent+"/limits", map[string]any{"maxResources": map[string]int{"spaceship": 1}})
	if st != http.StatusBadRequest && st != http.StatusForbidden {
		t.Errorf("unknown type: %d %s", st, raw)
	}
}
