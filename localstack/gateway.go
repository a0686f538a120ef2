package localstack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Values the emulated HTTP API puts in every event. They only need to look
// like API Gateway's; nothing checks them against AWS.
const (
	localAccountID = "000000000000"
	localAPIID     = "local"
	localStage     = "$default"

	// maxGatewayBody is API Gateway's payload limit (10 MB); the handlers
	// enforce their own, smaller one.
	maxGatewayBody = 10 << 20
	// integrationTimeout is HTTP API's maximum integration timeout.
	integrationTimeout = 30 * time.Second
	// requestIDHeader is the header HTTP API adds to every response.
	requestIDHeader = "Apigw-Requestid"
)

// gateway emulates an API Gateway HTTP API with a Lambda REQUEST authorizer
// (simple responses) in front of Lambda proxy integrations (payload 2.0).
type gateway struct {
	region    string
	funcs     func() *Functions // nil until the stack is bootstrapped
	outboxDir string
	console   *consoleLog
	log       *slog.Logger
	timeout   time.Duration
	web       *webConsole // nil: no console
	bus       *EventBus   // the event stream's local bus (GET /local/events)
}

func newGateway(region string, funcs func() *Functions, outboxDir string, console *consoleLog, log *slog.Logger) *gateway {
	return &gateway{region: region, funcs: funcs, outboxDir: outboxDir, console: console, log: log,
		timeout: integrationTimeout}
}

// statusWriter remembers the status for the request log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP logs one line per request: method, path (never the query, which
// may carry ?token=), status and duration. Never bodies or headers.
func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	if strings.HasPrefix(r.URL.Path, LocalOnlyPrefix) {
		g.serveLocalOnly(sw, r)
	} else if g.web != nil && g.web.handles(r) {
		g.web.ServeHTTP(sw, r)
	} else {
		g.serveAPI(sw, r)
	}
	g.console.Printf("%s %s %d %s", r.Method, r.URL.Path, sw.status, time.Since(start).Round(time.Microsecond))
}

