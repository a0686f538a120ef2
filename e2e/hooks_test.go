package e2e

// The harness's hooks into the local stack: what the tests observe or break
// that no AWS deployment offers. The local stack itself only emulates AWS;
// these are built around it, from its ordinary options.
//
//   - MiniDyn: the in-process DynamoDB, served by the harness and handed to
//     the stack as an external endpoint; the functions' calls reach its
//     handler in process (byHost, dynamotest.InProcess).
//   - DynamoDBCalls: every call that reaches it, counted by operation.
//   - HandlerRan: which API requests reached a function's handler, past its
//     guard (the functions are wrapped as they are built).
//   - CognitoDownFor / CognitoHangFor: the functions and the tests reach
//     cognito-local through a proxy that can drop the calls naming one
//     test's users (an email, a sub), as a stopped server would
//     (compensation paths), or hold them and let them through late (an
//     outcome the caller cannot know). Cognito keeps its data.
//   - DynamoFailsFor: the DynamoDB endpoint answers InternalServerError to
//     the calls of one operation naming one test's users.
//
// A fault is scoped to what it names, so the test that sets it runs in
// parallel with the others: they never see it.

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/gatehouse-dev/gatehouse/localstack"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/truora/minidyn/server"
)

// testStack is the local stack with the harness's hooks.
type testStack struct {
	*localstack.Stack
	// MiniDyn is the DynamoDB the stack runs against.
	MiniDyn *server.Server
	// DynamoDBCalls counts the calls that reach MiniDyn, by operation,
	// whoever makes them: authorizer, functions, triggers.
	DynamoDBCalls *dynamotest.CallCounter

	ran *requestLog
	// transport carries the functions' AWS calls: DynamoDB's in process.
	transport     http.RoundTripper
	cognitoFaults faults
	dynamoFaults  faults
	cognito       *cip.Client
	servers       []*httptest.Server
}

