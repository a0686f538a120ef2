package authorizer_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
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

const (
	poolID   = "us-east-1_TestPool"
	clientID = "testclient"
	kid      = "key-1"
)

// issuerKeys is a fake Cognito pool: an RSA key and its JWKS over HTTP.
type issuerKeys struct {
	key     *rsa.PrivateKey
	srv     *httptest.Server
	fetches atomic.Int32
}

// poolKey is the test pool's signing key, generated once for the package:
// a 2048-bit key takes long enough to generate that one per test was a
// good part of this package's test time. Each test still has its own
// issuer (JWKS server, fetch counter).
var poolKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func newIssuer(t testing.TB) *issuerKeys {
	t.Helper()
	key, err := poolKey()
	if err != nil {
		t.Fatal(err)
	}
	ik := &issuerKeys{key: key}
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}})
	ik.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ik.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	}))
	t.Cleanup(ik.srv.Close)
	return ik
}

func (ik *issuerKeys) issuer() string { return ik.srv.URL + "/" + poolID }

// token signs claims with the pool key (or another key).
func (ik *issuerKeys) token(t testing.TB, claims jwt.MapClaims, key *rsa.PrivateKey) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (ik *issuerKeys) accessClaims(sub string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"sub": sub, "iss": ik.issuer(), "token_use": "access", "client_id": clientID,
		"username": sub, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

type fixture struct {
	ik    *issuerKeys
	env   *dynamotest.Env
	auth  *authorizer.Authorizer
	orgID string
	users map[string]string // name -> user id
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ik := newIssuer(t)
	env := dynamotest.New(t)
	ctx := context.Background()
	f := &fixture{ik: ik, env: env, users: map[string]string{}}
	now := env.Store.Now()

	owner := &gatehouse.User{ID: "u-owner", Email: "owner@example.com", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now}
	org := dynamo.NewPersonalOrg(owner, now)
	if err := env.Store.CreateAccount(ctx, owner, org, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	f.orgID = org.ID
	f.users["owner"] = owner.ID

	// Members with other roles and flags are written straight to the store
	// through the same codecs the services use.
	add := func(name string, u *gatehouse.User, m *gatehouse.Membership) {
		t.Helper()
		u.ID, u.Email, u.CreatedAt = "u-"+name, name+"@example.com", now
		if u.Status == "" {
			u.Status = gatehouse.StatusActive
		}
		if err := env.Store.CreateAccount(ctx, u, nil, gatehouse.Actor{}); err != nil {
			t.Fatal(err)
		}
		f.users[name] = u.ID
		if m != nil {
			m.OrgID, m.UserID, m.CreatedAt = org.ID, u.ID, now
			if m.Status == "" {
				m.Status = gatehouse.StatusActive
			}
			if err := env.PutMembership(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	past := now.Add(-time.Minute)
	add("viewer", &gatehouse.User{}, &gatehouse.Membership{Roles: []string{authz.RoleViewer}})
	add("developer", &gatehouse.User{}, &gatehouse.Membership{Roles: []string{authz.RoleDeveloper}})
	add("readonlyadmin", &gatehouse.User{}, &gatehouse.Membership{Roles: []string{authz.RoleAdmin}, Readonly: true})
	add("disabledmember", &gatehouse.User{}, &gatehouse.Membership{Roles: []string{authz.RoleAdmin}, Status: gatehouse.StatusDisabled})
	add("expiredmember", &gatehouse.User{}, &gatehouse.Membership{Roles: []string{authz.RoleAdmin}, ExpiresAt: &past})
	add("disabledaccount", &gatehouse.User{Status: gatehouse.StatusDisabled}, &gatehouse.Membership{Roles: []string{authz.RoleAdmin}})
	add("expiredaccount", &gatehouse.User{ExpiresAt: &past}, &gatehouse.Membership{Roles: []string{authz.RoleAdmin}})
	add("stranger", &gatehouse.User{}, nil)
	add("platformadmin", &gatehouse.User{PlatformAdmin: true}, nil)

	f.auth = authorizer.New(authorizer.Options{
		Verifier:  jwtverify.New(ik.issuer(), clientID, ik.issuer()+"/.well-known/jwks.json"),
		Store:     env.Store,
		Catalogue: authz.NewCatalogue(authz.DefaultResourceTypes),
	})
	return f
}

func request(routeKey, orgID, authz string, query map[string]string) events.APIGatewayV2CustomAuthorizerV2Request {
	path := strings.SplitN(routeKey, " ", 2)[1]
	params := map[string]string{}
	if strings.Contains(path, "{orgId}") {
		params["orgId"] = orgID
		path = strings.ReplaceAll(path, "{orgId}", orgID)
	}
	headers := map[string]string{}
	if authz != "" {
		headers["authorization"] = authz
	}
	return events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteKey: routeKey, RawPath: path,
		Headers: headers, PathParameters: params, QueryStringParameters: query,
	}
}

func TestAuthorizerDecisions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	bearer := func(user string) string { return "Bearer " + f.ik.token(t, f.ik.accessClaims(f.users[user]), f.ik.key) }
	with := func(user string, mut func(jwt.MapClaims)) string {
		c := f.ik.accessClaims(f.users[user])
		mut(c)
		return "Bearer " + f.ik.token(t, c, f.ik.key)
	}
	const (
		getOrg    = "GET /v1/orgs/{orgId}"
		patchOrg  = "PATCH /v1/orgs/{orgId}"
		deleteOrg = "DELETE /v1/orgs/{orgId}"
		me        = "GET /v1/me"
		admin     = "GET /v1/admin/users"
		limits    = "PUT /v1/orgs/{orgId}/limits"
		members   = "GET /v1/orgs/{orgId}/members"
	)
	tests := []struct {
		name     string
		route    string
		auth     string
		query    map[string]string
		org      string // default: the fixture org
		wantErr  bool   // Unauthorized (401)
		wantDeny bool   // isAuthorized false (403)
	}{
		{name: "missing token", route: me, auth: "", wantErr: true},
		{name: "not bearer", route: me, auth: "Basic Zm9vOmJhcg==", wantErr: true},
		{name: "malformed token", route: me, auth: "Bearer not.a.jwt", wantErr: true},
		{name: "bad signature", route: me, auth: "Bearer " + f.ik.token(t, f.ik.accessClaims(f.users["owner"]), other), wantErr: true},
		{name: "other pool", route: me, auth: with("owner", func(c jwt.MapClaims) { c["iss"] = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other" }), wantErr: true},
		{name: "other client", route: me, auth: with("owner", func(c jwt.MapClaims) { c["client_id"] = "someoneelse" }), wantErr: true},
		{name: "expired token", route: me, auth: with("owner", func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), wantErr: true},
		{name: "id token refused", route: me, auth: with("owner", func(c jwt.MapClaims) { c["token_use"] = "id"; c["aud"] = clientID; delete(c, "client_id") }), wantErr: true},
		{name: "alg none refused", route: me, auth: "Bearer " + noneToken(f.ik.accessClaims(f.users["owner"])), wantErr: true},
		{name: "signed in", route: me, auth: bearer("stranger")},
		{name: "no profile", route: me, auth: "Bearer " + f.ik.token(t, f.ik.accessClaims("ghost"), f.ik.key), wantDeny: true},
		{name: "disabled account", route: me, auth: bearer("disabledaccount"), wantDeny: true},
		{name: "expired account", route: getOrg, auth: bearer("expiredaccount"), wantDeny: true},
		{name: "owner reads org", route: getOrg, auth: bearer("owner")},
		{name: "owner deletes org", route: deleteOrg, auth: bearer("owner")},
		{name: "viewer reads org", route: getOrg, auth: bearer("viewer")},
		{name: "viewer cannot update org", route: patchOrg, auth: bearer("viewer"), wantDeny: true},
		{name: "viewer cannot list members", route: members, auth: bearer("viewer"), wantDeny: true},
		{name: "developer lists members", route: members, auth: bearer("developer")},
		{name: "readonly admin reads", route: members, auth: bearer("readonlyadmin")},
		{name: "readonly admin cannot update", route: patchOrg, auth: bearer("readonlyadmin"), wantDeny: true},
		{name: "disabled membership", route: getOrg, auth: bearer("disabledmember"), wantDeny: true},
		{name: "expired membership", route: getOrg, auth: bearer("expiredmember"), wantDeny: true},
		{name: "non-member", route: getOrg, auth: bearer("stranger"), wantDeny: true},
		{name: "unknown org", route: getOrg, auth: bearer("owner"), org: "org_nope", wantDeny: true},
		{name: "platform admin route refused to owner", route: admin, auth: bearer("owner"), wantDeny: true},
		{name: "platform admin route", route: admin, auth: bearer("platformadmin")},
		{name: "platform admin sets limits of any org", route: limits, auth: bearer("platformadmin")},
		{name: "platform admin is no member elsewhere", route: getOrg, auth: bearer("platformadmin"), wantDeny: true},
		{name: "query token on non-GET refused", route: patchOrg, query: map[string]string{"token": "gha_x"}, wantErr: true},
		{name: "unknown API token", route: getOrg, query: map[string]string{"token": "gha_unknown"}, wantErr: true},
		{name: "JWT in query refused", route: getOrg, query: map[string]string{"token": strings.TrimPrefix(bearer("owner"), "Bearer ")}, wantErr: true},
		{name: "unknown route", route: "GET /v1/nope", auth: bearer("owner"), wantDeny: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org := f.orgID
			if tt.org != "" {
				org = tt.org
			}
			resp, err := f.auth.Handle(context.Background(), request(tt.route, org, tt.auth, tt.query))
			got := outcome(t, resp, err)
			switch {
			case tt.wantErr:
				if got != "unauthenticated/unauthenticated" {
					t.Fatalf("got %s, want unauthenticated", got)
				}
			case tt.wantDeny:
				if got == "allow" || strings.HasPrefix(got, "unauthenticated") {
					t.Fatalf("got %s, want a 403 refusal", got)
				}
			default:
				if got != "allow" {
					t.Fatalf("got %s, want allow", got)
				}
			}
		})
	}
	if n := f.ik.fetches.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want once", n)
	}
}

// outcome reads the decision of an answer: "allow" or "code/reason". The
// authorizer never returns an error nor isAuthorized false (the guard of
// every function answers its refusals, docs/security.md).
func outcome(t *testing.T, resp events.APIGatewayV2CustomAuthorizerSimpleResponse, err error) string {
	t.Helper()
	if err != nil {
		t.Fatalf("the authorizer returned an error: %v", err)
	}
	if !resp.IsAuthorized {
		t.Fatal("isAuthorized false: a refusal must travel in the context")
	}
	if resp.Context[apigw.CtxDecision] == apigw.DecisionAllow {
		return "allow"
	}
	return fmt.Sprint(resp.Context[apigw.CtxCode], "/", resp.Context[apigw.CtxReason])
}

func allowed(resp events.APIGatewayV2CustomAuthorizerSimpleResponse) bool {
	return resp.IsAuthorized && resp.Context[apigw.CtxDecision] == apigw.DecisionAllow
}

func noneToken(c jwt.MapClaims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, c)
	s, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	return s
}

func TestAuthorizerContext(t *testing.T) {
	t.Parallel()
	f := setup(t)
	auth := "Bearer " + f.ik.token(t, f.ik.accessClaims(f.users["developer"]), f.ik.key)
	resp, err := f.auth.Handle(context.Background(), request("GET /v1/orgs/{orgId}/members", f.orgID, auth, nil))
	if got := outcome(t, resp, err); got != "allow" {
		t.Fatalf("developer: %s", got)
	}
	ev := events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: resp.Context}}}
	c := apigw.CallerFrom(&ev)
	if c.UserID != f.users["developer"] || c.OrgID != f.orgID || c.Email != "developer@example.com" {
		t.Errorf("caller = %+v", c)
	}
	if !c.HasRole(authz.RoleDeveloper) || !c.Has("device:create") || !c.Has("members:read") || c.Has("members:create") {
		t.Errorf("developer roles/permissions wrong: %v %v", c.Roles, c.Permissions)
	}
	if c.PlatformAdmin {
		t.Error("developer reported as platform admin")
	}
}