func (g *gateway) serveAPI(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set(requestIDHeader, reqID)
	f := g.funcs()
	if f == nil {
		gatewayMessage(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	route, params, ok := routes.Match(r.Method, r.URL.Path)
	if !ok {
		// As in an HTTP API, a request no route matches goes to the
		// $default route (no authorizer); without one, API Gateway itself
		// answers 404.
		route, params = routes.Default, nil
		if f.HTTP[route.Function] == nil {
			gatewayMessage(w, http.StatusNotFound, "Not Found")
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxGatewayBody+1))
	if err != nil {
		gatewayMessage(w, http.StatusBadRequest, "Bad Request")
		return
	}
	if len(body) > maxGatewayBody {
		gatewayMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	ev := buildHTTPEvent(r, route, params, body, reqID, time.Now())

	if route.Access != routes.Public {
		lambdaCtx, status, msg := g.authorize(r.Context(), f, ev)
		if status != 0 {
			gatewayMessage(w, status, msg)
			return
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: lambdaCtx}
	}

	h := f.HTTP[route.Function]
	if h == nil {
		g.log.Error("no handler registered for function", "function", route.Function, "route", route.Key())
		g.console.Printf("  no function %q is registered for %s", route.Function, route.Key())
		gatewayMessage(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	var resp events.APIGatewayV2HTTPResponse
	err = g.invoke(r.Context(), route.Function, reqID, func(ctx context.Context) error {
		var in events.APIGatewayV2HTTPRequest
		if err := roundTrip(ev, &in); err != nil {
			return err
		}
		out, err := h(ctx, in)
		if err != nil {
			return err
		}
		return roundTrip(out, &resp)
	})
	if errors.Is(err, context.DeadlineExceeded) {
		gatewayMessage(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	if err != nil {
		g.log.Error("function failed", "function", route.Function, "requestId", reqID, "error", err)
		g.console.Printf("  function %s failed (request %s): %v", route.Function, reqID, err)
		gatewayMessage(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	if resp.StatusCode == 0 {
		g.log.Error("function returned no status code", "function", route.Function, "requestId", reqID)
		gatewayMessage(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	writeResponse(w, resp)
}

// authorize runs the authorizer as an HTTP API does: any error (even one
// named "Unauthorized", which only REST APIs turn into 401) gives 500, and
// isAuthorized false a bare 403. It
// returns the context to pass to the integration, or the status to answer.
func (g *gateway) authorize(ctx context.Context, f *Functions, ev events.APIGatewayV2HTTPRequest) (map[string]any, int, string) {
	if f.Authorizer == nil {
		g.log.Error("no authorizer registered: failing closed", "route", ev.RouteKey)
		g.console.Printf("  no authorizer is registered: refusing %s", ev.RouteKey)
		return nil, http.StatusInternalServerError, "Internal Server Error"
	}
	areq := buildAuthorizerEvent(ev, g.region)
	var aresp events.APIGatewayV2CustomAuthorizerSimpleResponse
	err := g.invoke(ctx, routes.FnAuthorizer, ev.RequestContext.RequestID, func(ctx context.Context) error {
		var in events.APIGatewayV2CustomAuthorizerV2Request
		if err := roundTrip(areq, &in); err != nil {
			return err
		}
		out, err := f.Authorizer(ctx, in)
		if err != nil {
			return err
		}
		return roundTrip(out, &aresp)
	})
	switch {
	case err != nil:
		g.log.Error("authorizer failed", "requestId", ev.RequestContext.RequestID, "error", err)
		g.console.Printf("  authorizer failed (request %s): %v", ev.RequestContext.RequestID, err)
		return nil, http.StatusInternalServerError, "Internal Server Error"
	case !aresp.IsAuthorized:
		return nil, http.StatusForbidden, "Forbidden"
	}
	return aresp.Context, 0, ""
}

// invoke runs one Lambda invocation with the Lambda context and the
// integration timeout; a panic becomes an error, as the Lambda runtime
// reports it.
func (g *gateway) invoke(ctx context.Context, function, reqID string, run func(context.Context) error) error {
	// Lambda kills a function at its own timeout, under the integration's
	// (routes.Timeout, docs/reliability.md).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(g.timeout, routes.Timeout(function)))
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       reqID,
		InvokedFunctionArn: fmt.Sprintf("arn:aws:lambda:%s:%s:function:gatehouse-%s", g.region, localAccountID, function),
	})
	done := make(chan error, 1)
	go func() { done <- runRecovered(ctx, run) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func runRecovered(ctx context.Context, run func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return run(ctx)
}

// roundTrip passes a value through JSON, as the Lambda service does between
// API Gateway and a function: what cannot be serialized fails here too.
func roundTrip(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("serialize %T: %w", in, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("deserialize %T: %w", out, err)
	}
	return nil
}

// buildHTTPEvent makes the payload 2.0 event HTTP API sends to an
// integration.
func buildHTTPEvent(r *http.Request, route routes.Route, params map[string]string, body []byte, reqID string, now time.Time) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	var cookies []string
	for name, vals := range r.Header {
		lname := strings.ToLower(name)
		if lname == "cookie" {
			for _, v := range vals {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lname] = strings.Join(vals, ",")
	}
	host := r.Host
	headers["host"] = host
	sourceIP := remoteIP(r.RemoteAddr)
	headers["x-forwarded-for"] = sourceIP
	headers["x-forwarded-proto"] = "http"
	if _, port, err := net.SplitHostPort(host); err == nil {
		headers["x-forwarded-port"] = port
	}
	if len(body) > 0 {
		headers["content-length"] = strconv.Itoa(len(body))
	}
	domain := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		domain = h
	}

	var query map[string]string
	if r.URL.RawQuery != "" {
		query = map[string]string{}
		for k, vs := range r.URL.Query() {
			query[k] = strings.Join(vs, ",")
		}
	}
	if len(params) == 0 {
		params = nil
	}
	rawPath := r.URL.EscapedPath()

	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              route.Key(),
		RawPath:               rawPath,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     route.Key(),
			AccountID:    localAccountID,
			Stage:        localStage,
			RequestID:    reqID,
			APIID:        localAPIID,
			DomainName:   domain,
			DomainPrefix: strings.SplitN(domain, ".", 2)[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      rawPath,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isTextual(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// buildAuthorizerEvent makes the REQUEST authorizer event (payload 2.0) for
// an integration event. The identity sources are whichever of the
// Authorization header and the ?token= parameter the request carries: the
// authorizer is configured without required identity sources (API tokens
// may come as ?token= on GET routes), so it runs for every request and
// decides itself.
func buildAuthorizerEvent(ev events.APIGatewayV2HTTPRequest, region string) events.APIGatewayV2CustomAuthorizerV2Request {
	var identity []string
	if v := ev.Headers["authorization"]; v != "" {
		identity = append(identity, v)
	}
	if v := ev.QueryStringParameters["token"]; v != "" {
		identity = append(identity, v)
	}
	return events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0",
		Type:    "REQUEST",
		RouteArn: fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s%s", region, localAccountID, localAPIID,
			localStage, ev.RequestContext.HTTP.Method, ev.RawPath),
		IdentitySource:        identity,
		RouteKey:              ev.RouteKey,
		RawPath:               ev.RawPath,
		RawQueryString:        ev.RawQueryString,
		Cookies:               ev.Cookies,
		Headers:               ev.Headers,
		QueryStringParameters: ev.QueryStringParameters,
		RequestContext:        ev.RequestContext,
		PathParameters:        ev.PathParameters,
	}
}

// isTextual reports whether HTTP API passes a body of this content type as
// text; anything else arrives base64-encoded.
func isTextual(contentType string) bool {
	if contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript":
		return true
	}
	return false
}

// writeResponse writes an integration response as HTTP API does with
// payload 2.0: headers, multi-value headers, cookies as Set-Cookie, and the
// body decoded from base64 when the function encoded it.
func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) {
	h := w.Header()
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			h.Del("Content-Type")
			gatewayMessage(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		body = b
	}
	if h.Get("Content-Type") == "" && len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// gatewayMessage answers as API Gateway itself does, before or instead of
// an integration: {"message": "..."}.
func gatewayMessage(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func remoteIP(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// newRequestID makes an id shaped like HTTP API's (16 characters, base64).
func newRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
