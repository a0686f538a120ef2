package dynamo_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/sweep"
)

// TestDeletedOrgDrainedBySweep: an org holding far more than one
// transaction takes is deleted by one transaction (its item and a
// tombstone); when the request ends before draining the rest, the sweep
// drains it in bounded runs and removes the tombstone last.
func TestDeletedOrgDrainedBySweep(t *testing.T) {
	env := dynamotest.New(t)
	ctx := context.Background()
	o, _ := memberFixture(t, env)
	now := env.Store.Now()
	var rs []*gatehouse.Resource
	for i := range 250 {
		rs = append(rs, &gatehouse.Resource{OrgID: o.ID, Type: "device", ID: fmt.Sprintf("d%03d", i), OwnerID: "u2",
			Counted: []string{"u2"}, CreatedAt: now, UpdatedAt: now, Version: 1})
	}
	if err := env.SeedResources(ctx, rs, 4); err != nil {
		t.Fatal(err)
	}
	if err := dynamo.DeleteOrgItemForTest(ctx, env.Store, o.ID, gatehouse.Actor{UserID: "owner1"}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := env.Store.Org(ctx, o.ID); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Fatalf("the org after its transaction: %v, want not_found", err)
	}
	if ids, _ := env.Store.PendingOrgPurges(ctx, 10); !slices.Contains(ids, o.ID) {
		t.Fatalf("pending purges %v, want the deleted org's tombstone", ids)
	}
	w := sweep.New(env.Store, newFakeAccounts(), nil, sweep.Options{MaxItems: 100})
	runs, purged := 0, 0
	for ; runs < 10; runs++ {
		res, err := w.Run(ctx)
		if err != nil {
			t.Fatalf("sweep: %v", err)
		}
		if res.Purged > 100 {
			t.Errorf("run %d purged %d items, more than its budget of 100", runs, res.Purged)
		}
		purged += res.Purged
		if ids, _ := env.Store.PendingOrgPurges(ctx, 10); !slices.Contains(ids, o.ID) {
			break
		}
	}
	if runs < 2 || runs == 10 {
		t.Errorf("drained in %d runs, want a few bounded ones", runs+1)
	}
	if purged < 250 {
		t.Errorf("purged %d items, want at least the 250 resources", purged)
	}
	page, err := env.Store.ResourcesAfter(ctx, o.ID, "", "", 10)
	if err != nil || len(page.Resources) != 0 {
		t.Errorf("resources left: %d %v", len(page.Resources), err)
	}
	ms, _, err := env.Store.MembersPage(ctx, o.ID, 10, "")
	if err != nil || len(ms) != 0 {
		t.Errorf("members left: %d %v", len(ms), err)
	}
}
