package authorizer_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authorizer"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/jwtverify"
	"github.com/golang-jwt/jwt/v5"
)

// The authorizer budget (docs/performance.md) as ratios measured in one
// run: a whole decision with a warm JWKS and a warm membership cache against
// the practical floor, a bare RS256 verification of the same token with the
// same public key. make bench prints the ratios of the paired benchmarks
// (a token seen before, a token seen the first time) and the reads/op
// metrics.

// benchWorld is a pool key served as a JWKS, a table with an org and a
// developer member of it, and a signed access token of that member.
type benchWorld struct {
	*issuerKeys
	env   *dynamotest.Env
	orgID string
	devID string
	token string
	req   events.APIGatewayV2CustomAuthorizerV2Request
}

func newBenchWorld(b *testing.B) *benchWorld {
	b.Helper()
	w := &benchWorld{issuerKeys: newIssuer(b)}

	w.env = dynamotest.New(b)
	ctx := context.Background()
	now := w.env.Store.Now()
	owner := &gatehouse.User{ID: "u-owner", Email: "owner@example.com", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now}
	org := dynamo.NewPersonalOrg(owner, now)
	if err := w.env.Store.CreateAccount(ctx, owner, org, gatehouse.Actor{}); err != nil {
		b.Fatal(err)
	}
	w.orgID = org.ID
	dev := &gatehouse.User{ID: "u-developer", Email: "developer@example.com", Status: gatehouse.StatusActive, CreatedAt: now}
	if err := w.env.Store.CreateAccount(ctx, dev, nil, gatehouse.Actor{}); err != nil {
		b.Fatal(err)
	}
	m := &gatehouse.Membership{OrgID: org.ID, UserID: dev.ID, Roles: []string{authz.RoleDeveloper},
		Status: gatehouse.StatusActive, CreatedAt: now}
	if err := w.env.PutMembership(ctx, m); err != nil {
		b.Fatal(err)
	}

	w.devID = dev.ID
	w.token = w.issuerKeys.token(b, w.accessClaims(dev.ID), w.key)
	w.req = request("GET /v1/orgs/{orgId}/members", w.orgID, "Bearer "+w.token, nil)
	return w
}

func (w *benchWorld) authorizer(ttl time.Duration) *authorizer.Authorizer {
	return w.authorizerWith(ttl, jwtverify.DefaultCacheSize)
}

// authorizerWith has a verifier keeping at most tokens verified tokens.
func (w *benchWorld) authorizerWith(ttl time.Duration, tokens int) *authorizer.Authorizer {
	return authorizer.New(authorizer.Options{
		Verifier:  jwtverify.New(w.issuer(), clientID, w.issuer()+"/.well-known/jwks.json").WithCacheSize(tokens),
		Store:     w.env.Store,
		Catalogue: authz.NewCatalogue(authz.DefaultResourceTypes),
		CacheTTL:  ttl,
	})
}

// decide runs one request and fails the benchmark unless it is allowed.
func (w *benchWorld) decide(b *testing.B, a *authorizer.Authorizer) {
	w.decideReq(b, a, w.req)
}

func (w *benchWorld) decideReq(b *testing.B, a *authorizer.Authorizer, req events.APIGatewayV2CustomAuthorizerV2Request) {
	resp, err := a.Handle(context.Background(), req)
	if err != nil || !resp.IsAuthorized || resp.Context[apigw.CtxDecision] != apigw.DecisionAllow {
		b.Fatalf("authorized=%v context=%v err=%v, want allow", resp.IsAuthorized, resp.Context, err)
	}
}

