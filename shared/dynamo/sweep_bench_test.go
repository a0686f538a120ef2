package dynamo_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	smithymw "github.com/aws/smithy-go/middleware"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/sweep"
)

// The sweep budget (DESIGN.md section 9): items read per run within 10% of
// the items expired, whatever the number of users. BenchmarkSweepScale
// seeds a table with 10,000 then 100,000 members, 1,000 of them expired
// in both, runs the sweep once and reports the items DynamoDB read per
// item due; make bench prints the 100k figure against the 10k one (the
// baseline: same work, a tenth of the table). Run it with -benchtime 1x:
// seeding 100,000 items takes a while, and only the first run has work.
//
// The run's writes are left out (dryStore): minidyn copies the whole table
// for every TransactWriteItems, so 1,000 transactions on 100,000 items
// would take the better part of an hour, and writes read nothing.
// BenchmarkSweepAtScale checks real runs, writes included, at 10,000
// members.

// itemsRead counts the items DynamoDB read for a client's calls: Query and
// Scan report ScannedCount (minidyn may leave it zero: then the items
// returned), GetItem and the batch and transactional reads the items
// returned.
type itemsRead struct{ n atomic.Int64 }

func (c *itemsRead) middleware(stack *smithymw.Stack) error {
	return stack.Initialize.Add(smithymw.InitializeMiddlewareFunc("benchItemsRead",
		func(ctx context.Context, in smithymw.InitializeInput, next smithymw.InitializeHandler) (smithymw.InitializeOutput, smithymw.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			n := 0
			switch o := out.Result.(type) {
			case *dynamodb.QueryOutput:
				n = max(int(o.ScannedCount), len(o.Items))
			case *dynamodb.ScanOutput:
				n = max(int(o.ScannedCount), len(o.Items))
			case *dynamodb.GetItemOutput:
				if o.Item != nil {
					n = 1
				}
			case *dynamodb.BatchGetItemOutput:
				for _, items := range o.Responses {
					n += len(items)
				}
			case *dynamodb.TransactGetItemsOutput:
				for _, r := range o.Responses {
					if r.Item != nil {
						n++
					}
				}
			}
			c.n.Add(int64(n))
			return out, md, err
		}), smithymw.After)
}

// dryStore is the store with ExpireEntry counted instead of applied: the
// entry stays in the index, and the run reads exactly what it would read.
type dryStore struct{ *dynamo.Store }

func (dryStore) ExpireEntry(context.Context, dynamo.ExpiryEntry) (bool, error) { return true, nil }

// scalePopulation is n members of org_big: the first `expired` past their
// expiry (spread over the 2.5 hours before now), every third of the others
// with an expiry to come (from a second ahead, so some share the current
// hour's bucket with due entries, to ~28 hours ahead), the rest none.
func scalePopulation(n, expired int) []*gatehouse.Membership {
	ms := make([]*gatehouse.Membership, 0, n)
	for i := range n {
		m := &gatehouse.Membership{
			OrgID: "org_big", UserID: fmt.Sprintf("u%06d", i), Roles: []string{"viewer"},
			Status: gatehouse.StatusActive, CreatedAt: sweepNow.Add(-48 * time.Hour), UpdatedAt: sweepNow.Add(-48 * time.Hour),
		}
		switch {
		case i < expired:
			at := sweepNow.Add(-time.Duration(1+i*9_000/expired) * time.Second)
			m.ExpiresAt = &at
		case i%3 == 0:
			at := sweepNow.Add(time.Duration(1+(i%10_000)*10) * time.Second)
			m.ExpiresAt = &at
		}
		ms = append(ms, m)
	}
	return ms
}

// seedParallel writes ms with BatchWriteItem from a few goroutines.
func seedParallel(b *testing.B, st *dynamo.Store, ms []*gatehouse.Membership) {
	b.Helper()
	const workers = 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	chunk := (len(ms) + workers - 1) / workers
	for w := range workers {
		part := ms[min(w*chunk, len(ms)):min((w+1)*chunk, len(ms))]
		wg.Go(func() {
			if err := st.BulkPutMembershipsForTest(context.Background(), part); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("seed: %v", err)
	}
}

func BenchmarkSweepScale(b *testing.B) {
	const expired = 1000
	for _, members := range benchSizes() {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			env := dynamotest.New(b)
			reads := &itemsRead{}
			client := dynamodb.New(dynamodb.Options{
				Region:                          "us-east-1",
				BaseEndpoint:                    aws.String(env.URL),
				Credentials:                     credentials.NewStaticCredentialsProvider("local", "local", ""),
				DisableValidateResponseChecksum: true,
				APIOptions:                      []func(*smithymw.Stack) error{env.Counter.Middleware, reads.middleware},
			})
			st := dynamotest.NewStore(client).WithClock(func() time.Time { return sweepNow })
			t0 := time.Now()
			seedParallel(b, st, scalePopulation(members, expired))
			b.Logf("seeded %d members in %v", members, time.Since(t0).Round(time.Millisecond))
			b.ReportMetric(time.Since(t0).Seconds(), "seed-s")

			w := sweep.New(dryStore{st}, newFakeAccounts(), nil, sweep.Options{MaxItems: 10 * expired, Lookback: 6 * time.Hour, Overlap: 3 * time.Hour})
			env.Counter.Reset()
			reads.n.Store(0)
			var first sweep.Result
			for i := 0; i < b.N; i++ {
				res, err := w.Run(context.Background())
				if err != nil {
					b.Fatalf("Run: %v", err)
				}
				if i == 0 {
					first = res
				}
			}
			if first.Expired != expired || first.More {
				b.Fatalf("first run %+v, want %d expired in one run", first, expired)
			}
			calls := env.Counter.Counts()
			if calls["Scan"] != 0 || calls["TransactWriteItems"] != 0 {
				b.Fatalf("calls %v: no Scan, and no writes in a dry run", calls)
			}
			b.ReportMetric(float64(reads.n.Load())/float64(first.Expired), "read/expired")
			b.ReportMetric(float64(first.Read), "index-entries")
			b.ReportMetric(float64(first.Expired), "expired")
			b.ReportMetric(float64(calls["Query"]), "queries")
		})
	}
}

// BenchmarkSweepAtScale runs the checks of the sweep tests, which make
// test runs on testMembers, on a table of benchMembers: a real run, writes
// included, reads what expired and not the table; a run killed halfway is
// finished by a rerun, exactly once. Run it with -benchtime 1x (make bench
// does): each run fills a table.
func BenchmarkSweepAtScale(b *testing.B) {
	b.Run("reads only what expired", func(b *testing.B) {
		for range b.N {
			res := checkSweepReadsOnlyWhatExpired(b, benchMembers)
			b.ReportMetric(float64(res.Read)/float64(max(res.Expired, 1)), "read/expired")
		}
	})
	for _, tc := range killCases {
		b.Run("killed halfway/"+tc.name, func(b *testing.B) {
			for range b.N {
				checkSweepKilledHalfwayThenRerun(b, tc.applyFirst, benchMembers)
			}
		})
	}
}

// benchSizes are the table sizes of BenchmarkSweepScale:
// GATEHOUSE_SWEEP_BENCH_SIZES (comma-separated) or 10,000 and 100,000.
func benchSizes() []int {
	v := os.Getenv("GATEHOUSE_SWEEP_BENCH_SIZES")
	if v == "" {
		return []int{10_000, 100_000}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			out = append(out, n)
		}
	}
	return out
}
