package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/sweep"
)

// testClock is a clock tests move forward.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// seats is an org (owner "owner") with a maxMembers quota and a manager
// "mgr" with a userLimit, on a store whose clock the test moves.
type seats struct {
	env   *dynamotest.Env
	st    *dynamo.Store
	clock *testClock
	ctx   context.Context
	orgID string
}

// newSeats makes the org with maxMembers (owner and manager included) and
// the manager's userLimit.
func newSeats(t *testing.T, maxMembers, userLimit int) *seats {
	t.Helper()
	env := dynamotest.New(t)
	clk := &testClock{t: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	f := &seats{env: env, st: env.Store.WithClock(clk.now), clock: clk, ctx: context.Background()}
	now := f.st.Now()
	u := newUser("owner", "owner@example.com", now)
	o := dynamo.NewPersonalOrg(u, now)
	o.Personal = false
	if err := f.st.CreateAccount(f.ctx, u, o, gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	f.orgID = o.ID
	mgr := &gatehouse.Membership{OrgID: o.ID, UserID: "mgr", Roles: []string{"manager"}, Status: gatehouse.StatusActive,
		UserLimit: userLimit, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateMember(f.ctx, dynamo.NewMember{Member: mgr, Org: f.org(t)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SetOrgQuotas(f.ctx, o.ID, dynamo.QuotaChanges{MaxMembers: &maxMembers}, gatehouse.Actor{UserID: "admin"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *seats) org(t *testing.T) *gatehouse.Org {
	t.Helper()
	o, err := f.st.Org(f.ctx, f.orgID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// invite creates an invite for email by managedBy ("" for an admin's),
// valid for a day.
func (f *seats) invite(t *testing.T, email, managedBy string) (*dynamo.Invite, error) {
	t.Helper()
	now := f.st.Now()
	inviter := cmpOr(managedBy, "owner")
	inv := &dynamo.Invite{ID: ids.New("inv"), OrgID: f.orgID, Email: email, Roles: []string{"viewer"},
		InvitedBy: inviter, ManagedBy: managedBy, Status: gatehouse.StatusPending, ExpiresAt: now.Add(24 * time.Hour),
		TokenHash: ids.Hash(ids.Secret("ghi")), CreatedAt: now, UpdatedAt: now}
	err := f.st.CreateInvite(f.ctx, dynamo.NewInvite{Invite: inv, Org: f.org(t),
		Audit: f.st.NewAudit(gatehouse.Actor{UserID: inviter}, f.orgID, "invite.create", email, nil, nil)})
	return inv, err
}

func (f *seats) mustInvite(t *testing.T, email, managedBy string) *dynamo.Invite {
	t.Helper()
	inv, err := f.invite(t, email, managedBy)
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	return inv
}

func (f *seats) reread(t *testing.T, inv *dynamo.Invite) *dynamo.Invite {
	t.Helper()
	got, err := f.st.Invite(f.ctx, inv.OrgID, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (f *seats) accept(t *testing.T, inv *dynamo.Invite, userID string) error {
	t.Helper()
	inv = f.reread(t, inv)
	now := f.st.Now()
	m := &gatehouse.Membership{OrgID: inv.OrgID, UserID: userID, Roles: inv.Roles, Status: gatehouse.StatusActive,
		ManagedBy: inv.ManagedBy, ResourceLimit: -1, InvitedBy: inv.InvitedBy, CreatedAt: now, UpdatedAt: now}
	return f.st.AcceptInvite(f.ctx, dynamo.Acceptance{Invite: inv, Member: m, Org: f.org(t),
		Audit: f.st.NewAudit(gatehouse.Actor{UserID: userID}, inv.OrgID, "invite.accept", userID, nil, nil)})
}

func (f *seats) revoke(t *testing.T, inv *dynamo.Invite) error {
	t.Helper()
	return f.st.RevokeInvite(f.ctx, f.reread(t, inv), f.st.NewAudit(gatehouse.Actor{UserID: "owner"}, f.orgID, "invite.revoke", inv.Email, nil, nil))
}

func (f *seats) resend(t *testing.T, inv *dynamo.Invite) error {
	t.Helper()
	before := f.reread(t, inv)
	after := *before
	now := f.st.Now()
	after.Status, after.ExpiresAt, after.TokenHash, after.UpdatedAt = gatehouse.StatusPending, now.Add(24*time.Hour), ids.Hash(ids.Secret("ghi")), now
	return f.st.ResendInvite(f.ctx, before, &after, f.st.NewAudit(gatehouse.Actor{UserID: "owner"}, f.orgID, "invite.resend", inv.Email, nil, nil))
}

func (f *seats) sweep(t *testing.T) sweep.Result {
	t.Helper()
	res, err := sweep.New(f.st, newFakeAccounts(), nil, sweep.Options{}).Run(f.ctx)
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	return res
}

// usage is what the seat counters say: the org's members and pending
// invites, and the manager's managed members and pending invites.
type usage struct{ members, pending, managed, mgrPending int }

func (f *seats) usage(t *testing.T) usage {
	t.Helper()
	o := f.org(t)
	m, err := f.st.Membership(f.ctx, f.orgID, "mgr")
	if err != nil {
		t.Fatal(err)
	}
	return usage{o.Usage.Members, o.Usage.PendingInvites, m.ManagedCount, m.PendingInvites}
}

func (f *seats) wantUsage(t *testing.T, step string, want usage) {
	t.Helper()
	if got := f.usage(t); got != want {
		t.Errorf("%s: usage %+v, want %+v", step, got, want)
	}
}

func wantLimit(t *testing.T, step string, err error, limit string) {
	t.Helper()
	var ge *gatehouse.Error
	if !asGatehouse(err, &ge) || ge.Code != gatehouse.CodeLimitExceeded || ge.Limit != limit {
		t.Errorf("%s: err = %v, want limit_exceeded %s", step, err, limit)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// DESIGN.md section 4: 100 concurrent invites against a remaining quota of
// 5 create exactly 5, because a pending invite holds a seat.
func TestConcurrentInvitesAgainstQuotas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		maxMembers int
		userLimit  int
		managedBy  string
		limit      string
		want       usage
	}{
		// owner + mgr + 5 free seats.
		{"org maxMembers", 7, -1, "", "maxMembers", usage{members: 2, pending: 5}},
		{"manager userLimit", -1, 5, "mgr", "userLimit", usage{members: 2, pending: 5, mgrPending: 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newSeats(t, tc.maxMembers, tc.userLimit)
			ok := race(t, 100, tc.limit, func(i int) error {
				_, err := f.invite(t, fmt.Sprintf("racer%d@example.com", i), tc.managedBy)
				return err
			})
			if ok != 5 {
				t.Errorf("%d invites created, want exactly 5 (and 95 limit_exceeded %s)", ok, tc.limit)
			}
			f.wantUsage(t, "after the race", tc.want)
			audit, err := f.st.AuditActionsForTest(f.ctx, f.orgID)
			if err != nil || audit["invite.create"] != 5 {
				t.Errorf("invite.create audit events = %d (%v), want 5", audit["invite.create"], err)
			}
		})
	}
}

// Every path that ends a pending invite moves its seat exactly once.
func TestInviteSeatLifecycle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// managedBy is the inviter: "" (an admin) or "mgr".
		managedBy string
		run       func(t *testing.T, f *seats, managedBy string)
	}{
		{"revoke frees the seat", "", func(t *testing.T, f *seats, by string) {
			a := f.mustInvite(t, "a@example.com", by)
			_, err := f.invite(t, "b@example.com", by)
			wantLimit(t, "second invite into a full org", err, "maxMembers")
			if err := f.revoke(t, a); err != nil {
				t.Fatal(err)
			}
			f.wantUsage(t, "after revoke", usage{members: 2})
			f.mustInvite(t, "b@example.com", by)
			f.wantUsage(t, "after the second invite", usage{members: 2, pending: 1})
		}},
		{"revoke frees the manager's slot", "mgr", func(t *testing.T, f *seats, by string) {
			a := f.mustInvite(t, "a@example.com", by)
			f.wantUsage(t, "invited", usage{members: 2, pending: 1, mgrPending: 1})
			if err := f.revoke(t, a); err != nil {
				t.Fatal(err)
			}
			f.wantUsage(t, "after revoke", usage{members: 2})
		}},
		{"accept turns the seat into a member, without counting twice", "mgr", func(t *testing.T, f *seats, by string) {
			a := f.mustInvite(t, "a@example.com", by)
			if err := f.accept(t, a, "user-a"); err != nil {
				t.Fatalf("accept into an org whose last seat the invite holds: %v", err)
			}
			f.wantUsage(t, "after accept", usage{members: 3, managed: 1})
			_, err := f.invite(t, "b@example.com", "")
			wantLimit(t, "invite into the full org", err, "maxMembers")
		}},
		{"expiry by the sweep frees the seat once", "mgr", func(t *testing.T, f *seats, by string) {
			a := f.mustInvite(t, "a@example.com", by)
			f.clock.advance(25 * time.Hour)
			if res := f.sweep(t); res.Expired != 1 {
				t.Errorf("first sweep expired %d, want 1", res.Expired)
			}
			f.wantUsage(t, "after the sweep", usage{members: 2})
			if res := f.sweep(t); res.Expired != 0 {
				t.Errorf("second sweep expired %d, want 0", res.Expired)
			}
			f.wantUsage(t, "after a second sweep", usage{members: 2})
			if got := f.reread(t, a).Status; got != gatehouse.StatusExpired {
				t.Errorf("invite status %s, want expired", got)
			}
			// A revoke of the swept invite gives nothing back again.
			if err := f.revoke(t, a); err != nil {
				t.Fatal(err)
			}
			f.wantUsage(t, "after revoking the swept invite", usage{members: 2})
			f.mustInvite(t, "b@example.com", by)
		}},
		{"the same due entry expired twice moves the counters once", "mgr", func(t *testing.T, f *seats, by string) {
			f.mustInvite(t, "a@example.com", by)
			f.clock.advance(25 * time.Hour)
			page, err := f.st.DueExpiries(f.ctx, f.st.Now().Add(-time.Hour), f.st.Now(), 10, nil)
			if err != nil || len(page.Entries) != 1 {
				t.Fatalf("due entries: %v, %v; want the invite", page, err)
			}
			e := page.Entries[0]
			if changed, err := f.st.ExpireEntry(f.ctx, e); !changed || err != nil {
				t.Fatalf("first expiry: %v, %v", changed, err)
			}
			if changed, err := f.st.ExpireEntry(f.ctx, e); changed || !errors.Is(err, dynamo.ErrExpiryChanged) {
				t.Errorf("second expiry of the same entry: %v, %v; want ErrExpiryChanged", changed, err)
			}
			f.wantUsage(t, "after both", usage{members: 2})
		}},
		{"replacing an expired, unswept invite reuses its seat", "", func(t *testing.T, f *seats, by string) {
			old := f.mustInvite(t, "a@example.com", by)
			f.clock.advance(25 * time.Hour)
			f.mustInvite(t, "A@example.com", by) // the org is full: only the old seat makes room
			f.wantUsage(t, "after the replacement", usage{members: 2, pending: 1})
			if got := f.reread(t, old).Status; got != gatehouse.StatusExpired {
				t.Errorf("replaced invite status %s, want expired", got)
			}
			if res := f.sweep(t); res.Expired != 0 {
				t.Errorf("sweep expired %d, want 0 (the replaced invite is expired already)", res.Expired)
			}
			f.wantUsage(t, "after the sweep", usage{members: 2, pending: 1})
		}},
		{"a manager replacing an admin's expired invite takes a slot", "mgr", func(t *testing.T, f *seats, by string) {
			f.mustInvite(t, "a@example.com", "")
			f.clock.advance(25 * time.Hour)
			f.mustInvite(t, "a@example.com", by)
			f.wantUsage(t, "after the replacement", usage{members: 2, pending: 1, mgrPending: 1})
			f.sweep(t)
			f.wantUsage(t, "after the sweep", usage{members: 2, pending: 1, mgrPending: 1})
		}},
		{"a pending unexpired invite blocks a new one and keeps its seat", "", func(t *testing.T, f *seats, by string) {
			f.mustInvite(t, "a@example.com", by)
			if _, err := f.invite(t, "a@example.com", by); gatehouse.ErrorCode(err) != gatehouse.CodeConflict {
				t.Errorf("second invite for the same email: %v, want conflict", err)
			}
			f.wantUsage(t, "after the refusal", usage{members: 2, pending: 1})
		}},
		{"resend keeps a pending invite's seat and takes one back for a swept invite", "mgr", func(t *testing.T, f *seats, by string) {
			a := f.mustInvite(t, "a@example.com", by)
			if err := f.resend(t, a); err != nil {
				t.Fatalf("resend pending: %v", err)
			}
			f.wantUsage(t, "after resending a pending invite", usage{members: 2, pending: 1, mgrPending: 1})
			f.clock.advance(25 * time.Hour)
			f.sweep(t)
			f.wantUsage(t, "after the sweep", usage{members: 2})
			b := f.mustInvite(t, "b@example.com", "")
			wantLimit(t, "resend of the swept invite into a full org", f.resend(t, a), "maxMembers")
			if err := f.revoke(t, b); err != nil {
				t.Fatal(err)
			}
			if err := f.resend(t, a); err != nil {
				t.Fatalf("resend of the swept invite: %v", err)
			}
			f.wantUsage(t, "after resending the swept invite", usage{members: 2, pending: 1, mgrPending: 1})
		}},
		{"removing the manager leaves its invite acceptable and releasable", "mgr", func(t *testing.T, f *seats, by string) {
			a := f.mustInvite(t, "a@example.com", by)
			m, err := f.st.Membership(f.ctx, f.orgID, "mgr")
			if err != nil {
				t.Fatal(err)
			}
			if err := f.st.RemoveMember(f.ctx, dynamo.MemberRemoval{Member: m, Org: f.org(t)}); err != nil {
				t.Fatal(err)
			}
			if err := f.revoke(t, a); err != nil {
				t.Fatalf("revoke of a removed manager's invite: %v", err)
			}
			if o := f.org(t); o.Usage.Members != 1 || o.Usage.PendingInvites != 0 {
				t.Errorf("usage %+v, want 1 member and no pending invite", o.Usage)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// owner + mgr + 1 free seat; the manager may manage 1.
			f := newSeats(t, 3, 1)
			tc.run(t, f, tc.managedBy)
		})
	}
}

// Invites stored before invites held seats (no seatHeld) hold none: their
// acceptance takes a seat under maxMembers, their revoke or expiry gives
// nothing back.
func TestLegacyInvitesHoldNoSeat(t *testing.T) {
	t.Parallel()
	f := newSeats(t, 3, -1)
	legacy := func(email string) *dynamo.Invite {
		t.Helper()
		now := f.st.Now()
		inv := &dynamo.Invite{ID: ids.New("inv"), OrgID: f.orgID, Email: email, Roles: []string{"viewer"}, InvitedBy: "owner",
			Status: gatehouse.StatusPending, ExpiresAt: now.Add(time.Hour), TokenHash: ids.Hash(ids.Secret("ghi")), CreatedAt: now, UpdatedAt: now}
		if err := f.st.PutLegacyInviteForTest(f.ctx, inv); err != nil {
			t.Fatal(err)
		}
		return inv
	}
	a, b, c := legacy("a@example.com"), legacy("b@example.com"), legacy("c@example.com")
	f.wantUsage(t, "legacy invites stored", usage{members: 2})
	if err := f.revoke(t, a); err != nil {
		t.Fatal(err)
	}
	f.wantUsage(t, "after revoking one", usage{members: 2})
	if err := f.accept(t, b, "user-b"); err != nil {
		t.Fatalf("accept with a free seat: %v", err)
	}
	f.wantUsage(t, "after accepting one", usage{members: 3})
	wantLimit(t, "accept into the full org", f.accept(t, c, "user-c"), "maxMembers")
	f.clock.advance(2 * time.Hour)
	f.sweep(t)
	f.wantUsage(t, "after the sweep", usage{members: 3})
}

// HasPendingInvite finds an email's pending invites in any org through the
// inverse index; accepted, revoked, expired (swept or not) ones are not.
func TestHasPendingInvite(t *testing.T) {
	t.Parallel()
	f := newSeats(t, -1, -1)
	has := func(email string) bool {
		t.Helper()
		ok, err := f.st.HasPendingInvite(f.ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	pending := f.mustInvite(t, "Pending@Example.com", "")
	revoked := f.mustInvite(t, "revoked@example.com", "")
	accepted := f.mustInvite(t, "accepted@example.com", "")
	expiring := f.mustInvite(t, "expiring@example.com", "")
	if err := f.revoke(t, revoked); err != nil {
		t.Fatal(err)
	}
	if err := f.accept(t, accepted, "user-acc"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		email string
		want  bool
	}{
		{"pending@example.com", true},
		{" PENDING@example.COM ", true},
		{"revoked@example.com", false},
		{"accepted@example.com", false},
		{"expiring@example.com", true},
		{"never@example.com", false},
	}
	for _, tc := range tests {
		if got := has(tc.email); got != tc.want {
			t.Errorf("HasPendingInvite(%q) = %v, want %v", tc.email, got, tc.want)
		}
	}
	f.clock.advance(25 * time.Hour)
	if has("expiring@example.com") {
		t.Error("an invite past its expiry, not yet swept, counts as pending")
	}
	f.sweep(t)
	if n, err := f.st.InverseEntriesForTest(f.ctx, "INVITED#expiring@example.com"); err != nil || n != 0 {
		t.Errorf("swept invite's inverse entries = %d (%v), want 0", n, err)
	}
	if n, err := f.st.InverseEntriesForTest(f.ctx, "INVITED#revoked@example.com"); err != nil || n != 0 {
		t.Errorf("revoked invite's inverse entries = %d (%v), want 0", n, err)
	}
	_ = pending
	_ = expiring
}