func TestAuthorizerSeesChangesAtNextRequest(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	auth := "Bearer " + f.ik.token(t, f.ik.accessClaims(f.users["developer"]), f.ik.key)
	req := request("GET /v1/orgs/{orgId}/members", f.orgID, auth, nil)
	if resp, _ := f.auth.Handle(ctx, req); !allowed(resp) {
		t.Fatal("developer denied before the change")
	}
	m, err := f.env.Store.Membership(ctx, f.orgID, f.users["developer"])
	if err != nil {
		t.Fatal(err)
	}
	m.Status = gatehouse.StatusDisabled
	if err := f.env.PutMembership(ctx, m); err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.auth.Handle(ctx, req); allowed(resp) {
		t.Fatal("disabled membership still authorized at the next request")
	}
}

func TestAuthorizerFailsClosed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	auth := "Bearer " + f.ik.token(t, f.ik.accessClaims(f.users["owner"]), f.ik.key)
	req := request("GET /v1/orgs/{orgId}", f.orgID, auth, nil)
	ctx := context.Background()

	t.Run("JWKS unreachable", func(t *testing.T) {
		a := authorizer.New(authorizer.Options{
			Verifier:  jwtverify.New(f.ik.issuer(), clientID, "http://127.0.0.1:1/jwks.json"),
			Store:     f.env.Store,
			Catalogue: authz.NewCatalogue(authz.DefaultResourceTypes),
		})
		resp, err := a.Handle(ctx, req)
		if got := outcome(t, resp, err); got != "unavailable/unavailable" {
			t.Fatalf("without JWKS: %s, want unavailable", got)
		}
	})
	t.Run("DynamoDB failing", func(t *testing.T) {
		f.env.Server.EmulateFailure("internal_server")
		defer f.env.Server.EmulateFailure("none")
		resp, err := f.auth.Handle(ctx, req)
		if got := outcome(t, resp, err); got != "unavailable/unavailable" {
			t.Fatalf("while the table cannot be read: %s, want unavailable", got)
		}
	})
}

func TestAuthorizerReadsOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	auth := "Bearer " + f.ik.token(t, f.ik.accessClaims(f.users["owner"]), f.ik.key)
	req := request("GET /v1/orgs/{orgId}", f.orgID, auth, nil)
	if resp, _ := f.auth.Handle(ctx, req); !allowed(resp) {
		t.Fatal("owner denied")
	}
	f.env.Counter.Reset()
	if resp, _ := f.auth.Handle(ctx, req); !allowed(resp) {
		t.Fatal("owner denied")
	}
	if n := f.env.Counter.Total(); n != 1 {
		t.Errorf("DynamoDB calls per decision = %d (%v), want 1", n, f.env.Counter.Counts())
	}

	cached := authorizer.New(authorizer.Options{
		Verifier:  jwtverify.New(f.ik.issuer(), clientID, f.ik.issuer()+"/.well-known/jwks.json"),
		Store:     f.env.Store,
		Catalogue: authz.NewCatalogue(authz.DefaultResourceTypes),
		CacheTTL:  time.Minute,
	})
	_, _ = cached.Handle(ctx, req)
	f.env.Counter.Reset()
	if resp, _ := cached.Handle(ctx, req); !allowed(resp) {
		t.Fatal("owner denied with cache")
	}
	if n := f.env.Counter.Total(); n != 0 {
		t.Errorf("DynamoDB calls with a warm cache = %d, want 0", n)
	}
	// The cache key holds the org: another org is read, not answered from it.
	other := request("GET /v1/orgs/{orgId}", "org_other", auth, nil)
	if resp, _ := cached.Handle(ctx, other); allowed(resp) {
		t.Fatal("decision for one org answered another")
	}
}
