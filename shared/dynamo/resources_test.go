package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// fixture is an org with an owner, created through the store's own API.
type fixture struct {
	env   *dynamotest.Env
	ctx   context.Context
	org   *gatehouse.Org
	owner string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := dynamotest.New(t)
	ctx := context.Background()
	now := env.Store.Now()
	u := newUser("owner", "owner@example.com", now)
	org := dynamo.NewPersonalOrg(u, now)
	if err := env.Store.CreateAccount(ctx, u, org, gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	f := &fixture{env: env, ctx: ctx, org: org, owner: u.ID}
	f.reloadOrg(t)
	return f
}

func (f *fixture) reloadOrg(t *testing.T) *gatehouse.Org {
	t.Helper()
	o, err := f.env.Store.Org(f.ctx, f.org.ID)
	if err != nil {
		t.Fatalf("Org: %v", err)
	}
	f.org = o
	return o
}

// addMember creates a member as a sub-org's owner would be created and then
// rewrites it through the test hook with the wanted fields.
func (f *fixture) addMember(t *testing.T, m gatehouse.Membership) {
	t.Helper()
	m.OrgID = f.org.ID
	if m.Status == "" {
		m.Status = gatehouse.StatusActive
	}
	if m.Roles == nil {
		m.Roles = []string{authz.RoleDeveloper}
	}
	if err := f.env.PutMembership(f.ctx, &m); err != nil {
		t.Fatalf("put membership %s: %v", m.UserID, err)
	}
}

func (f *fixture) register(id, owner string, counted ...string) error {
	r := &dynamo.Resource{OrgID: f.org.ID, Type: "device", ID: id, Name: "Device " + id, OwnerID: owner,
		Counted: append([]string{owner}, counted...), CreatedAt: f.env.Store.Now()}
	return f.env.Store.RegisterResource(f.ctx, r, gatehouse.Actor{UserID: owner})
}

func TestRegisterResourceCountsAndLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.env.Store
	f.addMember(t, gatehouse.Membership{UserID: "mgr", Roles: []string{authz.RoleManager}, ResourceLimit: 3, UserLimit: 5})
	f.addMember(t, gatehouse.Membership{UserID: "dev", ManagedBy: "mgr", ResourceLimit: 2})
	f.addMember(t, gatehouse.Membership{UserID: "none", ResourceLimit: 0})
	if err := dynamo.SetResourceQuotaForTest(f.ctx, s, f.org.ID, "device", 10); err != nil {
		t.Fatal(err)
	}

	f.env.Counter.Reset()
	if err := f.register("d1", "dev", "mgr"); err != nil {
		t.Fatalf("register d1: %v", err)
	}
	if n := f.env.Counter.Counts()["TransactWriteItems"]; n != 1 {
		t.Errorf("TransactWriteItems = %d, want 1", n)
	}
	if err := f.register("d1", "dev", "mgr"); gatehouse.ErrorCode(err) != gatehouse.CodeConflict {
		t.Errorf("duplicate: err = %v, want conflict", err)
	}
	if err := f.register("d2", "dev", "mgr"); err != nil {
		t.Fatalf("register d2: %v", err)
	}
	// The developer's own limit (2) is reached.
	err := f.register("d3", "dev", "mgr")
	if e, ok := errors.AsType[*gatehouse.Error](err); !ok || e.Code != gatehouse.CodeLimitExceeded || e.Limit != "resourceLimit" {
		t.Fatalf("over member limit: err = %v, want limit_exceeded resourceLimit", err)
	}
	// The manager's limit (3) covers its managed developer: one left.
	if err := f.register("m1", "mgr"); err != nil {
		t.Fatalf("register m1: %v", err)
	}
	if err := f.register("m2", "mgr"); gatehouse.ErrorCode(err) != gatehouse.CodeLimitExceeded {
		t.Errorf("over manager limit: err = %v, want limit_exceeded", err)
	}
	if err := f.register("n1", "none"); gatehouse.ErrorCode(err) != gatehouse.CodeLimitExceeded {
		t.Errorf("resourceLimit 0: err = %v, want limit_exceeded", err)
	}
	// The owner is unlimited but the org quota is 10 and 3 are used.
	for i := range 7 {
		if err := f.register(fmt.Sprintf("o%d", i), f.owner); err != nil {
			t.Fatalf("register o%d: %v", i, err)
		}
	}
	err = f.register("o7", f.owner)
	if e, ok := errors.AsType[*gatehouse.Error](err); !ok || e.Limit != "maxResources.device" {
		t.Fatalf("over org quota: err = %v, want limit maxResources.device", err)
	}
	o := f.reloadOrg(t)
	if got := o.Usage.Resources["device"]; got != 10 {
		t.Errorf("org device count = %d, want 10", got)
	}
	mgr, _ := s.Membership(f.ctx, f.org.ID, "mgr")
	dev, _ := s.Membership(f.ctx, f.org.ID, "dev")
	if mgr.ResourceCount != 3 || dev.ResourceCount != 2 {
		t.Errorf("counts mgr=%d dev=%d, want 3 and 2", mgr.ResourceCount, dev.ResourceCount)
	}

	// Unregistering gives back to the memberships counted at registration.
	r, err := s.Resource(f.ctx, f.org.ID, dynamo.Ref{Type: "device", ID: "d1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UnregisterResource(f.ctx, r, gatehouse.Actor{UserID: "owner"}); err != nil {
		t.Fatalf("unregister: %v", err)
	}
	mgr, _ = s.Membership(f.ctx, f.org.ID, "mgr")
	dev, _ = s.Membership(f.ctx, f.org.ID, "dev")
	o = f.reloadOrg(t)
	if mgr.ResourceCount != 2 || dev.ResourceCount != 1 || o.Usage.Resources["device"] != 9 {
		t.Errorf("after unregister: mgr=%d dev=%d org=%d, want 2, 1, 9", mgr.ResourceCount, dev.ResourceCount, o.Usage.Resources["device"])
	}
	if _, err := s.Resource(f.ctx, f.org.ID, r.Ref()); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("resource still there: %v", err)
	}
}

