package localstack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/notfound"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// recorder is a fake set of functions that records what it was given.
type recorder struct {
	mu       sync.Mutex
	authReqs []events.APIGatewayV2CustomAuthorizerV2Request
	httpReqs []events.APIGatewayV2HTTPRequest
}

func (r *recorder) authorizer(resp events.APIGatewayV2CustomAuthorizerSimpleResponse, err error) AuthorizerHandler {
	return func(_ context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		r.mu.Lock()
		r.authReqs = append(r.authReqs, req)
		r.mu.Unlock()
		return resp, err
	}
}

func (r *recorder) handler(resp events.APIGatewayV2HTTPResponse, err error) HTTPHandler {
	return func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		r.mu.Lock()
		r.httpReqs = append(r.httpReqs, req)
		r.mu.Unlock()
		return resp, err
	}
}

func (r *recorder) calls() (auth, http int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.authReqs), len(r.httpReqs)
}

var allow = events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true,
	Context: map[string]any{"userId": "user-1", "permissions": "org:read members:read", "count": 5}}

var ok = events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"ok":true}`}

// newTestGateway serves a gateway over fake functions; every HTTP function
// of the route table gets the same handler.
func newTestGateway(t *testing.T, auth AuthorizerHandler, h HTTPHandler, outboxDir string) (*httptest.Server, *gateway) {
	t.Helper()
	f := &Functions{Authorizer: auth, HTTP: map[string]HTTPHandler{}}
	if h != nil {
		for _, fn := range routes.HTTPFunctions {
			f.HTTP[fn] = h
		}
	}
	discard := slog.New(slog.DiscardHandler)
	g := newGateway("us-east-1", func() *Functions { return f }, outboxDir, &consoleLog{w: io.Discard}, discard)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv, g
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestGatewayBuildsPayload2Events(t *testing.T) {
	rec := &recorder{}
	srv, _ := newTestGateway(t, rec.authorizer(allow, nil), rec.handler(ok, nil), "")

	req, _ := http.NewRequest("POST", srv.URL+"/v1/orgs/org_1/members?x=1&x=2&token=qtok", strings.NewReader(`{"email":"a@b.c"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Add("X-Multi", "v1")
	req.Header.Add("X-Multi", "v2")
	req.Header.Set("Cookie", "a=1; b=2")
	req.Header.Set("User-Agent", "gatehouse-test")
	resp, body := do(t, req)
	if resp.StatusCode != 200 || body != `{"ok":true}` {
		t.Fatalf("got %d %s, want 200 {\"ok\":true}", resp.StatusCode, body)
	}
	// Which requests reach a handler is recorded by the function's mux
	// (apigw.WithHandlerObserver), past its guard: e2e tests read it.
	reqID := resp.Header.Get(requestIDHeader)

	if a, h := rec.calls(); a != 1 || h != 1 {
		t.Fatalf("authorizer calls %d, handler calls %d; want 1 and 1", a, h)
	}
	ev := rec.httpReqs[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"version", ev.Version, "2.0"},
		{"routeKey", ev.RouteKey, "POST /v1/orgs/{orgId}/members"},
		{"rawPath", ev.RawPath, "/v1/orgs/org_1/members"},
		{"rawQueryString", ev.RawQueryString, "x=1&x=2&token=qtok"},
		{"cookies", strings.Join(ev.Cookies, "|"), "a=1|b=2"},
		{"multi-value header", ev.Headers["x-multi"], "v1,v2"},
		{"content-type header", ev.Headers["content-type"], "application/json"},
		{"no cookie header", ev.Headers["cookie"], ""},
		{"query x", ev.QueryStringParameters["x"], "1,2"},
		{"path parameter", ev.PathParameters["orgId"], "org_1"},
		{"body", ev.Body, `{"email":"a@b.c"}`},
		{"isBase64Encoded", ev.IsBase64Encoded, false},
		{"requestContext.routeKey", ev.RequestContext.RouteKey, "POST /v1/orgs/{orgId}/members"},
		{"requestContext.stage", ev.RequestContext.Stage, "$default"},
		{"requestContext.requestId", ev.RequestContext.RequestID, reqID},
		{"requestContext.domainName", ev.RequestContext.DomainName, "127.0.0.1"},
		{"http.method", ev.RequestContext.HTTP.Method, "POST"},
		{"http.path", ev.RequestContext.HTTP.Path, "/v1/orgs/org_1/members"},
		{"http.protocol", ev.RequestContext.HTTP.Protocol, "HTTP/1.1"},
		{"http.sourceIp", ev.RequestContext.HTTP.SourceIP, "127.0.0.1"},
		{"http.userAgent", ev.RequestContext.HTTP.UserAgent, "gatehouse-test"},
		{"authorizer userId", ev.RequestContext.Authorizer.Lambda["userId"], "user-1"},
		// The context went through JSON, as in AWS: numbers arrive as float64.
		{"authorizer number", ev.RequestContext.Authorizer.Lambda["count"], float64(5)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if ev.RequestContext.TimeEpoch == 0 || ev.RequestContext.Time == "" {
		t.Errorf("request time not set: %q %d", ev.RequestContext.Time, ev.RequestContext.TimeEpoch)
	}

	ar := rec.authReqs[0]
	if ar.Type != "REQUEST" || ar.Version != "2.0" || ar.RouteKey != ev.RouteKey {
		t.Errorf("authorizer event type %q version %q routeKey %q", ar.Type, ar.Version, ar.RouteKey)
	}
	if want := "arn:aws:execute-api:us-east-1:000000000000:local/$default/POST/v1/orgs/org_1/members"; ar.RouteArn != want {
		t.Errorf("routeArn %q, want %q", ar.RouteArn, want)
	}
	if !slices.Equal(ar.IdentitySource, []string{"Bearer tok", "qtok"}) {
		t.Errorf("identitySource %q, want the header and the token parameter", ar.IdentitySource)
	}
	if ar.PathParameters["orgId"] != "org_1" || ar.Headers["authorization"] != "Bearer tok" {
		t.Errorf("authorizer event lacks path parameters or headers: %+v", ar)
	}
}

func TestGatewayEncodesBinaryBodies(t *testing.T) {
	rec := &recorder{}
	srv, _ := newTestGateway(t, rec.authorizer(allow, nil), rec.handler(ok, nil), "")
	raw := []byte{0, 1, 2, 0xff}
	req, _ := http.NewRequest("POST", srv.URL+"/v1/orgs", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/octet-stream")
	do(t, req)
	ev := rec.httpReqs[0]
	if !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString(raw) {
		t.Errorf("body %q base64 %v, want the bytes base64-encoded", ev.Body, ev.IsBase64Encoded)
	}
}

func TestGatewayPublicRouteSkipsAuthorizer(t *testing.T) {
	rec := &recorder{}
	srv, _ := newTestGateway(t, rec.authorizer(events.APIGatewayV2CustomAuthorizerSimpleResponse{}, nil), rec.handler(ok, nil), "")
	req, _ := http.NewRequest("GET", srv.URL+"/v1/openapi.json", nil)
	if resp, _ := do(t, req); resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	if a, h := rec.calls(); a != 0 || h != 1 {
		t.Errorf("authorizer calls %d, handler calls %d; want 0 and 1", a, h)
	}
	if rec.httpReqs[0].RequestContext.Authorizer != nil {
		t.Errorf("public route got an authorizer context")
	}
}

func TestGatewayAuthorizerOutcomes(t *testing.T) {
	deny := events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}
	tests := []struct {
		name       string
		auth       func(*recorder) AuthorizerHandler
		wantStatus int
		wantBody   string
	}{
		{"error Unauthorized is 500 on an HTTP API", func(r *recorder) AuthorizerHandler { return r.authorizer(deny, errors.New("Unauthorized")) },
			500, `{"message":"Internal Server Error"}`},
		{"not authorized is 403", func(r *recorder) AuthorizerHandler { return r.authorizer(deny, nil) },
			403, `{"message":"Forbidden"}`},
		{"other error is 500", func(r *recorder) AuthorizerHandler { return r.authorizer(allow, errors.New("table unreachable")) },
			500, `{"message":"Internal Server Error"}`},
		{"panic is 500", func(*recorder) AuthorizerHandler {
			return func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
				panic("boom")
			}
		}, 500, `{"message":"Internal Server Error"}`},
		{"no authorizer fails closed", func(*recorder) AuthorizerHandler { return nil },
			500, `{"message":"Internal Server Error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			srv, g := newTestGateway(t, tt.auth(rec), rec.handler(ok, nil), "")
			req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
			req.Header.Set("Authorization", "Bearer x")
			resp, body := do(t, req)
			if resp.StatusCode != tt.wantStatus || body != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if _, h := rec.calls(); h != 0 {
				t.Errorf("handler ran %d times, want never", h)
			}
			if g.ran.has(resp.Header.Get(requestIDHeader)) {
				t.Errorf("request recorded as run")
			}
		})
	}
}

func TestGatewayHandlerOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		h          HTTPHandler
		wantStatus int
		wantBody   string
		check      func(t *testing.T, resp *http.Response)
	}{
		{"error is 500", (&recorder{}).handler(ok, errors.New("boom")), 500, `{"message":"Internal Server Error"}`, nil},
		{"panic is 500", func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			panic("boom")
		}, 500, `{"message":"Internal Server Error"}`, nil},
		{"no status is 500", (&recorder{}).handler(events.APIGatewayV2HTTPResponse{Body: "x"}, nil), 500, `{"message":"Internal Server Error"}`, nil},
		{"base64 body, cookies and multi-value headers", (&recorder{}).handler(events.APIGatewayV2HTTPResponse{
			StatusCode:        201,
			Headers:           map[string]string{"Content-Type": "application/octet-stream"},
			MultiValueHeaders: map[string][]string{"X-Multi": {"a", "b"}},
			Cookies:           []string{"s=1; HttpOnly", "t=2"},
			Body:              base64.StdEncoding.EncodeToString([]byte("raw bytes")),
			IsBase64Encoded:   true,
		}, nil), 201, "raw bytes", func(t *testing.T, resp *http.Response) {
			if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, []string{"s=1; HttpOnly", "t=2"}) {
				t.Errorf("Set-Cookie %q", got)
			}
			if got := resp.Header.Values("X-Multi"); !slices.Equal(got, []string{"a", "b"}) {
				t.Errorf("X-Multi %q", got)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/octet-stream" {
				t.Errorf("Content-Type %q", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTestGateway(t, (&recorder{}).authorizer(allow, nil), tt.h, "")
			req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
			resp, body := do(t, req)
			if resp.StatusCode != tt.wantStatus || body != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if tt.check != nil {
				tt.check(t, resp)
			}
		})
	}
}

func TestGatewayMissingFunctionIs500(t *testing.T) {
	srv, _ := newTestGateway(t, (&recorder{}).authorizer(allow, nil), nil, "")
	req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
	if resp, body := do(t, req); resp.StatusCode != 500 {
		t.Errorf("got %d %s, want 500", resp.StatusCode, body)
	}
}

// TestGatewayRouting sends what no route matches to the $default route's
// function (here the real one), without the authorizer.
func TestGatewayRouting(t *testing.T) {
	rec := &recorder{}
	srv, g := newTestGateway(t, rec.authorizer(allow, nil), rec.handler(ok, nil), "")
	g.funcs().HTTP[routes.FnNotFound] = notfound.New(nil).Serve
	tests := []struct {
		method, path string
		wantStatus   int
		wantCode     string
		wantAllow    string
	}{
		{"GET", "/v1/nothing-here", 404, "not_found", ""},
		{"GET", "/", 404, "not_found", ""},
		{"DELETE", "/v1/me", 405, "method_not_allowed", "GET, PATCH"},
		{"PATCH", "/v1/orgs/org_1/members", 405, "method_not_allowed", "GET, POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			resp, body := do(t, req)
			var p struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
			}
			_ = json.Unmarshal([]byte(body), &p)
			if resp.StatusCode != tt.wantStatus || p.Status != tt.wantStatus || p.Code != tt.wantCode {
				t.Errorf("got %d %s, want %d with code %s", resp.StatusCode, body, tt.wantStatus, tt.wantCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			if got := resp.Header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow %q, want %q", got, tt.wantAllow)
			}
		})
	}
	if a, h := rec.calls(); a != 0 || h != 0 {
		t.Errorf("authorizer calls %d, handler calls %d; want none", a, h)
	}

	// The $default route gets its own event.
	rec2 := &recorder{}
	srv, _ = newTestGateway(t, rec2.authorizer(allow, nil), rec2.handler(ok, nil), "")
	req, _ := http.NewRequest("GET", srv.URL+"/v1/nothing-here?token=x", nil)
	if resp, body := do(t, req); resp.StatusCode != 200 {
		t.Fatalf("got %d %s, want the $default function's 200", resp.StatusCode, body)
	}
	if a, h := rec2.calls(); a != 0 || h != 1 || rec2.httpReqs[0].RouteKey != "$default" || rec2.httpReqs[0].RawPath != "/v1/nothing-here" {
		t.Errorf("authorizer calls %d, handler calls %d (%+v); want one $default event and no authorizer", a, h, rec2.httpReqs)
	}
}

// TestGatewayWithoutDefaultRoute answers as an HTTP API with no $default
// route: API Gateway's own 404.
func TestGatewayWithoutDefaultRoute(t *testing.T) {
	rec := &recorder{}
	srv, g := newTestGateway(t, rec.authorizer(allow, nil), rec.handler(ok, nil), "")
	delete(g.funcs().HTTP, routes.FnNotFound)
	req, _ := http.NewRequest("GET", srv.URL+"/v1/nothing-here", nil)
	if resp, body := do(t, req); resp.StatusCode != 404 || body != `{"message":"Not Found"}` {
		t.Errorf("got %d %s, want 404 {\"message\":\"Not Found\"}", resp.StatusCode, body)
	}
}

func TestGatewayRefusesBodiesOver10MB(t *testing.T) {
	rec := &recorder{}
	srv, _ := newTestGateway(t, rec.authorizer(allow, nil), rec.handler(ok, nil), "")
	req, _ := http.NewRequest("POST", srv.URL+"/v1/orgs", bytes.NewReader(make([]byte, maxGatewayBody+1)))
	req.Header.Set("Content-Type", "application/json")
	if resp, body := do(t, req); resp.StatusCode != 413 {
		t.Errorf("got %d %s, want 413", resp.StatusCode, body)
	}
	if a, h := rec.calls(); a != 0 || h != 0 {
		t.Errorf("authorizer calls %d, handler calls %d; want none", a, h)
	}
}

func TestGatewayIntegrationTimeoutIs503(t *testing.T) {
	slow := func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		<-ctx.Done()
		return ok, nil
	}
	srv, g := newTestGateway(t, (&recorder{}).authorizer(allow, nil), slow, "")
	g.timeout = 50 * time.Millisecond
	req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
	if resp, body := do(t, req); resp.StatusCode != 503 || body != `{"message":"Service Unavailable"}` {
		t.Errorf("got %d %s, want 503", resp.StatusCode, body)
	}
}

func TestGatewayServesOutboxNewestFirst(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	for name, content := range map[string]string{
		"a.json":    `{"to":"old@x.test"}`,
		"b.json":    `{"to":"new@x.test"}`,
		"c.json":    `{"to":`, // being written: skipped
		"notes.txt": `not an email`,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if name == "a.json" {
			_ = os.Chtimes(p, old, old)
		}
	}
	srv, _ := newTestGateway(t, nil, nil, dir)
	resp, body := do(t, must(http.NewRequest("GET", srv.URL+"/local/outbox", nil)))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d %s", resp.StatusCode, body)
	}
	var got []struct {
		To string `json:"to"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if len(got) != 2 || got[0].To != "new@x.test" || got[1].To != "old@x.test" {
		t.Errorf("outbox %s, want the two emails newest first", body)
	}

	_, body = do(t, must(http.NewRequest("GET", srv.URL+"/local/outbox?to=OLD@x.test", nil)))
	if err := json.Unmarshal([]byte(body), &got); err != nil || len(got) != 1 || got[0].To != "old@x.test" {
		t.Errorf("outbox?to=: %s, want the one email to old@x.test", body)
	}

	srv2, _ := newTestGateway(t, nil, nil, filepath.Join(dir, "missing"))
	if _, body := do(t, must(http.NewRequest("GET", srv2.URL+"/local/outbox", nil))); body != "[]" {
		t.Errorf("missing outbox: %s, want []", body)
	}
}

func must(r *http.Request, err error) *http.Request {
	if err != nil {
		panic(err)
	}
	return r
}
