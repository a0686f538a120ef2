package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// transferOrg sets up an org on st: "from" (managed by "mgrA") owns seven
// devices counted against both; "other" owns one; "to" is managed by
// "mgrB", with resource limits 1 and 2; "gone" is disabled.
func transferOrg(t *testing.T, st *dynamo.Store) (orgID string) {
	t.Helper()
	ctx := context.Background()
	now := st.Now()
	u := newUser("boss", "boss@example.com", now)
	org := dynamo.NewPersonalOrg(u, now)
	if err := st.CreateAccount(ctx, u, org, gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	for _, m := range []gatehouse.Membership{
		{UserID: "mgrA", Roles: []string{authz.RoleManager}, ResourceLimit: -1, UserLimit: 5},
		{UserID: "from", ManagedBy: "mgrA", ResourceLimit: -1},
		{UserID: "other", ResourceLimit: -1},
		{UserID: "mgrB", Roles: []string{authz.RoleManager}, ResourceLimit: 2, UserLimit: 5},
		{UserID: "to", ManagedBy: "mgrB", ResourceLimit: 1},
		{UserID: "gone", Status: gatehouse.StatusDisabled, ResourceLimit: -1},
	} {
		m.OrgID = org.ID
		if m.Status == "" {
			m.Status = gatehouse.StatusActive
		}
		if m.Roles == nil {
			m.Roles = []string{authz.RoleDeveloper}
		}
		if err := st.BulkPutMembershipsForTest(ctx, []*gatehouse.Membership{&m}); err != nil {
			t.Fatal(err)
		}
	}
	reg := func(id, owner string, counted ...string) {
		t.Helper()
		r := &dynamo.Resource{OrgID: org.ID, Type: "device", ID: id, Name: id, OwnerID: owner, Counted: append([]string{owner}, counted...), CreatedAt: now}
		if err := st.RegisterResource(ctx, r, gatehouse.Actor{UserID: owner}); err != nil {
			t.Fatalf("register %s: %v", id, err)
		}
	}
	for i := range 6 {
		reg(fmt.Sprintf("d%d", i), "from", "mgrA")
	}
	// A dashboard too: the transfer covers every type.
	r := &dynamo.Resource{OrgID: org.ID, Type: "dashboard", ID: "dash", Name: "dash", OwnerID: "from", Counted: []string{"from", "mgrA"}, CreatedAt: now}
	if err := st.RegisterResource(ctx, r, gatehouse.Actor{UserID: "from"}); err != nil {
		t.Fatal(err)
	}
	reg("o1", "other")
	return org.ID
}

// checkTransferred checks the end state of a complete transfer.
func checkTransferred(t *testing.T, st *dynamo.Store, orgID string) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct {
		user string
		want int
	}{{"from", 0}, {"mgrA", 0}, {"to", 7}, {"mgrB", 7}, {"other", 1}} {
		m, err := st.Membership(ctx, orgID, c.user)
		if err != nil {
			t.Fatal(err)
		}
		if m.ResourceCount != c.want {
			t.Errorf("resourceCount of %s = %d, want %d", c.user, m.ResourceCount, c.want)
		}
	}
	owned := func(user string) []string {
		t.Helper()
		p, err := st.OwnedResourcesAfter(ctx, orgID, user, "", "", 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range p.Resources {
			ids = append(ids, r.ID)
			if r.OwnerID != user || !slices.Equal(r.Counted, []string{"to", "mgrB"}) && user == "to" {
				t.Errorf("%s: owner %s counted %v", r.ID, r.OwnerID, r.Counted)
			}
		}
		return ids
	}
	if got := owned("from"); len(got) != 0 {
		t.Errorf("still owned by from: %v", got)
	}
	if got := owned("to"); len(got) != 7 {
		t.Errorf("owned by to: %v, want 7", got)
	}
	if got := owned("other"); !slices.Equal(got, []string{"o1"}) {
		t.Errorf("owned by other: %v, want [o1]", got)
	}
	audit, err := st.AuditActionsForTest(ctx, orgID)
	if err != nil || audit["resource.transfer"] != 7 {
		t.Errorf("resource.transfer audit events = %d (%v), want 7: one per resource, none doubled", audit["resource.transfer"], err)
	}
}

func TestTransferOwnedResources(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := f.env.Store
	org := transferOrg(t, st)
	actor := gatehouse.Actor{UserID: "platform-admin"}

	for _, tc := range []struct {
		name     string
		from, to string
		code     gatehouse.Code
	}{
		{"to is not a member", "from", "stranger", gatehouse.CodeConflict},
		{"to is disabled", "from", "gone", gatehouse.CodeConflict},
		{"to is from", "from", "from", gatehouse.CodeValidation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.env.Counter.Reset()
			n, err := st.TransferOwnedResources(f.ctx, org, tc.from, tc.to, actor)
			if n != 0 || gatehouse.ErrorCode(err) != tc.code {
				t.Errorf("transfer = %d, %v; want 0, %s", n, err, tc.code)
			}
			if w := f.env.Counter.Counts()["TransactWriteItems"]; w != 0 {
				t.Errorf("refused transfer wrote %d transactions", w)
			}
		})
	}

	f.env.Counter.Reset()
	n, err := st.TransferOwnedResources(f.ctx, org, "from", "to", actor)
	if err != nil || n != 7 {
		t.Fatalf("transfer = %d, %v; want 7", n, err)
	}
	if w := f.env.Counter.Counts()["TransactWriteItems"]; w != 2 {
		t.Errorf("TransactWriteItems = %d, want 2 (batches of %d)", w, dynamo.TransferBatch)
	}
	checkTransferred(t, st, org)

	// Over the limit (chosen: an admin transfer may exceed it): what "to"
	// owns stays, new registrations are refused.
	r := &dynamo.Resource{OrgID: org, Type: "device", ID: "new", OwnerID: "to", Counted: []string{"to", "mgrB"}, CreatedAt: st.Now()}
	err = st.RegisterResource(f.ctx, r, gatehouse.Actor{UserID: "to"})
	if e, ok := errors.AsType[*gatehouse.Error](err); !ok || e.Code != gatehouse.CodeLimitExceeded || e.Limit != "resourceLimit" {
		t.Errorf("register over the limit after a transfer: %v, want limit_exceeded resourceLimit", err)
	}

	// A rerun is a no-op.
	f.env.Counter.Reset()
	if n, err := st.TransferOwnedResources(f.ctx, org, "from", "to", actor); err != nil || n != 0 {
		t.Errorf("rerun = %d, %v; want 0, nil", n, err)
	}
	if w := f.env.Counter.Counts()["TransactWriteItems"]; w != 0 {
		t.Errorf("rerun wrote %d transactions", w)
	}
	checkTransferred(t, st, org)

	// Unregistering a moved resource gives back to the new counters.
	d, err := st.Resource(f.ctx, org, dynamo.Ref{Type: "device", ID: "d0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UnregisterResource(f.ctx, d, actor); err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]int{"to": 6, "mgrB": 6, "mgrA": 0} {
		if m, _ := st.Membership(f.ctx, org, user); m.ResourceCount != want {
			t.Errorf("after unregister: resourceCount of %s = %d, want %d", user, m.ResourceCount, want)
		}
	}
}

// TestTransferOwnedResourcesResumes: a transfer that dies after its first
// batch (the write refused, or applied with its answer lost) is finished by
// a rerun, with exact counters and one audit event per resource.
func TestTransferOwnedResourcesResumes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		applyFirst bool
	}{
		{"refused before applying", false},
		{"applied but the answer lost", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, ks := killableStore(t, tc.applyFirst)
			org := transferOrg(t, st)
			ctx := context.Background()
			actor := gatehouse.Actor{UserID: "platform-admin"}
			ks.after.Store(1)
			ks.armed.Store(true)
			n, err := st.TransferOwnedResources(ctx, org, "from", "to", actor)
			if err == nil || n != dynamo.TransferBatch {
				t.Fatalf("killed transfer = %d, %v; want %d moved and an error", n, err, dynamo.TransferBatch)
			}
			ks.armed.Store(false)
			n, err = st.TransferOwnedResources(ctx, org, "from", "to", actor)
			want := 7 - dynamo.TransferBatch
			if tc.applyFirst {
				want = 0 // the lost batch was applied
			}
			if err != nil || n != want {
				t.Fatalf("rerun = %d, %v; want %d", n, err, want)
			}
			checkTransferred(t, st, org)
		})
	}
}