// startStack starts the local stack with the hooks in place.
func startStack(ctx context.Context, o localstack.Options) (*testStack, error) {
	ts := &testStack{MiniDyn: server.NewServer(), DynamoDBCalls: dynamotest.NewCallCounter(), ran: newRequestLog(1 << 14)}
	dynamo := countCalls(ts.DynamoDBCalls, ts.dynamoGate(ts.MiniDyn))
	ddb := httptest.NewServer(dynamo)
	ts.servers = append(ts.servers, ddb)
	o.DynamoDBEndpoint = ddb.URL
	ts.transport = byHost{host: ddb.Listener.Addr().String(), local: dynamotest.InProcess{Handler: dynamo}, next: http.DefaultTransport}
	o.HTTPTransport = ts.transport
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
		proxy := httptest.NewServer(ts.gate(target, httputil.NewSingleHostReverseProxy(target)))
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

// fault is a failure of the calls whose body names one of its marks (and,
// when op is set, of that operation only). hang, when set, holds the calls
// until it is closed; otherwise they fail at once.
type fault struct {
	op    string
	marks [][]byte
	hang  chan struct{}
}

// faults are the failures in force on one endpoint.
type faults struct {
	mu   sync.Mutex
	list []*fault
}

func (fs *faults) add(t testing.TB, f *fault) (end func()) {
	fs.mu.Lock()
	fs.list = append(fs.list, f)
	fs.mu.Unlock()
	var once sync.Once
	end = func() {
		once.Do(func() {
			fs.mu.Lock()
			fs.list = slices.DeleteFunc(fs.list, func(x *fault) bool { return x == f })
			fs.mu.Unlock()
			if f.hang != nil {
				close(f.hang)
			}
		})
	}
	t.Cleanup(end) // even when the test fails first
	return end
}

// match reads the request's body (and puts it back) and returns the fault
// it falls under, if any.
func (fs *faults) match(r *http.Request, op string) *fault {
	fs.mu.Lock()
	list := slices.Clone(fs.list)
	fs.mu.Unlock()
	if len(list) == 0 {
		return nil
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	for _, f := range list {
		if f.op != "" && f.op != op {
			continue
		}
		for _, m := range f.marks {
			if bytes.Contains(body, m) {
				return f
			}
		}
	}
	return nil
}

func newFault(op string, hang bool, marks []string) *fault {
	f := &fault{op: op}
	for _, m := range marks {
		f.marks = append(f.marks, []byte(m))
	}
	if hang {
		f.hang = make(chan struct{})
	}
	return f
}

// CognitoDownFor makes Cognito unreachable for the calls that name any of
// marks (emails, subs): the proxy resets their connections. Calling the
// returned func, or the test's end, makes it reachable again.
func (s *testStack) CognitoDownFor(t testing.TB, marks ...string) (up func()) {
	return s.cognitoFaults.add(t, newFault("", false, marks))
}

// CognitoHangFor makes Cognito slow rather than down for the calls that
// name any of marks: each is held, neither answered nor refused, until the
// returned func is called (or the test ends); then it reaches Cognito,
// even if its caller gave up meanwhile, as a request already sent would
// (docs/reliability.md, the drill).
func (s *testStack) CognitoHangFor(t testing.TB, marks ...string) (recover func()) {
	return s.cognitoFaults.add(t, newFault("", true, marks))
}

// DynamoFailsFor makes DynamoDB answer InternalServerError (a 500 the SDK
// retries, then gives up on) to every call of operation op ("" for any)
// that names any of marks, until the returned func is called or the test
// ends.
func (s *testStack) DynamoFailsFor(t testing.TB, op string, marks ...string) (clear func()) {
	return s.dynamoFaults.add(t, newFault(op, false, marks))
}

// gate passes Cognito calls on, except those under a fault.
func (s *testStack) gate(target *url.URL, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := s.cognitoFaults.match(r, "")
		switch {
		case f == nil:
		case f.hang != nil:
			<-f.hang
			late(w, r, target)
			return
		default:
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				if tcp, ok := conn.(*net.TCPConn); ok {
					_ = tcp.SetLinger(0) // a reset, not an orderly close
				}
				_ = conn.Close()
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// late sends a held call on to Cognito once it is let through, whether or
// not its caller is still there (a reverse proxy would cancel it when the
// caller hangs up), as a request already sent would arrive; the answer
// goes back if anyone still listens.
func late(w http.ResponseWriter, r *http.Request, target *url.URL) {
	body, _ := io.ReadAll(r.Body)
	out, err := http.NewRequestWithContext(context.Background(), r.Method, target.String()+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// dynamoGate answers DynamoDB calls under a fault with the error DynamoDB
// gives when it fails internally.
func (s *testStack) dynamoGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.dynamoFaults.match(r, dynamoOperation(r)) != nil {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error (emulated by the e2e harness)"}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// dynamoOperation is a DynamoDB call's operation, from X-Amz-Target
// (DynamoDB_20120810.<Operation>).
func dynamoOperation(r *http.Request) string {
	target := r.Header.Get("X-Amz-Target")
	return target[strings.LastIndexByte(target, '.')+1:]
}

// HandlerRan reports whether a function handler ran for the API request
// with this id (the Apigw-Requestid response header).
func (s *testStack) HandlerRan(requestID string) bool { return s.ran.has(requestID) }

// byHost hands the functions' calls to the DynamoDB endpoint to its
// handler in this process (dynamotest.InProcess) and sends the others on.
type byHost struct {
	host        string
	local, next http.RoundTripper
}

func (b byHost) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == b.host {
		return b.local.RoundTrip(r)
	}
	return b.next.RoundTrip(r)
}

// countCalls counts the DynamoDB calls that reach h, by operation (from
// X-Amz-Target: DynamoDB_20120810.<Operation>); each HTTP request is one
// round trip, so SDK retries count too.
func countCalls(c *dynamotest.CallCounter, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.Add(dynamoOperation(r))
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