// BenchmarkJWTVerifyBaseline is the floor: golang-jwt v5 parsing and
// verifying the same RS256 token with the same public key, no JWKS.
func BenchmarkJWTVerifyBaseline(b *testing.B) {
	w := newBenchWorld(b)
	pub := &w.key.PublicKey
	keyfunc := func(*jwt.Token) (any, error) { return pub, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jwt.Parse(w.token, keyfunc, jwt.WithValidMethods([]string{"RS256"})); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthorizerWarm is a whole decision (verify the token, find the
// route, load the membership, compile the effective permissions, check the
// route's permission, build the context) with the JWKS fetched and the
// membership cached: what a warm sandbox does for a repeat caller.
func BenchmarkAuthorizerWarm(b *testing.B) {
	w := newBenchWorld(b)
	a := w.authorizer(time.Minute)
	w.decide(b, a) // fetches the JWKS, fills the cache
	w.env.Counter.Reset()
	b.ReportAllocs()
	for b.Loop() {
		w.decide(b, a)
	}
	b.ReportMetric(float64(w.env.Counter.Total())/float64(b.N), "reads/op")
}

// BenchmarkAuthorizerNoCache is the same decision with the cache off (the
// default): every request reads the account, org and membership. Its time
// is dominated by the DynamoDB round trip to minidyn, so only its reads/op
// are a budget figure.
func BenchmarkAuthorizerNoCache(b *testing.B) {
	w := newBenchWorld(b)
	a := w.authorizer(0)
	w.decide(b, a)
	w.env.Counter.Reset()
	b.ReportAllocs()
	for b.Loop() {
		w.decide(b, a)
	}
	b.ReportMetric(float64(w.env.Counter.Total())/float64(b.N), "reads/op")
}

// BenchmarkAuthorizerPaired alternates the two within one loop, one bare
// verification then one warm decision of the same token, a token seen
// before (the verifier keeps what verifying it proved), timing each:
// machine noise hits both alike, so its x-verify metric (decision time /
// verification time) is the steadiest form of the budget's ratio. make
// bench reports it.
func BenchmarkAuthorizerPaired(b *testing.B) {
	w := newBenchWorld(b)
	a := w.authorizer(time.Minute)
	w.decide(b, a)
	w.paired(b, func(int) string { return w.token }, func(int) { w.decide(b, a) })
}

// BenchmarkAuthorizerPairedFirst is the same pairing with a token the
// authorizer has not seen: a pool of distinct tokens of the same member
// (another jti each, as after a refresh) cycled through a verifier that
// keeps fewer tokens than the pool holds, so every decision verifies the
// signature. The membership and the compiled permissions are warm.
func BenchmarkAuthorizerPairedFirst(b *testing.B) {
	w := newBenchWorld(b)
	const pool, kept = 256, 128
	toks := make([]string, pool)
	reqs := make([]events.APIGatewayV2CustomAuthorizerV2Request, pool)
	for i := range toks {
		claims := w.accessClaims(w.devID)
		claims["jti"] = fmt.Sprintf("jti-%d", i)
		toks[i] = w.issuerKeys.token(b, claims, w.key)
		reqs[i] = request("GET /v1/orgs/{orgId}/members", w.orgID, "Bearer "+toks[i], nil)
	}
	a := w.authorizerWith(time.Minute, kept)
	for i := range pool {
		w.decideReq(b, a, reqs[i]) // JWKS, membership and permissions warm; tokens cycle out
	}
	w.paired(b, func(i int) string { return toks[i%pool] }, func(i int) { w.decideReq(b, a, reqs[i%pool]) })
}

// paired times, per iteration, a bare verification of token(i) then
// decide(i), and reports the median of each and the median of the
// iterations' ratios: a burst of the machine's other work skews one pair,
// not the figure.
func (w *benchWorld) paired(b *testing.B, token func(int) string, decide func(int)) {
	pub := &w.key.PublicKey
	keyfunc := func(*jwt.Token) (any, error) { return pub, nil }
	var verify, dec, ratio []float64
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		t0 := time.Now()
		if _, err := jwt.Parse(token(i), keyfunc, jwt.WithValidMethods([]string{"RS256"})); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		decide(i)
		t2 := time.Now()
		verify = append(verify, float64(t1.Sub(t0)))
		dec = append(dec, float64(t2.Sub(t1)))
		ratio = append(ratio, float64(t2.Sub(t1))/float64(t1.Sub(t0)))
		i++
	}
	b.ReportMetric(median(verify), "verify-ns")
	b.ReportMetric(median(dec), "decide-ns")
	b.ReportMetric(median(ratio), "x-verify")
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2]
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
}
