package resources_test

import (
	"fmt"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/resources"
)

// TestAuthorizeBatchProjected: a batch too large for one BatchGetItem
// reads its resources with a projection in a call of its own
// (shared/dynamo/batchget.go, docs/performance.md); its decisions are those
// of the same checks asked one by one, which read whole items.
func TestAuthorizeBatchProjected(t *testing.T) {
	f := newFixture(t)
	var checks []resources.Check
	for i := range resources.MaxChecks {
		id := fmt.Sprintf("p%03d", i)
		owner := "dev"
		if i%4 == 0 {
			owner = "dev2"
		}
		f.register(owner, "device", id)
		var grants []authz.Grant
		switch i % 3 {
		case 0:
			grants = []authz.Grant{{Principal: "user:viewer", Allow: []string{"read", "update"}}}
		case 1:
			grants = []authz.Grant{{Principal: "user:viewer", Allow: []string{"read"}}, {Principal: "user:dev", Deny: []string{"update"}}}
		}
		if grants != nil {
			if _, err := f.svc.SetGrants(f.ctx, f.caller("admin"), f.org, gatehouse.Ref{Type: "device", ID: id}, resources.GrantsInput{Grants: grants}); err != nil {
				t.Fatal(err)
			}
		}
		user := []string{"viewer", "dev", "dev2"}[i%3]
		action := []string{"read", "update"}[i%2]
		checks = append(checks, resources.Check{UserID: user, Action: action, Resource: &resources.ResourceRef{Type: "device", ID: id}})
	}
	f.env.Counter.Reset()
	out, err := f.svc.Authorize(f.ctx, f.caller("admin"), f.org, resources.CheckInput{Checks: checks})
	if err != nil {
		t.Fatal(err)
	}
	if c := f.env.Counter.Counts(); c["BatchGetItem"] != 2 || f.env.Counter.Total() != 2 {
		t.Errorf("a batch of %d checks made calls %v, want 2 BatchGetItem", len(checks), c)
	}
	allowed := 0
	for i, c := range checks {
		one, err := f.svc.Authorize(f.ctx, f.caller("admin"), f.org, resources.CheckInput{Check: c})
		if err != nil {
			t.Fatal(err)
		}
		if out.Results[i] != *one.Decision {
			t.Errorf("check %d (%s %s %s): batch %+v, alone %+v", i, c.UserID, c.Action, c.Resource.ID, out.Results[i], *one.Decision)
		}
		if one.Allowed {
			allowed++
		}
	}
	if allowed == 0 || allowed == len(checks) {
		t.Errorf("%d of %d allowed: the sample decides nothing", allowed, len(checks))
	}
}
