package dynamo_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
)

// A sub-org created under a parent with a limited quota starts with what
// the parent has left (parent quota − parent usage), never unlimited.
func TestSubOrgStartsWithinParentQuotas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setup prepares P (1 owner; a developer "dev" when registering)
		// and returns the parent as the caller read it.
		setup        func(t *testing.T, tr *limTree) *gatehouse.Org
		ask          gatehouse.Quotas
		wantMembers  int
		wantRes      map[string]int // absent types: no quota on the child
		wantNotTypes []string
	}{
		{"unlimited parent: unlimited child", func(t *testing.T, tr *limTree) *gatehouse.Org {
			return tr.org(t, tr.p.ID)
		}, gatehouse.Quotas{MaxMembers: -1}, -1, nil, []string{"device"}},
		{"members: parent quota minus its members", func(t *testing.T, tr *limTree) *gatehouse.Org {
			tr.addMembers(t, tr.p.ID, 3)
			mustSet(t, tr, ptr(10), nil)
			return tr.org(t, tr.p.ID)
		}, gatehouse.Quotas{MaxMembers: -1}, 6, nil, nil},
		{"members: the parent's pending invites count", func(t *testing.T, tr *limTree) *gatehouse.Org {
			mustSet(t, tr, ptr(10), nil)
			for i := range 2 {
				inviteInto(t, tr, tr.p.ID, fmt.Sprintf("inv%d@example.com", i))
			}
			return tr.org(t, tr.p.ID)
		}, gatehouse.Quotas{MaxMembers: -1}, 7, nil, nil},
		{"members: a parent over its quota leaves 0, stored as 0", func(t *testing.T, tr *limTree) *gatehouse.Org {
			tr.addMembers(t, tr.p.ID, 3)
			mustSet(t, tr, ptr(2), nil)
			return tr.org(t, tr.p.ID)
		}, gatehouse.Quotas{MaxMembers: -1}, 0, nil, nil},
		{"a lower quota asked for is kept", func(t *testing.T, tr *limTree) *gatehouse.Org {
			mustSet(t, tr, ptr(10), map[string]int{"device": 5})
			return tr.org(t, tr.p.ID)
		}, gatehouse.Quotas{MaxMembers: 2, MaxResources: map[string]int{"device": 1}}, 2, map[string]int{"device": 1}, nil},
		{"resources: limited types bounded, unlimited ones left alone", func(t *testing.T, tr *limTree) *gatehouse.Org {
			mustSet(t, tr, nil, map[string]int{"device": 5, "dashboard": -1})
			registerDevices(t, tr, 2)
			return tr.org(t, tr.p.ID)
		}, gatehouse.Quotas{MaxMembers: -1}, -1, map[string]int{"device": 3}, []string{"dashboard"}},
		{"a stale parent read: usage grew meanwhile", func(t *testing.T, tr *limTree) *gatehouse.Org {
			mustSet(t, tr, ptr(10), map[string]int{"device": 5})
			stale := tr.org(t, tr.p.ID)
			tr.addMembers(t, tr.p.ID, 3) // 1 dev + 3
			registerDevices(t, tr, 2)
			return stale
		}, gatehouse.Quotas{MaxMembers: -1}, 5, map[string]int{"device": 3}, nil},
		{"a stale parent read: quota lowered meanwhile", func(t *testing.T, tr *limTree) *gatehouse.Org {
			mustSet(t, tr, ptr(10), nil)
			stale := tr.org(t, tr.p.ID)
			mustSet(t, tr, ptr(4), nil)
			return stale
		}, gatehouse.Quotas{MaxMembers: -1}, 3, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newLimTree(t)
			parent := tc.setup(t, tr)
			now := tr.env.Store.Now()
			child := &gatehouse.Org{ID: "org_new", Name: "new", ParentID: parent.ID,
				Ancestors: append(append([]string{}, parent.Ancestors...), parent.ID), Quotas: tc.ask, CreatedAt: now, UpdatedAt: now}
			if err := tr.env.Store.CreateSubOrg(tr.ctx, parent, child, dynamo.OwnerMembership(child.ID, "p-owner", -1, now),
				gatehouse.Actor{UserID: "p-owner"}); err != nil {
				t.Fatalf("CreateSubOrg: %v", err)
			}
			got := tr.org(t, child.ID)
			if got.Quotas.MaxMembers != tc.wantMembers {
				t.Errorf("child maxMembers = %d, want %d", got.Quotas.MaxMembers, tc.wantMembers)
			}
			for typ, n := range tc.wantRes {
				if q, ok := got.Quotas.MaxResources[typ]; !ok || q != n {
					t.Errorf("child maxResources[%s] = %d (set %v), want %d", typ, q, ok, n)
				}
			}
			for _, typ := range tc.wantNotTypes {
				if q, ok := got.Quotas.MaxResources[typ]; ok && q != -1 {
					t.Errorf("child maxResources[%s] = %d, want unlimited", typ, q)
				}
			}
			if p := tr.org(t, tr.p.ID); p.Usage.SubOrgCount != 2 { // C and the new one
				t.Errorf("parent subOrgCount = %d, want 2", p.Usage.SubOrgCount)
			}
		})
	}
}

func mustSet(t *testing.T, tr *limTree, members *int, res map[string]int) {
	t.Helper()
	if _, err := tr.set(tr.p.ID, members, res); err != nil {
		t.Fatalf("set P's quotas: %v", err)
	}
}

// registerDevices registers n devices in P, owned by a developer "dev"
// (created on first use).
func registerDevices(t *testing.T, tr *limTree, n int) {
	t.Helper()
	now := tr.env.Store.Now()
	if _, err := tr.env.Store.Membership(tr.ctx, tr.p.ID, "dev"); gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		dev := &gatehouse.Membership{OrgID: tr.p.ID, UserID: "dev", Roles: []string{"developer"}, Status: gatehouse.StatusActive,
			ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
		if err := tr.env.Store.CreateMember(tr.ctx, dynamo.NewMember{Member: dev, Org: tr.org(t, tr.p.ID)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if err := tr.env.Store.RegisterResource(tr.ctx, &dynamo.Resource{OrgID: tr.p.ID, Type: "device", ID: fmt.Sprintf("d%d", i),
			Name: "d", OwnerID: "dev", Counted: []string{"dev"}, CreatedAt: now, UpdatedAt: now}, gatehouse.Actor{UserID: "dev"}); err != nil {
			t.Fatal(err)
		}
	}
}

// inviteInto creates a pending invite (it holds a seat) in an org.
func inviteInto(t *testing.T, tr *limTree, orgID, email string) {
	t.Helper()
	now := tr.env.Store.Now()
	inv := &dynamo.Invite{ID: ids.New("inv"), OrgID: orgID, Email: email, Roles: []string{"viewer"}, InvitedBy: "p-owner",
		Status: gatehouse.StatusPending, ExpiresAt: now.Add(24 * time.Hour), TokenHash: ids.Hash(ids.Secret("ghi")), CreatedAt: now, UpdatedAt: now}
	if err := tr.env.Store.CreateInvite(tr.ctx, dynamo.NewInvite{Invite: inv, Org: tr.org(t, orgID),
		Audit: tr.env.Store.NewAudit(gatehouse.Actor{UserID: "p-owner"}, orgID, "invite.create", email, nil, nil)}); err != nil {
		t.Fatal(err)
	}
}
