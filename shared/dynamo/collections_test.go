package dynamo_test

import (
	"fmt"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// TestCollectionsStore: filing is bounded per resource; deleting a
// collection larger than one transaction's cleanup removes every member
// item and its grants, and a resource's stale id gives nothing; the org's
// collection count is a condition.
func TestCollectionsStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx, s, org := f.ctx, f.env.Store, f.org.ID
	actor := gatehouse.Actor{UserID: f.owner}
	now := s.Now()
	newColl := func(name string) *gatehouse.Collection {
		t.Helper()
		c := &gatehouse.Collection{OrgID: org, ID: "col_" + name, Name: name, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateCollection(ctx, c, actor); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		return c
	}
	// 95 resources, seeded: more than one cleanup batch.
	var rs []*gatehouse.Resource
	for i := range 95 {
		rs = append(rs, &gatehouse.Resource{OrgID: org, Type: "device", ID: fmt.Sprintf("d%03d", i), Name: "d", OwnerID: f.owner,
			Counted: []string{f.owner}, CreatedAt: now, UpdatedAt: now, Version: 1})
	}
	if err := f.env.SeedResources(ctx, rs, 4); err != nil {
		t.Fatal(err)
	}
	big := newColl("big")
	for _, r := range rs {
		if err := s.FileResource(ctx, r, big.ID, []string{big.ID}, true, actor); err != nil {
			t.Fatalf("file %s: %v", r.ID, err)
		}
	}
	refs, _, err := s.CollectionRefsPage(ctx, org, big.ID, 100, "")
	if err != nil || len(refs) != 95 {
		t.Fatalf("collection members: %d, %v; want 95", len(refs), err)
	}
	// At most MaxCollectionsPerResource per resource.
	keep := make([]string, dynamo.MaxCollectionsPerResource+1)
	for i := range keep {
		keep[i] = fmt.Sprintf("col_%d", i)
	}
	if err := s.FileResource(ctx, rs[0], "col_x", keep, true, actor); gatehouse.ErrorCode(err) != gatehouse.CodeLimitExceeded {
		t.Errorf("an 11th collection: %v, want limit_exceeded", err)
	}
	// Filing in a collection that does not exist is refused.
	if err := s.FileResource(ctx, rs[0], "col_none", append([]string{big.ID}, "col_none"), true, actor); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("filing in a missing collection: %v, want not_found", err)
	}
	c, err := s.Collection(ctx, org, big.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCollection(ctx, c, actor); err != nil {
		t.Fatalf("delete: %v", err)
	}
	refs, _, err = s.CollectionRefsPage(ctx, org, big.ID, 100, "")
	if err != nil || len(refs) != 0 {
		t.Errorf("members left after the deletion: %d, %v", len(refs), err)
	}
	snap, err := s.LoadSnapshot(ctx, org, []string{f.owner}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snap.Collections[big.ID]; ok {
		t.Error("the deleted collection still has grants in the snapshot")
	}
	// The org's bound on collections is a condition.
	for i := 0; i < dynamo.MaxCollections; i++ {
		newColl(fmt.Sprintf("n%d", i))
	}
	err = s.CreateCollection(ctx, &gatehouse.Collection{OrgID: org, ID: "col_over", Name: "over", CreatedAt: now, UpdatedAt: now}, actor)
	if gatehouse.ErrorCode(err) != gatehouse.CodeLimitExceeded {
		t.Errorf("collection %d: %v, want limit_exceeded", dynamo.MaxCollections+1, err)
	}
}
