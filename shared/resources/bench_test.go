package resources_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	smithymw "github.com/aws/smithy-go/middleware"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/resources"
)

// The check API and listing budgets (docs/performance.md), measured
// against minidyn by make bench: a batch of 100 checks against one check
// in the same loop, and the items DynamoDB reads for each page of "what
// may this member see" in orgs of 1,000 and 100,000 resources.

// itemsRead counts the items DynamoDB returns to a client: Query items
// (this path sets no filter expression, so DynamoDB's ScannedCount equals
// its Count; minidyn's ScannedCount counts its own walk of the table and is
// not used), GetItem and BatchGetItem items.
type itemsRead struct{ n atomic.Int64 }

func (c *itemsRead) middleware(stack *smithymw.Stack) error {
	return stack.Initialize.Add(smithymw.InitializeMiddlewareFunc("benchItemsRead",
		func(ctx context.Context, in smithymw.InitializeInput, next smithymw.InitializeHandler) (smithymw.InitializeOutput, smithymw.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			n := 0
			switch o := out.Result.(type) {
			case *dynamodb.QueryOutput:
				n = len(o.Items)
			case *dynamodb.GetItemOutput:
				if o.Item != nil {
					n = 1
				}
			case *dynamodb.BatchGetItemOutput:
				for _, items := range o.Responses {
					n += len(items)
				}
			}
			c.n.Add(int64(n))
			return out, md, err
		}), smithymw.After)
}

// benchOrg is a table with one org, its owner, and a store whose client
// counts calls and items read.
type benchOrg struct {
	ctx     context.Context
	env     *dynamotest.Env
	store   *dynamo.Store
	svc     *resources.Service
	reads   *itemsRead
	counter *dynamotest.CallCounter
	orgID   string
}

func newBenchOrg(b *testing.B) *benchOrg {
	b.Helper()
	env := dynamotest.New(b)
	o := &benchOrg{ctx: context.Background(), env: env, reads: &itemsRead{}, counter: dynamotest.NewCallCounter()}
	client := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(env.URL),
		Credentials:                     credentials.NewStaticCredentialsProvider("local", "local", ""),
		DisableValidateResponseChecksum: true,
		APIOptions:                      []func(*smithymw.Stack) error{o.counter.Middleware, o.reads.middleware},
	})
	o.store = dynamotest.NewStore(client)
	o.svc = resources.NewService(o.store, authz.NewCatalogue(authz.DefaultResourceTypes))
	now := o.store.Now()
	u := &gatehouse.User{ID: "owner", Email: "owner@example.com", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	org := dynamo.NewPersonalOrg(u, now)
	if err := o.store.CreateAccount(o.ctx, u, org, gatehouse.Actor{UserID: u.ID}); err != nil {
		b.Fatal(err)
	}
	o.orgID = org.ID
	return o
}

func (o *benchOrg) member(b *testing.B, id string, roles []string, groups []string) {
	b.Helper()
	m := &gatehouse.Membership{OrgID: o.orgID, UserID: id, Roles: roles, Groups: groups, Status: gatehouse.StatusActive, ResourceLimit: -1, UserLimit: -1}
	if err := o.env.PutMembership(o.ctx, m); err != nil {
		b.Fatal(err)
	}
}

func (o *benchOrg) caller(id string) *gatehouse.Caller {
	return &gatehouse.Caller{Actor: gatehouse.Actor{UserID: id}, OrgID: o.orgID}
}

// resourceID is the i-th resource: every tenth a dashboard, else a device;
// ids sort in i's order within a type.
func resourceRef(i int) gatehouse.Ref {
	if i%10 == 9 {
		return gatehouse.Ref{Type: "dashboard", ID: fmt.Sprintf("r-%07d", i)}
	}
	return gatehouse.Ref{Type: "device", ID: fmt.Sprintf("r-%07d", i)}
}

