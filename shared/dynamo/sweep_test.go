package dynamo_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/sweep"
	"github.com/truora/minidyn/server"
)

// sweepNow is the fixed clock of the sweep tests: half past noon.
var sweepNow = time.Date(2030, 1, 1, 12, 30, 0, 0, time.UTC)

// fakeAccounts records what the sweep asks of Cognito.
type fakeAccounts struct {
	mu       sync.Mutex
	disabled map[string]int
	enabled  map[string]int
	fail     map[string]error
}

func newFakeAccounts() *fakeAccounts {
	return &fakeAccounts{disabled: map[string]int{}, enabled: map[string]int{}, fail: map[string]error{}}
}

func (f *fakeAccounts) DisableUser(_ context.Context, u string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail[u]; err != nil {
		return err
	}
	f.disabled[u]++
	return nil
}

func (f *fakeAccounts) EnableUser(_ context.Context, u string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.enabled[u]++
	return nil
}

func (f *fakeAccounts) GlobalSignOut(context.Context, string) error { return nil }

// population is the scale test's table: n members of one org, the first
// `expired` of them past their expiry (spread over the three hours before
// now), a third of the rest with an expiry still to come (some of them
// later in the current hour, so they share a bucket with due entries), the
// others without expiry.
func population(n, expired int) (ms []*gatehouse.Membership, due map[string]bool) {
	due = map[string]bool{}
	for i := range n {
		m := &gatehouse.Membership{
			OrgID: "org_big", UserID: fmt.Sprintf("u%05d", i), Roles: []string{"viewer"},
			Status: gatehouse.StatusActive, CreatedAt: sweepNow.Add(-48 * time.Hour), UpdatedAt: sweepNow.Add(-48 * time.Hour),
		}
		switch {
		case i < expired:
			at := sweepNow.Add(-time.Duration(1+i*9_000/expired) * time.Second) // 1 s .. 2.5 h ago
			m.ExpiresAt = &at
			due[m.UserID] = true
		case i%3 == 0:
			at := sweepNow.Add(time.Duration(1+i*10) * time.Second) // from 1 s ahead to ~28 h ahead
			m.ExpiresAt = &at
		}
		ms = append(ms, m)
	}
	return ms, due
}

func fill(t testing.TB, st *dynamo.Store, ms []*gatehouse.Membership) {
	t.Helper()
	if err := st.BulkPutMembershipsForTest(context.Background(), ms); err != nil {
		t.Fatalf("bulk put: %v", err)
	}
}

// expiredMembers lists the expired members of org_big.
func expiredMembers(t testing.TB, st *dynamo.Store) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	cursor := ""
	for {
		page, next, err := st.MembersPage(context.Background(), "org_big", 100, cursor)
		if err != nil {
			t.Fatalf("MembersPage: %v", err)
		}
		for _, m := range page {
			if m.Status == gatehouse.StatusExpired {
				out[m.UserID] = true
			}
		}
		if next == "" {
			return out
		}
		cursor = next
	}
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// testMembers is the table size of the sweep tests in make test: ten
// times the members that expire, enough to show that a run reads what
// expired and not the table. BenchmarkSweepAtScale (make bench) runs the
// same checks at benchMembers.
const (
	testMembers  = 1_000
	benchMembers = 10_000
)

func TestSweepReadsOnlyWhatExpired(t *testing.T) {
	t.Parallel()
	checkSweepReadsOnlyWhatExpired(t, testMembers)
}

// checkSweepReadsOnlyWhatExpired fills a table of n members, 100 of them
// expired, and checks that a run expires exactly those, reading within
// 10% of them with one query per bucket, and that a second run does
// nothing. It returns the first run.
func checkSweepReadsOnlyWhatExpired(t testing.TB, n int) sweep.Result {
	env := dynamotest.New(t)
	st := env.Store.WithClock(func() time.Time { return sweepNow })
	ctx := context.Background()
	ms, due := population(n, 100)
	fill(t, st, ms)

	w := sweep.New(st, newFakeAccounts(), nil, sweep.Options{Lookback: 6 * time.Hour, Overlap: 3 * time.Hour})
	env.Counter.Reset()
	res, err := w.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Expired != 100 || res.More {
		t.Errorf("first run: expired %d, more %v; want 100, false", res.Expired, res.More)
	}
	if res.Read < 100 || res.Read > 110 {
		t.Errorf("first run read %d items; want within 10%% of 100", res.Read)
	}
	calls := env.Counter.Counts()
	if calls["Scan"] != 0 {
		t.Errorf("Scan calls = %d, want 0", calls["Scan"])
	}
	// One per bucket, and one for the tombstones of deleted orgs
	// (DrainOrgPurges, docs/membership.md "Deleting an org").
	if calls["Query"] != res.Buckets+1 {
		t.Errorf("Query calls = %d, want one per bucket (%d) and one for deleted orgs", calls["Query"], res.Buckets)
	}
	if calls["TransactWriteItems"] != 100 {
		t.Errorf("TransactWriteItems = %d, want 100 (one per expired item, with its audit event)", calls["TransactWriteItems"])
	}
	t.Logf("first run: %+v, calls %v", res, calls)
	first := res

	if got := expiredMembers(t, st); !sameSet(got, due) {
		t.Errorf("expired members = %d, want exactly the %d due ones", len(got), len(due))
	}
	audit, err := st.AuditActionsForTest(ctx, "org_big")
	if err != nil || audit["member.expire"] != 100 {
		t.Errorf("member.expire audit events = %d (%v), want 100", audit["member.expire"], err)
	}

	env.Counter.Reset()
	res, err = w.Run(ctx)
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if res.Expired != 0 || res.Read != 0 {
		t.Errorf("second run: %+v; want nothing read or expired", res)
	}
	if n := env.Counter.Counts()["TransactWriteItems"]; n != 0 {
		t.Errorf("second run wrote %d transactions, want 0", n)
	}
	// The cursor moved to the current hour: the next run reads the
	// overlap window and the current bucket only.
	if res.Buckets != 4 {
		t.Errorf("second run queried %d buckets, want 4 (3h overlap + current)", res.Buckets)
	}
	return first
}

