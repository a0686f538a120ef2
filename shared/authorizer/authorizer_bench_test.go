package authorizer_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/authorizer"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/jwtverify"
	"github.com/golang-jwt/jwt/v5"
)

// The authorizer budget (DESIGN.md section 9) as ratios measured in one
// run: a whole decision with a warm JWKS and a warm membership cache against
// the practical floor, a bare RS256 verification of the same token with the
// same public key. make bench prints the ratio of BenchmarkAuthorizerWarm
// to BenchmarkJWTVerifyBaseline, and the reads/op metrics.

// benchWorld is a pool key served as a JWKS, a table with an org and a
// developer member of it, and a signed access token of that member.
type benchWorld struct {
	*issuerKeys
	env   *dynamotest.Env
	orgID string
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

	w.token = w.issuerKeys.token(b, w.accessClaims(dev.ID), w.key)
	w.req = request("GET /v1/orgs/{orgId}/members", w.orgID, "Bearer "+w.token, nil)
	return w
}

func (w *benchWorld) authorizer(ttl time.Duration) *authorizer.Authorizer {
	return authorizer.New(authorizer.Options{
		Verifier:  jwtverify.New(w.issuer(), clientID, w.issuer()+"/.well-known/jwks.json"),
		Store:     w.env.Store,
		Catalogue: authz.NewCatalogue(authz.DefaultResourceTypes),
		CacheTTL:  ttl,
	})
}

// decide runs one request and fails the benchmark unless it is allowed.
func (w *benchWorld) decide(b *testing.B, a *authorizer.Authorizer) {
	resp, err := a.Handle(context.Background(), w.req)
	if err != nil || !resp.IsAuthorized {
		b.Fatalf("authorized=%v err=%v, want allow", resp.IsAuthorized, err)
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
// verification then one warm decision, timing each: machine noise hits
// both alike, so its x-verify metric (decision time / verification time)
// is the steadiest form of the budget's ratio. make bench reports it.
func BenchmarkAuthorizerPaired(b *testing.B) {
	w := newBenchWorld(b)
	a := w.authorizer(time.Minute)
	w.decide(b, a)
	pub := &w.key.PublicKey
	keyfunc := func(*jwt.Token) (any, error) { return pub, nil }
	var verify, decide time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		if _, err := jwt.Parse(w.token, keyfunc, jwt.WithValidMethods([]string{"RS256"})); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		w.decide(b, a)
		decide += time.Since(t1)
		verify += t1.Sub(t0)
	}
	b.ReportMetric(float64(verify.Nanoseconds())/float64(b.N), "verify-ns")
	b.ReportMetric(float64(decide.Nanoseconds())/float64(b.N), "decide-ns")
	b.ReportMetric(float64(decide)/float64(verify), "x-verify")
}