// seed writes n resources owned by the owner, with the grants given by
// resource index.
func (o *benchOrg) seed(b *testing.B, n int, grants map[int][]authz.Grant) {
	b.Helper()
	now := o.store.Now()
	rs := make([]*gatehouse.Resource, n)
	for i := range rs {
		ref := resourceRef(i)
		rs[i] = &gatehouse.Resource{OrgID: o.orgID, Type: ref.Type, ID: ref.ID, Name: "resource " + ref.ID, OwnerID: "owner",
			Grants: grants[i], Counted: []string{"owner"}, CreatedBy: "owner", CreatedAt: now, UpdatedAt: now, Version: 1}
	}
	if err := o.env.SeedResources(o.ctx, rs, 4); err != nil {
		b.Fatal(err)
	}
}

func (o *benchOrg) reset() {
	o.counter.Reset()
	o.reads.n.Store(0)
}

// BenchmarkCheckBatch alternates one check and a batch of 100 checks (the
// caller's own, on 100 resources) in the same loop and reports the time
// ratio and the DynamoDB calls of a batch.
func BenchmarkCheckBatch(b *testing.B) {
	o := newBenchOrg(b)
	o.member(b, "dev", []string{authz.RoleDeveloper}, nil)
	grants := map[int][]authz.Grant{}
	for i := range 100 {
		grants[i] = []authz.Grant{{Principal: authz.Principal("user", "dev"), Allow: []string{"read", "update"}}}
		if i%3 == 0 {
			grants[i][0].Deny = []string{"update"}
		}
	}
	o.seed(b, 200, grants)
	one := resources.CheckInput{Check: resources.Check{Action: "read", Resource: &resources.ResourceRef{Type: "device", ID: resourceRef(0).ID}}}
	var batch resources.CheckInput
	for i := range 100 {
		ref := resourceRef(i)
		batch.Checks = append(batch.Checks, resources.Check{Action: "update", Resource: &resources.ResourceRef{Type: ref.Type, ID: ref.ID}})
	}
	check := func(in resources.CheckInput, want int) {
		out, err := o.svc.Authorize(o.ctx, o.caller("dev"), o.orgID, in)
		if err != nil {
			b.Fatal(err)
		}
		if want == 0 && (out.Decision == nil || !out.Decision.Allowed) {
			b.Fatalf("single check %+v, want allowed", out)
		}
		if want > 0 {
			allowed := 0
			for _, d := range out.Results {
				if d.Allowed {
					allowed++
				}
			}
			if len(out.Results) != 100 || allowed != want {
				b.Fatalf("batch: %d results, %d allowed; want 100 and %d", len(out.Results), allowed, want)
			}
		}
	}
	check(one, 0)
	o.reset()
	check(batch, 66)
	// Reported after the loop: b.Loop's first call resets the metrics.
	calls, total, items := o.counter.Counts(), o.counter.Total(), o.reads.n.Load()
	// Each iteration times one check then one batch; the ratio reported is
	// the median of the iterations' ratios, so a burst of load from the
	// machine's other work skews one pair, not the figure. The CPU time of
	// the process (client, minidyn and their HTTP) is reported beside it:
	// it is what the machine's noise cannot inflate.
	var singles, batches, ratios []float64
	var singleCPU, batchCPU time.Duration
	for b.Loop() {
		c0, t0 := cpuTime(), time.Now()
		check(one, 0)
		c1, t1 := cpuTime(), time.Now()
		check(batch, 66)
		c2, t2 := cpuTime(), time.Now()
		singles = append(singles, float64(t1.Sub(t0)))
		batches = append(batches, float64(t2.Sub(t1)))
		ratios = append(ratios, float64(t2.Sub(t1))/float64(t1.Sub(t0)))
		singleCPU += c1 - c0
		batchCPU += c2 - c1
	}
	b.ReportMetric(medianOf(singles), "single-ns")
	b.ReportMetric(medianOf(batches), "batch-ns")
	b.ReportMetric(medianOf(ratios), "x-single")
	b.ReportMetric(float64(batchCPU)/float64(max(singleCPU, 1)), "x-single-cpu")
	b.ReportMetric(float64(total), "calls/batch")
	b.ReportMetric(float64(calls["BatchGetItem"]), "batchget/batch")
	b.ReportMetric(float64(items), "items/batch")
}