func TestRegisterResourceConcurrentQuota(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := dynamo.SetResourceQuotaForTest(f.ctx, f.env.Store, f.org.ID, "device", 5); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, limited := 0, 0
	for i := range 30 {
		wg.Go(func() {
			err := f.register(fmt.Sprintf("c%d", i), f.owner)
			mu.Lock()
			defer mu.Unlock()
			switch gatehouse.ErrorCode(err) {
			case "":
				ok++
			case gatehouse.CodeLimitExceeded:
				limited++
			default:
				t.Errorf("register c%d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if ok != 5 {
		t.Errorf("registered %d under a quota of 5 (limited %d)", ok, limited)
	}
	if got := f.reloadOrg(t).Usage.Resources["device"]; got != 5 {
		t.Errorf("counter = %d, want 5", got)
	}
}

func TestGrantsIndexAndListings(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.env.Store
	f.addMember(t, gatehouse.Membership{UserID: "alice", ResourceLimit: -1})
	f.addMember(t, gatehouse.Membership{UserID: "bob", ResourceLimit: -1})
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		if err := f.register(id, "alice"); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.register("z", "bob"); err != nil {
		t.Fatal(err)
	}
	exp := s.Now().Add(time.Hour)
	grant := []authz.Grant{{Principal: "user:bob", Allow: []string{"read"}}, {Principal: "group:all", Deny: []string{"delete"}, ExpiresAt: &exp}}
	for _, id := range []string{"b", "d"} {
		r, err := s.Resource(f.ctx, f.org.ID, dynamo.Ref{Type: "device", ID: id})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetResourceGrants(f.ctx, r, grant, gatehouse.Actor{UserID: "alice"}); err != nil {
			t.Fatalf("SetResourceGrants %s: %v", id, err)
		}
		// A stale version is refused.
		if _, err := s.SetResourceGrants(f.ctx, r, nil, gatehouse.Actor{}); gatehouse.ErrorCode(err) != gatehouse.CodeConflict {
			t.Errorf("stale grants write: %v, want conflict", err)
		}
	}
	r, _ := s.Resource(f.ctx, f.org.ID, dynamo.Ref{Type: "device", ID: "b"})
	if len(r.Grants) != 2 || r.Grants[1].ExpiresAt == nil || r.Version != 2 {
		t.Errorf("grants read back = %+v (v%d)", r.Grants, r.Version)
	}
	// A principal that is not a member is refused and nothing is written.
	if _, err := s.SetResourceGrants(f.ctx, r, []authz.Grant{{Principal: "user:ghost", Allow: []string{"read"}}}, gatehouse.Actor{}); gatehouse.ErrorCode(err) != gatehouse.CodeValidation {
		t.Errorf("ghost principal: %v, want validation_failed", err)
	}
	if _, err := s.SetResourceGrants(f.ctx, r, []authz.Grant{{Principal: "group:grp_none", Allow: []string{"read"}}}, gatehouse.Actor{}); gatehouse.ErrorCode(err) != gatehouse.CodeValidation {
		t.Errorf("unknown group: %v, want validation_failed", err)
	}

	// Granted to bob: b and d, page by page.
	p, err := s.GrantedRefsAfter(f.ctx, f.org.ID, "user:bob", "", "", 1)
	if err != nil || len(p.Refs) != 1 || p.Refs[0].ID != "b" || !p.More {
		t.Fatalf("granted page 1 = %+v, %v", p, err)
	}
	p, err = s.GrantedRefsAfter(f.ctx, f.org.ID, "user:bob", "", p.Last, 5)
	if err != nil || len(p.Refs) != 1 || p.Refs[0].ID != "d" || p.More {
		t.Fatalf("granted page 2 = %+v, %v", p, err)
	}
	// Owned by alice, after "device#c".
	op, err := s.OwnedResourcesAfter(f.ctx, f.org.ID, "alice", "device", "device#c", 10)
	if err != nil || len(op.Resources) != 2 || op.Resources[0].ID != "d" {
		t.Fatalf("owned after c = %+v, %v", op, err)
	}
	// All of the org, type filter that matches nothing.
	all, err := s.ResourcesAfter(f.ctx, f.org.ID, "", "", 100)
	if err != nil || len(all.Resources) != 6 {
		t.Fatalf("all = %d, %v; want 6", len(all.Resources), err)
	}
	none, err := s.ResourcesAfter(f.ctx, f.org.ID, "dashboard", "", 100)
	if err != nil || len(none.Resources) != 0 {
		t.Errorf("dashboards = %d, %v", len(none.Resources), err)
	}

	// Removing bob's grant takes b out of his index.
	r, _ = s.Resource(f.ctx, f.org.ID, dynamo.Ref{Type: "device", ID: "b"})
	if _, err := s.SetResourceGrants(f.ctx, r, grant[1:], gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	p, _ = s.GrantedRefsAfter(f.ctx, f.org.ID, "user:bob", "", "", 10)
	if len(p.Refs) != 1 || p.Refs[0].ID != "d" {
		t.Errorf("bob's grants after removal = %+v", p.Refs)
	}
	// Unregistering d removes its grantee items too.
	d, _ := s.Resource(f.ctx, f.org.ID, dynamo.Ref{Type: "device", ID: "d"})
	if err := s.UnregisterResource(f.ctx, d, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	p, _ = s.GrantedRefsAfter(f.ctx, f.org.ID, "group:all", "", "", 10)
	if len(p.Refs) != 1 || p.Refs[0].ID != "b" {
		t.Errorf("group:all grants after unregister = %+v", p.Refs)
	}
}

func TestTypeGrantsSnapshotAndPrune(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.env.Store
	f.addMember(t, gatehouse.Membership{UserID: "alice", ResourceLimit: -1})
	if err := f.register("a", "alice"); err != nil {
		t.Fatal(err)
	}
	past := s.Now().Add(-time.Minute)
	tg := []authz.Grant{{Principal: "user:alice", Allow: []string{"*"}}, {Principal: "group:all", Allow: []string{"read"}, ExpiresAt: &past}}
	if err := s.SetTypeGrants(f.ctx, f.org.ID, "device", tg, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	f.env.Counter.Reset()
	snap, err := s.LoadSnapshot(f.ctx, f.org.ID, []string{"alice", "ghost"}, []dynamo.Ref{{Type: "device", ID: "a"}, {Type: "device", ID: "nope"}}, []string{"device", "dashboard"})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.env.Counter.Total(); n != 1 {
		t.Errorf("snapshot calls = %d, want 1", n)
	}
	if snap.Members["alice"] == nil || snap.Members["ghost"] != nil || len(snap.Resources) != 1 || len(snap.TypeGrants["device"]) != 2 {
		t.Errorf("snapshot = %+v", snap)
	}
	if err := s.PruneExpiredGrants(f.ctx, f.org.ID, "device", dynamo.TypeWide, gatehouse.Actor{UserID: "sweeper"}); err != nil {
		t.Fatal(err)
	}
	g, _ := s.TypeGrants(f.ctx, f.org.ID, "device")
	if len(g) != 1 || g[0].Principal != "user:alice" {
		t.Errorf("type grants after prune = %+v", g)
	}
}
