package dynamo_test

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/sweep"
)

// TestSweepPrunesExpiredGrants: a resource (or a type's grants) with two
// grants expiring at different times sits in the expiry index at the
// earliest one. The first sweep after it removes that grant only and
// re-indexes the item at the second; the sweep after the second removes it
// and the item leaves the index; a rerun is a no-op. Every run reads only
// the due index entries (no further item reads) and writes one transaction
// per pruned item, with its audit event.
func TestSweepPrunesExpiredGrants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		id     string // dynamo.TypeWide for the type's grants
		action string
	}{
		{"resource", "d1", "resource.grants_expire"},
		{"type grants", dynamo.TypeWide, "resource.type_grants_expire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := f.ctx
			start := f.env.Store.Now().Truncate(time.Hour).Add(time.Hour)
			var clock atomic.Int64
			clock.Store(start.UnixNano())
			st := f.env.Store.WithClock(func() time.Time { return time.Unix(0, clock.Load()) })
			f.addMember(t, gatehouse.Membership{UserID: "alice", ResourceLimit: -1})
			f.addMember(t, gatehouse.Membership{UserID: "bob", ResourceLimit: -1})
			if err := f.register("d1", "alice"); err != nil {
				t.Fatal(err)
			}
			first, second := start.Add(10*time.Minute), start.Add(2*time.Hour+10*time.Minute)
			grants := []authz.Grant{
				{Principal: "user:bob", Allow: []string{"read"}, ExpiresAt: &first},
				{Principal: "group:all", Allow: []string{"read"}, ExpiresAt: &second},
				{Principal: "user:alice", Deny: []string{"delete"}},
			}
			if tc.id == dynamo.TypeWide {
				if err := st.SetTypeGrants(ctx, f.org.ID, "device", grants, gatehouse.Actor{UserID: f.owner}); err != nil {
					t.Fatal(err)
				}
			} else {
				r, err := st.Resource(ctx, f.org.ID, dynamo.Ref{Type: "device", ID: "d1"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := st.SetResourceGrants(ctx, r, grants, gatehouse.Actor{UserID: f.owner}); err != nil {
					t.Fatal(err)
				}
			}
			principals := func() []string {
				t.Helper()
				var g []authz.Grant
				if tc.id == dynamo.TypeWide {
					var err error
					if g, err = st.TypeGrants(ctx, f.org.ID, "device"); err != nil {
						t.Fatal(err)
					}
				} else {
					r, err := st.Resource(ctx, f.org.ID, dynamo.Ref{Type: "device", ID: "d1"})
					if err != nil {
						t.Fatal(err)
					}
					g = r.Grants
				}
				var out []string
				for _, x := range g {
					out = append(out, x.Principal)
				}
				return out
			}
			indexed := func(at time.Time) int {
				t.Helper()
				n, err := st.ExpiryIndexSizeForTest(ctx, dynamo.ExpiryBucket(at))
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			granted := func(principal string) int {
				t.Helper()
				p, err := st.GrantedRefsAfter(ctx, f.org.ID, principal, "", "", 10)
				if err != nil {
					t.Fatal(err)
				}
				return len(p.Refs)
			}
			w := sweep.New(st, newFakeAccounts(), nil, sweep.Options{})

			for _, run := range []struct {
				name       string
				at         time.Time
				pruned     int
				principals []string
				inFirst    int // index entries in the first expiry's bucket
				inSecond   int
				audits     int
			}{
				{"before any expiry", start.Add(5 * time.Minute), 0, []string{"user:bob", "group:all", "user:alice"}, 1, 0, 0},
				{"after the first expiry", first.Add(time.Minute), 1, []string{"group:all", "user:alice"}, 0, 1, 1},
				{"rerun", first.Add(2 * time.Minute), 0, []string{"group:all", "user:alice"}, 0, 1, 1},
				{"after the second expiry", second.Add(time.Minute), 1, []string{"user:alice"}, 0, 0, 2},
				{"rerun at the end", second.Add(time.Hour), 0, []string{"user:alice"}, 0, 0, 2},
			} {
				clock.Store(run.at.UnixNano())
				f.env.Counter.Reset()
				res, err := w.Run(ctx)
				if err != nil {
					t.Fatalf("%s: Run: %v", run.name, err)
				}
				calls := f.env.Counter.Counts()
				if res.Expired != run.pruned || res.Read != run.pruned || res.Skipped != 0 {
					t.Errorf("%s: result %+v; want %d pruned, %d read, none skipped", run.name, res, run.pruned, run.pruned)
				}
				if calls["TransactWriteItems"] != run.pruned {
					t.Errorf("%s: TransactWriteItems = %d, want %d", run.name, calls["TransactWriteItems"], run.pruned)
				}
				// One GetItem is the sweep's cursor.
				if n := calls["GetItem"] - 1 + calls["BatchGetItem"] + calls["Scan"]; n != 0 {
					t.Errorf("%s: %d item reads beside the cursor and the index queries, want 0 (%v)", run.name, n, calls)
				}
				if got := principals(); !slices.Equal(got, run.principals) {
					t.Errorf("%s: grants = %v, want %v", run.name, got, run.principals)
				}
				if got := indexed(first); got != run.inFirst {
					t.Errorf("%s: entries in the first expiry's bucket = %d, want %d", run.name, got, run.inFirst)
				}
				if got := indexed(second); got != run.inSecond {
					t.Errorf("%s: entries in the second expiry's bucket = %d, want %d", run.name, got, run.inSecond)
				}
				audit, err := st.AuditActionsForTest(ctx, f.org.ID)
				if err != nil || audit[tc.action] != run.audits {
					t.Errorf("%s: %s audit events = %d (%v), want %d", run.name, tc.action, audit[tc.action], err, run.audits)
				}
			}
			if tc.id != dynamo.TypeWide {
				// The grantee index follows: bob's and the group's entries
				// went with their grants, alice's deny stays.
				if b, g, a := granted("user:bob"), granted("group:all"), granted("user:alice"); b != 0 || g != 0 || a != 1 {
					t.Errorf("grantee entries bob %d, group:all %d, alice %d; want 0, 0, 1", b, g, a)
				}
			}
		})
	}
}

// TestPruneExpiredGrantsGuards: pruning is a no-op on a missing resource or
// when nothing expired, and a prune from a stale read (the resource changed
// since) writes nothing.
func TestPruneExpiredGrantsGuards(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := f.env.Store
	f.addMember(t, gatehouse.Membership{UserID: "alice", ResourceLimit: -1})
	if err := f.register("d1", "alice"); err != nil {
		t.Fatal(err)
	}
	past := st.Now().Add(-time.Minute)
	later := st.Now().Add(time.Hour)
	actor := gatehouse.Actor{UserID: "sweeper"}
	for _, tc := range []struct {
		name   string
		grants []authz.Grant
		id     string
		writes int
		left   int
	}{
		{"no such resource", nil, "nope", 0, 0},
		{"nothing expired", []authz.Grant{{Principal: "user:alice", Allow: []string{"read"}, ExpiresAt: &later}}, "d1", 0, 1},
		{"one expired", []authz.Grant{{Principal: "group:all", Allow: []string{"read"}, ExpiresAt: &past}, {Principal: "user:alice", Allow: []string{"read"}, ExpiresAt: &later}}, "d1", 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.grants != nil {
				r, err := st.Resource(f.ctx, f.org.ID, dynamo.Ref{Type: "device", ID: tc.id})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := st.SetResourceGrants(f.ctx, r, tc.grants, actor); err != nil {
					t.Fatal(err)
				}
			}
			f.env.Counter.Reset()
			if err := st.PruneExpiredGrants(f.ctx, f.org.ID, "device", tc.id, actor); err != nil {
				t.Fatalf("PruneExpiredGrants: %v", err)
			}
			if got := f.env.Counter.Counts()["TransactWriteItems"]; got != tc.writes {
				t.Errorf("TransactWriteItems = %d, want %d", got, tc.writes)
			}
			if tc.id == "d1" {
				r, _ := st.Resource(f.ctx, f.org.ID, dynamo.Ref{Type: "device", ID: "d1"})
				if len(r.Grants) != tc.left {
					t.Errorf("grants left = %+v, want %d", r.Grants, tc.left)
				}
			}
		})
	}

	t.Run("stale entry", func(t *testing.T) {
		r, _ := st.Resource(f.ctx, f.org.ID, dynamo.Ref{Type: "device", ID: "d1"})
		if _, err := st.SetResourceGrants(f.ctx, r, []authz.Grant{{Principal: "group:all", Allow: []string{"read"}, ExpiresAt: &past}}, actor); err != nil {
			t.Fatal(err)
		}
		// The sweep reads the entry, then the grants change before it acts.
		page, err := st.DueExpiries(f.ctx, past, st.Now(), 10, nil)
		if err != nil || len(page.Entries) != 1 || page.Entries[0].Kind != dynamo.ExpiryKindResource || page.Entries[0].ID != "d1" || page.Entries[0].Type != "device" {
			t.Fatalf("due entries = %+v, %v; want the resource", page, err)
		}
		r, _ = st.Resource(f.ctx, f.org.ID, dynamo.Ref{Type: "device", ID: "d1"})
		if _, err := st.SetResourceGrants(f.ctx, r, []authz.Grant{{Principal: "user:alice", Allow: []string{"read"}}}, actor); err != nil {
			t.Fatal(err)
		}
		changed, err := st.ExpireEntry(f.ctx, page.Entries[0])
		if changed || !errors.Is(err, dynamo.ErrExpiryChanged) {
			t.Errorf("ExpireEntry on a stale entry = %v, %v; want false, ErrExpiryChanged", changed, err)
		}
		r, _ = st.Resource(f.ctx, f.org.ID, dynamo.Ref{Type: "device", ID: "d1"})
		if len(r.Grants) != 1 || r.Grants[0].Principal != "user:alice" {
			t.Errorf("grants after a stale prune = %+v, want the new ones untouched", r.Grants)
		}
	})
}
