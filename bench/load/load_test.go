// Package load is a bounded load test of the whole local stack (the API
// Gateway emulator, the real authorizer and functions, minidyn,
// cognito-local), started in-process on loopback: a fixed number of mixed
// reads and writes from a fixed number of workers, then it stops. It
// reports latency percentiles against a baseline measured in the same run
// (the public GET /v1/openapi.json: the gateway and a function, no
// authorizer, no DynamoDB) and fails on any 5xx.
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/gatehouse-dev/gatehouse/localstack"
)

// Shape of a run: Requests in all, from Workers workers, each its own
// signed-in member of one org.
const (
	Requests = 2000
	Workers  = 8
	password = "load-test-pass-42"
)

type client struct {
	api    string
	http   *http.Client
	bearer string
	// owner is the org's owner, for what only owners and admins may do.
	owner *client
}

// do sends one request and returns its status and body.
func (c *client) do(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.api+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// must sends a set-up request and fails unless it answers want.
func (c *client) must(b *testing.B, want int, method, path string, body, out any) {
	b.Helper()
	st, raw, err := c.do(method, path, body)
	if err != nil || st != want {
		b.Fatalf("%s %s: %d %v %s", method, path, st, err, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			b.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

func signIn(b *testing.B, st *localstack.Stack, email, pw string) string {
	b.Helper()
	out, err := st.Cognito().InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserPasswordAuth,
		ClientId:       aws.String(st.Info.ClientID),
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": pw},
	})
	if err != nil || out.AuthenticationResult == nil {
		b.Fatalf("sign in %s: %v", email, err)
	}
	return aws.ToString(out.AuthenticationResult.AccessToken)
}

// sample is one request's outcome.
type sample struct {
	op      string
	status  int
	latency time.Duration
	err     error
}

// op is one kind of request of the mix; weight is its share in 100.
type op struct {
	name   string
	weight int
	run    func(c *client, org string, w, i int) (int, error)
}

func get(path string) func(*client, string, int, int) (int, error) {
	return func(c *client, org string, _, _ int) (int, error) {
		st, _, err := c.do(http.MethodGet, fmt.Sprintf(path, org), nil)
		return st, err
	}
}

// theMix is the request mix: two thirds reads, one third writes. Writes
// that create something (a resource, a token) delete it again in the same
// step, so the org stays the same size; they count as two requests.
var theMix = []op{
	{"GET /v1/me", 25, get("/v1/me%.0s")},
	{"GET /v1/orgs/{orgId}", 15, get("/v1/orgs/%s")},
	{"GET /v1/orgs/{orgId}/members", 15, get("/v1/orgs/%s/members")},
	{"GET /v1/orgs/{orgId}/resources", 10, get("/v1/orgs/%s/resources")},
	{"PATCH /v1/me", 10, func(c *client, _ string, w, i int) (int, error) {
		st, _, err := c.do(http.MethodPatch, "/v1/me", map[string]any{"name": fmt.Sprintf("Worker %d (%d)", w, i)})
		return st, err
	}},
	{"POST+DELETE resource", 15, func(c *client, org string, w, i int) (int, error) {
		id := fmt.Sprintf("w%d-%d", w, i)
		st, _, err := c.do(http.MethodPost, "/v1/orgs/"+org+"/resources", map[string]any{"type": "device", "id": id})
		if err != nil || st >= 300 {
			return st, err
		}
		// Only owners and admins unlink a resource from its owner (rule
		// 10): the org's owner deletes it.
		st, _, err = c.owner.do(http.MethodDelete, "/v1/orgs/"+org+"/resources/device/"+id, nil)
		return st, err
	}},
	{"POST+DELETE token", 10, func(c *client, org string, w, i int) (int, error) {
		st, raw, err := c.do(http.MethodPost, "/v1/orgs/"+org+"/tokens", map[string]any{"name": fmt.Sprintf("w%d-%d", w, i)})
		if err != nil || st >= 300 {
			return st, err
		}
		var tok struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &tok); err != nil {
			return st, err
		}
		st, _, err = c.do(http.MethodDelete, "/v1/orgs/"+org+"/tokens/"+tok.ID, nil)
		return st, err
	}},
}

// schedule is the sequence of ops of one worker: the mix's weights laid
// out deterministically, rotated per worker.
func schedule(w, n int) []op {
	var deck []op
	for _, o := range theMix {
		for range o.weight {
			deck = append(deck, o)
		}
	}
	out := make([]op, n)
	for i := range n {
		out[i] = deck[(i*37+w*11)%len(deck)]
	}
	return out
}

// run sends the workers' schedules (or the baseline request) and returns
// every sample.
func run(clients []*client, org string, baseline bool) []sample {
	perWorker := Requests / len(clients)
	var mu sync.Mutex
	var all []sample
	var wg sync.WaitGroup
	for w, c := range clients {
		wg.Go(func() {
			var mine []sample
			for i, o := range schedule(w, perWorker) {
				if baseline {
					o = op{name: "GET /v1/openapi.json", run: func(c *client, _ string, _, _ int) (int, error) {
						st, _, err := (&client{api: c.api, http: c.http}).do(http.MethodGet, "/v1/openapi.json", nil)
						return st, err
					}}
				}
				t0 := time.Now()
				st, err := o.run(c, org, w, i)
				mine = append(mine, sample{op: o.name, status: st, latency: time.Since(t0), err: err})
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all
}

func percentile(ls []time.Duration, p float64) time.Duration {
	s := slices.Clone(ls)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func latencies(ss []sample) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = s.latency
	}
	return out
}

// BenchmarkLoadMixed is the load test. Use -benchtime 1x: one run is the
// fixed number of requests.
func BenchmarkLoadMixed(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := localstack.Start(ctx, localstack.Options{
		DataDir:       b.TempDir(),
		APIAddr:       "127.0.0.1:0",
		SweepInterval: -1,
		Console:       io.Discard,
		FunctionLog:   io.Discard,
	})
	if err != nil {
		b.Fatalf("start the local stack: %v", err)
	}
	b.Cleanup(st.Close)

	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * Workers}}
	admin := &client{api: st.Info.APIURL, http: hc, bearer: signIn(b, st, st.Info.AdminEmail, st.Info.AdminPassword)}
	var org struct {
		ID string `json:"id"`
	}
	admin.must(b, http.StatusCreated, http.MethodPost, "/v1/orgs", map[string]any{"name": "load"}, &org)
	var role struct {
		ID string `json:"id"`
	}
	admin.must(b, http.StatusCreated, http.MethodPost, "/v1/orgs/"+org.ID+"/roles",
		map[string]any{"name": "Token user", "permissions": []string{"tokens:manage"}}, &role)
	var clients []*client
	for w := range Workers {
		email := fmt.Sprintf("worker%d@load.gatehouse.test", w)
		var res struct {
			Member struct {
				UserID string `json:"userId"`
			} `json:"member"`
		}
		admin.must(b, http.StatusCreated, http.MethodPost, "/v1/orgs/"+org.ID+"/members", map[string]any{
			"email": email, "name": "Worker", "roles": []string{"developer", role.ID}, "password": password, "emailVerified": true,
		}, &res)
		admin.must(b, http.StatusOK, http.MethodPut, "/v1/orgs/"+org.ID+"/members/"+res.Member.UserID+"/limits",
			map[string]any{"userLimit": 0, "resourceLimit": -1}, nil)
		clients = append(clients, &client{api: st.Info.APIURL, http: hc, bearer: signIn(b, st, email, password), owner: admin})
	}
	// One short warm-up of both so that neither pays first-use costs.
	for _, c := range clients {
		c.must(b, http.StatusOK, http.MethodGet, "/v1/me", nil, nil)
		c.must(b, http.StatusOK, http.MethodGet, "/v1/openapi.json", nil, nil)
	}

	var mixed, base []sample
	var mixedTime time.Duration
	for b.Loop() {
		base = run(clients, org.ID, true)
		t0 := time.Now()
		mixed = run(clients, org.ID, false)
		mixedTime = time.Since(t0)
	}

	var fivexx, errs atomic.Int64
	byOp := map[string][]time.Duration{}
	for _, s := range mixed {
		switch {
		case s.err != nil:
			errs.Add(1)
			b.Errorf("%s: %v", s.op, s.err)
		case s.status >= 500:
			fivexx.Add(1)
		case s.status >= 300:
			errs.Add(1)
			b.Errorf("%s: status %d", s.op, s.status)
		}
		byOp[s.op] = append(byOp[s.op], s.latency)
	}
	for _, s := range base {
		if s.err != nil || s.status != http.StatusOK {
			b.Errorf("baseline: %d %v", s.status, s.err)
		}
	}
	ml, bl := latencies(mixed), latencies(base)
	b.ReportMetric(float64(percentile(ml, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(ml, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(percentile(bl, 0.50).Microseconds())/1000, "base-p50-ms")
	b.ReportMetric(float64(percentile(bl, 0.99).Microseconds())/1000, "base-p99-ms")
	b.ReportMetric(float64(percentile(ml, 0.50))/float64(percentile(bl, 0.50)), "p50-x-base")
	b.ReportMetric(float64(len(mixed))/mixedTime.Seconds(), "req/s")
	b.ReportMetric(float64(fivexx.Load()), "5xx")
	b.ReportMetric(float64(errs.Load()), "errors")
	for _, o := range theMix {
		if ls := byOp[o.name]; len(ls) > 0 {
			b.Logf("%-32s n=%4d p50 %6.2f ms p99 %6.2f ms", o.name, len(ls),
				float64(percentile(ls, 0.5).Microseconds())/1000, float64(percentile(ls, 0.99).Microseconds())/1000)
		}
	}
	if fivexx.Load() > 0 {
		b.Fatalf("%d responses were 5xx", fivexx.Load())
	}
}