// BenchmarkListScale lists, page by page, what three members may see:
// a viewer with 10 grants, a viewer under defaultResourceAccess all with a
// few denies, and a viewer in 5 groups whose grants fill several pages. It
// reports the most items DynamoDB read for one page of 50 (snapshot
// included) and the items shown per page, in an org of each size of
// GATEHOUSE_LIST_BENCH_SIZES (default 1,000 and 100,000).
func BenchmarkListScale(b *testing.B) {
	const limit = 50
	for _, size := range listSizes() {
		b.Run(fmt.Sprintf("resources=%d", size), func(b *testing.B) {
			o := newBenchOrg(b)
			groups := []string{"g1", "g2", "g3", "g4", "g5"}
			o.member(b, "granted", []string{authz.RoleViewer}, nil)
			o.member(b, "grouped", []string{authz.RoleViewer}, groups)
			o.member(b, "denied", []string{authz.RoleViewer}, nil)
			grants := map[int][]authz.Grant{}
			step := size / 200
			for k := range 10 { // 10 grants, spread over the org
				i := (k*size)/10 + 7
				grants[i] = append(grants[i], authz.Grant{Principal: authz.Principal("user", "granted"), Allow: []string{"read"}})
			}
			for k := range 200 { // 40 resources per group, some shared by two groups
				i := k*step + 3
				g := groups[k%5]
				grants[i] = append(grants[i], authz.Grant{Principal: authz.Principal("group", g), Allow: []string{"read"}})
				if k%7 == 0 {
					grants[i] = append(grants[i], authz.Grant{Principal: authz.Principal("group", groups[(k+1)%5]), Allow: []string{"read"}})
				}
			}
			for _, i := range []int{2, 11, 24, 38, 45, 71} { // denies among the first pages
				grants[i] = append(grants[i], authz.Grant{Principal: authz.Principal("user", "denied"), Deny: []string{"read"}})
			}
			t0 := time.Now()
			o.seed(b, size, grants)
			b.Logf("seeded %d resources in %v", size, time.Since(t0).Round(time.Millisecond))
			b.ReportMetric(time.Since(t0).Seconds(), "seed-s")

			scenarios := []struct {
				name, user string
				all        bool
				pages      int
			}{
				{"grants10", "granted", false, 1},
				{"groups5", "grouped", false, 3},
				{"defaultAll", "denied", true, 3},
			}
			for _, sc := range scenarios {
				if sc.all {
					all := gatehouse.ResourceAccessAll
					if _, err := o.store.UpdateOrg(o.ctx, o.orgID, dynamo.OrgChanges{DefaultResourceAccess: &all}, gatehouse.Actor{UserID: "owner"}); err != nil {
						b.Fatal(err)
					}
				}
				worst, shown, pages := 0, 0, 0
				cursor := ""
				for range b.N {
					cursor = ""
					worst, shown, pages = 0, 0, 0
					for pages < sc.pages {
						o.reset()
						items, next, err := o.svc.List(o.ctx, o.caller(sc.user), o.orgID, "", limit, cursor)
						if err != nil {
							b.Fatal(err)
						}
						if c := o.counter.Counts(); c["Scan"] != 0 {
							b.Fatalf("listing scanned: %v", c)
						}
						worst = max(worst, int(o.reads.n.Load()))
						shown += len(items)
						pages++
						if next == "" {
							break
						}
						cursor = next
					}
				}
				b.ReportMetric(float64(worst), sc.name+"-read/page")
				b.ReportMetric(float64(shown)/float64(pages), sc.name+"-shown/page")
			}
		})
	}
}

func listSizes() []int {
	spec := os.Getenv("GATEHOUSE_LIST_BENCH_SIZES")
	if spec == "" {
		return []int{1000, 100000}
	}
	var out []int
	for _, f := range strings.Split(spec, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n >= 1000 {
			out = append(out, n)
		}
	}
	return out
}

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func medianOf(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
