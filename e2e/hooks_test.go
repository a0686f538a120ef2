package e2e

// The harness's hooks into the local stack: what the tests observe or break
// that no AWS deployment offers. The local stack itself only emulates AWS;
// these are built around it, from its ordinary options.
//
//   - MiniDyn: the in-process DynamoDB, served by the harness and handed to
//     the stack as an external endpoint, for failure emulation.
//   - DynamoDBCalls: every call that reaches it, counted by operation.
//   - HandlerRan: which API requests reached a function's handler, past its
//     guard (the functions are wrapped as they are built).
//   - StopCognito / StartCognito: the functions and the tests reach
//     cognito-local through a proxy the harness can shut, so Cognito is
//     unreachable for them (compensation paths) while it keeps its data.
//   - HangCognito / RecoverCognito: the same proxy holds requests instead,
//     and lets them through late (an outcome the caller cannot know).

import (
	"context"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/gatehouse-dev/gatehouse/localstack"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/truora/minidyn/server"
)

// testStack is the local stack with the harness's hooks.
type testStack struct {
	*localstack.Stack
	// MiniDyn is the DynamoDB the stack runs against (EmulateFailure...).
	MiniDyn *server.Server
	// DynamoDBCalls counts the calls that reach MiniDyn, by operation,
	// whoever makes them: authorizer, functions, triggers.
	DynamoDBCalls *dynamotest.CallCounter

	ran         *requestLog
	cognitoDown atomic.Bool
	// cognitoHang, when set, holds every request to Cognito until it is
	// closed (HangCognito / RecoverCognito).
	cognitoHang atomic.Pointer[chan struct{}]
	cognito     *cip.Client
	servers     []*httptest.Server
}

// startStack starts the local stack with the hooks in place.
func startStack(ctx context.Context, o localstack.Options) (*testStack, error) {
	ts := &testStack{MiniDyn: server.NewServer(), DynamoDBCalls: dynamotest.NewCallCounter(), ran: newRequestLog(1 << 14)}
	ddb := httptest.NewServer(countCalls(ts.DynamoDBCalls, ts.MiniDyn))
	ts.servers = append(ts.servers, ddb)
	o.DynamoDBEndpoint = ddb.URL
	o.Functions = func(d *app.Deps) (localstack.Functions, error) {
		f, err := localstack.DefaultFunctions(d)
		for name, h := range f.HTTP {
			f.HTTP[name] = ts.ran.observe(h)
		}
		return f, err
	}
	var proxyURL string
	o.Configure = func(c *app.Config) {
		target, err := url.Parse(c.CognitoEndpoint)
		if err != nil {
			return
		}
		proxy := httptest.NewServer(ts.gate(httputil.NewSingleHostReverseProxy(target)))
		ts.servers = append(ts.servers, proxy)
		c.CognitoEndpoint, proxyURL = proxy.URL, proxy.URL
		// A short per-call deadline, so that a hung Cognito answers 503
		// within seconds (docs/reliability.md).
		c.CallTimeout = 2 * time.Second
	}
	st, err := localstack.Start(ctx, o)
	if err != nil {
		ts.closeServers()
		return nil, err
	}
	ts.Stack = st
	ts.cognito = cip.New(cip.Options{Region: st.Info.Region, BaseEndpoint: aws.String(proxyURL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	return ts, nil
}

// Close stops the stack, then the harness's servers.
func (s *testStack) Close() {
	s.Stack.Close()
	s.closeServers()
}

func (s *testStack) closeServers() {
	for _, srv := range s.servers {
		srv.Close()
	}
}

// Cognito is a client of the stack's pool, through the harness's proxy.
func (s *testStack) Cognito() *cip.Client { return s.cognito }

// StopCognito makes Cognito unreachable for the functions and the tests:
// the proxy drops every connection.
func (s *testStack) StopCognito() error {
	s.cognitoDown.Store(true)
	return nil
}

// StartCognito makes Cognito reachable again.
func (s *testStack) StartCognito(context.Context) error {
	s.cognitoDown.Store(false)
	return nil
}

// HangCognito makes Cognito slow rather than down: every request is held,
// neither answered nor refused, until RecoverCognito; then it reaches
// Cognito, even if its caller gave up meanwhile, as a request already
// sent would (docs/reliability.md, the drill).
func (s *testStack) HangCognito() {
	ch := make(chan struct{})
	s.cognitoHang.Store(&ch)
}

// RecoverCognito lets the held requests through and answers again.
func (s *testStack) RecoverCognito() {
	if ch := s.cognitoHang.Swap(nil); ch != nil {
		close(*ch)
	}
}

// gate passes requests on while Cognito is up and hangs up on them while it
// is down, as a stopped server's port would.
func (s *testStack) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ch := s.cognitoHang.Load(); ch != nil {
			<-*ch
			// The caller may be gone: the request still reaches Cognito.
			r = r.WithContext(context.WithoutCancel(r.Context()))
		}
		if !s.cognitoDown.Load() {
			next.ServeHTTP(w, r)
			return
		}
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0) // a reset, not an orderly close
			}
			_ = conn.Close()
		}
	})
}

// HandlerRan reports whether a function handler ran for the API request
// with this id (the Apigw-Requestid response header).
func (s *testStack) HandlerRan(requestID string) bool { return s.ran.has(requestID) }

// countCalls counts the DynamoDB calls that reach h, by operation (from
// X-Amz-Target: DynamoDB_20120810.<Operation>); each HTTP request is one
// round trip, so SDK retries count too.
func countCalls(c *dynamotest.CallCounter, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		c.Add(target[strings.LastIndexByte(target, '.')+1:])
		h.ServeHTTP(w, r)
	})
}

// requestLog remembers the ids of the last requests whose handler ran.
type requestLog struct {
	mu   sync.Mutex
	ids  map[string]bool
	ring []string
	next int
}

func newRequestLog(n int) *requestLog {
	return &requestLog{ids: map[string]bool{}, ring: make([]string, n)}
}

// observe wraps a function so that reaching its handler (past the guard of
// apigw.Mux.Serve) records the request id.
func (l *requestLog) observe(h localstack.HTTPHandler) localstack.HTTPHandler {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		id := ev.RequestContext.RequestID
		return h(apigw.WithHandlerObserver(ctx, func() { l.add(id) }), ev)
	}
}

func (l *requestLog) add(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old := l.ring[l.next]; old != "" {
		delete(l.ids, old)
	}
	l.ring[l.next] = id
	l.ids[id] = true
	l.next = (l.next + 1) % len(l.ring)
}

func (l *requestLog) has(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ids[id]
}