// killSwitch fails DynamoDB calls of one operation once armed: either
// before the call reaches the table, or after it was applied (the
// response is lost).
type killSwitch struct {
	next        http.Handler
	op          string
	armed       atomic.Bool
	after       atomic.Int64 // calls of op to let through once armed
	applyFirst  bool
	killedCalls atomic.Int64
}

func (k *killSwitch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+k.op) && k.armed.Load() {
		if k.after.Add(-1) < 0 {
			k.killedCalls.Add(1)
			if k.applyFirst {
				k.next.ServeHTTP(httptest.NewRecorder(), r)
			}
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"killed by test"}`))
			return
		}
	}
	k.next.ServeHTTP(w, r)
}

func killableStore(t testing.TB, applyFirst bool) (*dynamo.Store, *killSwitch) {
	t.Helper()
	ks := &killSwitch{next: server.NewServer(), op: "TransactWriteItems", applyFirst: applyFirst}
	hs := httptest.NewServer(ks)
	t.Cleanup(hs.Close)
	st := dynamotest.NewStore(dynamotest.NewClient(hs.URL, nil)).WithClock(func() time.Time { return sweepNow })
	if err := st.EnsureTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st, ks
}

// killCases are the two ways a write dies.
var killCases = []struct {
	name       string
	applyFirst bool
}{
	{"refused before applying", false},
	{"applied but the answer lost", true},
}

func TestSweepKilledHalfwayThenRerun(t *testing.T) {
	t.Parallel()
	for _, tc := range killCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkSweepKilledHalfwayThenRerun(t, tc.applyFirst, testMembers)
		})
	}
}

// checkSweepKilledHalfwayThenRerun fills a table of n members, 100 of them
// expired, kills a run after 50 writes and checks that a rerun finishes
// the work exactly once.
func checkSweepKilledHalfwayThenRerun(t testing.TB, applyFirst bool, n int) {
	ctx := context.Background()
	st, ks := killableStore(t, applyFirst)
	ms, due := population(n, 100)
	fill(t, st, ms)
	w := sweep.New(st, newFakeAccounts(), nil, sweep.Options{Lookback: 6 * time.Hour, Overlap: 3 * time.Hour})

	ks.after.Store(50)
	ks.armed.Store(true)
	res, err := w.Run(ctx)
	if err == nil {
		t.Fatalf("killed run succeeded: %+v", res)
	}
	if res.Expired != 50 {
		t.Errorf("killed run expired %d before dying, want 50", res.Expired)
	}
	ks.armed.Store(false)

	res, err = w.Run(ctx)
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if got := expiredMembers(t, st); !sameSet(got, due) {
		t.Errorf("after rerun %d members expired, want exactly the %d due ones", len(got), len(due))
	}
	audit, err := st.AuditActionsForTest(ctx, "org_big")
	if err != nil || audit["member.expire"] != 100 {
		t.Errorf("member.expire audit events = %d (%v), want 100: one per change, none lost or doubled", audit["member.expire"], err)
	}
	if res.Read > 55 {
		t.Errorf("rerun read %d entries, want about the 50 left", res.Read)
	}
	res, err = w.Run(ctx)
	if err != nil || res.Expired != 0 || res.Read != 0 {
		t.Errorf("third run: %+v, %v; want a no-op", res, err)
	}
}

func TestSweepBoundedPerRun(t *testing.T) {
	t.Parallel()
	env := dynamotest.New(t)
	st := env.Store.WithClock(func() time.Time { return sweepNow })
	ctx := context.Background()
	ms, due := population(1_000, 100)
	fill(t, st, ms)
	w := sweep.New(st, newFakeAccounts(), nil, sweep.Options{MaxItems: 30, PageSize: 10})
	total := 0
	for run := 1; ; run++ {
		res, err := w.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Read > 30 {
			t.Errorf("run %d read %d entries, want at most 30", run, res.Read)
		}
		total += res.Expired
		t.Logf("run %d: %+v", run, res)
		if !res.More {
			break
		}
		if run > 10 {
			t.Fatal("the sweep does not finish")
		}
	}
	if total != 100 {
		t.Errorf("expired %d over all runs, want 100", total)
	}
	if got := expiredMembers(t, st); !sameSet(got, due) {
		t.Errorf("expired members = %d, want the %d due ones", len(got), len(due))
	}
}
