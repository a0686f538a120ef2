package dynamo_test

import (
	"context"
	"fmt"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// limTree is a top-level org P (owner "p-owner") with a sub-org C (owner
// "c-owner") and a grandchild G (owner "g-owner").
type limTree struct {
	env     *dynamotest.Env
	ctx     context.Context
	p, c, g *gatehouse.Org
}

func newLimTree(t *testing.T) *limTree {
	t.Helper()
	env := dynamotest.New(t)
	ctx := context.Background()
	now := env.Store.Now()
	u := newUser("p-owner", "p-owner@example.com", now)
	p := dynamo.NewPersonalOrg(u, now)
	p.Personal = false
	if err := env.Store.CreateAccount(ctx, u, p, gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	tr := &limTree{env: env, ctx: ctx}
	tr.p = tr.org(t, p.ID)
	tr.c = tr.sub(t, tr.p, "c")
	tr.g = tr.sub(t, tr.c, "g")
	return tr
}

func (tr *limTree) sub(t *testing.T, parent *gatehouse.Org, name string) *gatehouse.Org {
	t.Helper()
	now := tr.env.Store.Now()
	child := &gatehouse.Org{ID: "org_" + name, Name: name, ParentID: parent.ID,
		Ancestors: append(append([]string{}, parent.Ancestors...), parent.ID),
		Quotas:    gatehouse.Quotas{MaxMembers: -1}, CreatedAt: now, UpdatedAt: now}
	owner := dynamo.OwnerMembership(child.ID, name+"-owner", -1, now)
	if err := tr.env.Store.CreateSubOrg(tr.ctx, parent, child, owner, gatehouse.Actor{UserID: "p-owner"}); err != nil {
		t.Fatalf("CreateSubOrg: %v", err)
	}
	return tr.org(t, child.ID)
}

func (tr *limTree) org(t *testing.T, id string) *gatehouse.Org {
	t.Helper()
	o, err := tr.env.Store.Org(tr.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (tr *limTree) set(orgID string, members *int, res map[string]int) (*gatehouse.Org, error) {
	return tr.env.Store.SetOrgQuotas(tr.ctx, orgID, dynamo.QuotaChanges{MaxMembers: members, MaxResources: res}, gatehouse.Actor{UserID: "admin"})
}

func ptr(n int) *int { return &n }

// addMembers creates n viewer members of an org through the real store
// method (counters guarded by maxMembers).
func (tr *limTree) addMembers(t *testing.T, orgID string, n int) {
	t.Helper()
	for i := range n {
		o := tr.org(t, orgID)
		now := tr.env.Store.Now()
		m := &gatehouse.Membership{OrgID: orgID, UserID: fmt.Sprintf("%s-m%d", orgID, i), Roles: []string{"viewer"},
			Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
		if err := tr.env.Store.CreateMember(tr.ctx, dynamo.NewMember{Member: m, Org: o}); err != nil {
			t.Fatalf("CreateMember: %v", err)
		}
	}
}

func TestSetOrgQuotas(t *testing.T) {
	t.Parallel()
	tr := newLimTree(t)
	// P: 1 owner + 3 members = 4 used; quota 10 leaves 6 for a sub-org.
	tr.addMembers(t, tr.p.ID, 3)
	if _, err := tr.set(tr.p.ID, ptr(10), map[string]int{"device": 5}); err != nil {
		t.Fatalf("set P: %v", err)
	}

	tests := []struct {
		name      string
		org       string
		members   *int
		res       map[string]int
		wantLimit string // "" for success
	}{
		{"child up to what the parent has left", "org_c", ptr(6), nil, ""},
		{"child above what the parent has left", "org_c", ptr(7), nil, "maxMembers"},
		{"child unlimited under a limited parent", "org_c", ptr(-1), nil, "maxMembers"},
		{"child lowered", "org_c", ptr(2), nil, ""},
		{"child lowered below its usage (allowed, blocks new members)", "org_c", ptr(0), nil, ""},
		{"resource quota within the parent's", "org_c", nil, map[string]int{"device": 5}, ""},
		{"resource quota above the parent's", "org_c", nil, map[string]int{"device": 6}, "maxResources.device"},
		{"type the parent does not limit", "org_c", nil, map[string]int{"dashboard": -1}, ""},
		{"grandchild bounded by its own parent", "org_g", ptr(1), nil, "maxMembers"}, // C's quota 0, usage 1
		{"top-level org: no parent bound", tr.p.ID, ptr(1000), nil, ""},
		{"top-level org below usage", tr.p.ID, ptr(2), nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := tr.org(t, tc.org)
			got, err := tr.set(tc.org, tc.members, tc.res)
			after := tr.org(t, tc.org)
			if tc.wantLimit == "" {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				if tc.members != nil && (got.Quotas.MaxMembers != *tc.members || after.Quotas.MaxMembers != *tc.members) {
					t.Errorf("maxMembers = %d (stored %d), want %d", got.Quotas.MaxMembers, after.Quotas.MaxMembers, *tc.members)
				}
				for ty, n := range tc.res {
					if after.Quotas.MaxResources[ty] != n {
						t.Errorf("maxResources[%s] = %d, want %d", ty, after.Quotas.MaxResources[ty], n)
					}
				}
				return
			}
			var ge *gatehouse.Error
			if !asGatehouse(err, &ge) || ge.Code != gatehouse.CodeLimitExceeded || ge.Limit != tc.wantLimit {
				t.Fatalf("err = %v, want limit_exceeded %s", err, tc.wantLimit)
			}
			if after.Version != before.Version || after.Quotas.MaxMembers != before.Quotas.MaxMembers {
				t.Errorf("refused change wrote the org: version %d -> %d", before.Version, after.Version)
			}
		})
	}
	audit, err := tr.env.Store.AuditActionsForTest(tr.ctx, "org_c")
	if err != nil || audit["limits.update"] != 5 {
		t.Errorf("limits.update audit events in C = %d (%v), want 5 (one per accepted change)", audit["limits.update"], err)
	}
}

func asGatehouse(err error, target **gatehouse.Error) bool {
	for err != nil {
		if e, ok := err.(*gatehouse.Error); ok {
			*target = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// TestAncestorAdmin: the memberships MembershipsIn reads are what rule 5's
// decision on quotas needs (authz.SetsQuotas).
func TestAncestorAdmin(t *testing.T) {
	t.Parallel()
	tr := newLimTree(t)
	tr.addMembers(t, tr.p.ID, 1) // org_..-m0: a viewer of P
	viewer := tr.p.ID + "-m0"
	tests := []struct {
		name      string
		user      string
		ancestors []string
		want      bool
	}{
		{"owner of the parent", "p-owner", tr.c.Ancestors, true},
		{"owner of the grandparent", "p-owner", tr.g.Ancestors, true},
		{"owner of the parent, for the grandchild", "c-owner", tr.g.Ancestors, true},
		{"sub-org's own owner", "c-owner", tr.c.Ancestors, false},
		{"viewer of the parent", viewer, tr.c.Ancestors, false},
		{"top-level org", "p-owner", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := tr.env.Store.MembershipsIn(tr.ctx, tc.user, tc.ancestors)
			if err != nil {
				t.Fatal(err)
			}
			c := &gatehouse.Caller{Actor: gatehouse.Actor{UserID: tc.user}, Permissions: []string{"limits:update"}}
			got := authz.SetsQuotas(c, &gatehouse.Org{Ancestors: tc.ancestors}, ms, tr.env.Store.Now()) == nil
			if got != tc.want {
				t.Errorf("sets quotas = %v; want %v (memberships %+v)", got, tc.want, ms)
			}
		})
	}
}

// race runs n calls of f at once and counts successes and limit_exceeded
// failures naming limit; any other outcome fails the test.
func race(t *testing.T, n int, limit string, f func(i int) error) (ok int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	other := map[string]int{}
	for i := range n {
		wg.Go(func() {
			<-start
			err := f(i)
			mu.Lock()
			defer mu.Unlock()
			var ge *gatehouse.Error
			switch {
			case err == nil:
				ok++
			case asGatehouse(err, &ge) && ge.Code == gatehouse.CodeLimitExceeded && ge.Limit == limit:
			default:
				other[fmt.Sprint(err)]++
			}
		})
	}
	close(start)
	wg.Wait()
	for e, c := range other {
		t.Errorf("%d calls failed with %s, want only limit_exceeded %s", c, e, limit)
	}
	return ok
}

func TestConcurrentCreationsAgainstOrgQuota(t *testing.T) {
	t.Parallel()
	tr := newLimTree(t)
	// 1 owner + 5 seats left.
	if _, err := tr.set(tr.p.ID, ptr(6), nil); err != nil {
		t.Fatal(err)
	}
	o := tr.org(t, tr.p.ID)
	now := tr.env.Store.Now()
	ok := race(t, 100, "maxMembers", func(i int) error {
		m := &gatehouse.Membership{OrgID: o.ID, UserID: fmt.Sprintf("racer%d", i), Roles: []string{"viewer"},
			Status: gatehouse.StatusActive, CreatedAt: now, UpdatedAt: now}
		return tr.env.Store.CreateMember(tr.ctx, dynamo.NewMember{Member: m, Org: o,
			Account: newUser(fmt.Sprintf("racer%d", i), fmt.Sprintf("racer%d@example.com", i), now)})
	})
	if ok != 5 {
		t.Errorf("%d creations succeeded, want exactly 5", ok)
	}
	if got := tr.org(t, o.ID).Usage.Members; got != 6 {
		t.Errorf("memberCount = %d, want 6", got)
	}
}

func TestConcurrentCreationsAgainstManagerUserLimit(t *testing.T) {
	t.Parallel()
	tr := newLimTree(t)
	o := tr.org(t, tr.p.ID)
	now := tr.env.Store.Now()
	mgr := &gatehouse.Membership{OrgID: o.ID, UserID: "mgr", Roles: []string{"manager"}, Status: gatehouse.StatusActive,
		UserLimit: 5, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	if err := tr.env.Store.CreateMember(tr.ctx, dynamo.NewMember{Member: mgr, Org: o}); err != nil {
		t.Fatal(err)
	}
	o = tr.org(t, o.ID)
	ok := race(t, 100, "userLimit", func(i int) error {
		m := &gatehouse.Membership{OrgID: o.ID, UserID: fmt.Sprintf("managed%d", i), Roles: []string{"viewer"},
			Status: gatehouse.StatusActive, ManagedBy: "mgr", CreatedAt: now, UpdatedAt: now}
		return tr.env.Store.CreateMember(tr.ctx, dynamo.NewMember{Member: m, Org: o})
	})
	if ok != 5 {
		t.Errorf("%d managed creations succeeded, want exactly 5", ok)
	}
	if m, _ := tr.env.Store.Membership(tr.ctx, o.ID, "mgr"); m == nil || m.ManagedCount != 5 {
		t.Errorf("manager = %+v, want managedCount 5", m)
	}
}

func TestConcurrentRegistrationsAgainstResourceQuotas(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		orgQuota    int
		ownerLimit  int
		wantLimitOf string
	}{
		{"org quota", 5, -1, "maxResources.device"},
		{"owner's resourceLimit", -1, 5, "resourceLimit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newLimTree(t)
			if _, err := tr.set(tr.p.ID, nil, map[string]int{"device": tc.orgQuota}); err != nil {
				t.Fatal(err)
			}
			o := tr.org(t, tr.p.ID)
			now := tr.env.Store.Now()
			dev := &gatehouse.Membership{OrgID: o.ID, UserID: "dev", Roles: []string{"developer"}, Status: gatehouse.StatusActive,
				ResourceLimit: tc.ownerLimit, CreatedAt: now, UpdatedAt: now}
			if err := tr.env.Store.CreateMember(tr.ctx, dynamo.NewMember{Member: dev, Org: o}); err != nil {
				t.Fatal(err)
			}
			ok := race(t, 100, tc.wantLimitOf, func(i int) error {
				return tr.env.Store.RegisterResource(tr.ctx, &dynamo.Resource{OrgID: o.ID, Type: "device", ID: fmt.Sprintf("d%d", i),
					Name: "d", OwnerID: "dev", Counted: []string{"dev"}, CreatedAt: now, UpdatedAt: now}, gatehouse.Actor{UserID: "dev"})
			})
			if ok != 5 {
				t.Errorf("%d registrations succeeded, want exactly 5", ok)
			}
			if got := tr.org(t, o.ID).Usage.Resources["device"]; got != 5 {
				t.Errorf("resCount_device = %d, want 5", got)
			}
		})
	}
}
