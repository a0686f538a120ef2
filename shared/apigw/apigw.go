// Package apigw adapts API Gateway HTTP API (payload format 2.0) events to
// Gatehouse handlers: routing by route key, the caller from the authorizer's
// context, strict JSON decoding with a size limit, and RFC 9457 problem+json
// errors.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// MaxBodyBytes is the largest request body accepted (64 KiB).
const MaxBodyBytes = 64 << 10

// Request is what a handler gets: the event, the caller and path parameters.
type Request struct {
	Event  *events.APIGatewayV2HTTPRequest
	Caller *gatehouse.Caller
}

// Param returns a path parameter.
func (r *Request) Param(name string) string { return r.Event.PathParameters[name] }

// Query returns a query string parameter.
func (r *Request) Query(name string) string { return r.Event.QueryStringParameters[name] }

// Body returns the raw request body, decoded from base64 when API Gateway
// encoded it, refusing bodies over MaxBodyBytes.
func (r *Request) Body() ([]byte, error) { return r.bodyUpTo(MaxBodyBytes) }

// bodyUpTo is Body with another bound (HandleLarge).
func (r *Request) bodyUpTo(maxBytes int) ([]byte, error) {
	body := []byte(r.Event.Body)
	if r.Event.IsBase64Encoded {
		if base64.StdEncoding.DecodedLen(len(r.Event.Body)) > maxBytes+4 {
			return nil, tooLargeThan(maxBytes)
		}
		b, err := base64.StdEncoding.DecodeString(r.Event.Body)
		if err != nil {
			return nil, gatehouse.Errorf(gatehouse.CodeValidation, "the body is not valid base64")
		}
		body = b
	}
	if len(body) > maxBytes {
		return nil, tooLargeThan(maxBytes)
	}
	return body, nil
}

func tooLargeThan(maxBytes int) error {
	return gatehouse.Errorf(gatehouse.CodePayloadTooLarge, "the request body is larger than %d bytes", maxBytes)
}

// Decode reads the JSON body into v: unknown fields, trailing data and
// bodies over MaxBodyBytes are refused with a problem the client can act on.
func (r *Request) Decode(v any) error { return r.decodeUpTo(v, MaxBodyBytes) }

// decodeUpTo is Decode with another bound (HandleLarge).
func (r *Request) decodeUpTo(v any, maxBytes int) error {
	body, err := r.bodyUpTo(maxBytes)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "body", Message: "a JSON object is required"})
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "body", Message: "unexpected data after the JSON object"})
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return gatehouse.Invalid(gatehouse.FieldError{Field: "body", Message: fmt.Sprintf("malformed JSON at byte %d", syn.Offset)})
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return gatehouse.Invalid(gatehouse.FieldError{Field: field, Message: "must be " + jsonKind(typ.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return gatehouse.Invalid(gatehouse.FieldError{Field: name, Message: "unknown field"})
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return gatehouse.Invalid(gatehouse.FieldError{Field: "body", Message: "truncated JSON"})
	}
	return gatehouse.Invalid(gatehouse.FieldError{Field: "body", Message: "not a valid JSON object"})
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "a number"
}

// Response is an HTTP API response.
type Response = events.APIGatewayV2HTTPResponse

// JSON answers with a JSON body.
func JSON(status int, v any) (Response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Response{}, fmt.Errorf("encode response: %w", err)
	}
	return Response{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		Body:       string(b),
	}, nil
}

// NoContent answers 204.
func NoContent() (Response, error) {
	return Response{StatusCode: http.StatusNoContent, Headers: map[string]string{"Cache-Control": "no-store"}}, nil
}

// Problem is an RFC 9457 problem details body with Gatehouse's extensions.
type Problem struct {
	Type     string                 `json:"type"`
	Title    string                 `json:"title"`
	Status   int                    `json:"status"`
	Detail   string                 `json:"detail,omitempty"`
	Instance string                 `json:"instance,omitempty"`
	Code     gatehouse.Code         `json:"code"`
	Reason   string                 `json:"reason,omitempty"`
	Limit    string                 `json:"limit,omitempty"`
	Errors   []gatehouse.FieldError `json:"errors,omitempty"`
}

// InstanceOf is the problem instance of a request: its request id as a
// URN, what a client quotes to support.
func InstanceOf(requestID string) string {
	if requestID == "" {
		return ""
	}
	return "urn:gatehouse:request:" + requestID
}

// ProblemFor builds the problem of an error; anything but *gatehouse.Error
// becomes an opaque internal error.
func ProblemFor(err error, instance string) Problem {
	e, ok := errors.AsType[*gatehouse.Error](err)
	if !ok {
		e = &gatehouse.Error{Code: gatehouse.CodeInternal, Message: "internal error"}
	}
	status := e.HTTPStatus()
	return Problem{
		Type:     "urn:gatehouse:problem:" + string(e.Code),
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   e.Message,
		Instance: instance,
		Code:     e.Code,
		Reason:   e.Reason,
		Limit:    e.Limit,
		Errors:   e.Fields,
	}
}

// ProblemResponse renders a problem as application/problem+json.
func ProblemResponse(p Problem) Response {
	b, _ := json.Marshal(p)
	return Response{
		StatusCode: p.Status,
		Headers:    map[string]string{"Content-Type": "application/problem+json", "Cache-Control": "no-store"},
		Body:       string(b),
	}
}

// handlerFunc serves one route. Expected failures are returned as
// *gatehouse.Error and become problem responses.
type handlerFunc func(ctx context.Context, r *Request) (Response, error)

// Mux dispatches the routes of one function by the event's route key.
type Mux struct {
	function  string
	handlers  map[string]handlerFunc
	endpoints []Endpoint
	log       *slog.Logger
	rewrite   func(*events.APIGatewayV2HTTPRequest, Response) Response // rewrite.go
	idem      *IdempotencyStore                                        // nil: Idempotency-Key is ignored (idempotency.go)
}

// NewMux returns an empty mux for a function of the route table.
func NewMux(function string, log *slog.Logger) *Mux {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Mux{function: function, handlers: map[string]handlerFunc{}, log: log}
}

// handle registers the handler of a route key ("GET /v1/me"). It panics when
// the route is not in the route table for this function, or registered
// twice: a wiring mistake caught by every test that builds the mux.
func (m *Mux) handle(routeKey string, e Endpoint, h handlerFunc) {
	r, ok := routes.ByKey(routeKey)
	if !ok || r.Function != m.function {
		panic(fmt.Sprintf("apigw: route %q is not a route of function %q", routeKey, m.function))
	}
	if _, dup := m.handlers[routeKey]; dup {
		panic(fmt.Sprintf("apigw: route %q registered twice", routeKey))
	}
	e.Route = r
	m.handlers[routeKey] = h
	m.endpoints = append(m.endpoints, e)
}

// Endpoints lists the routes the mux serves with their body types.
func (m *Mux) Endpoints() []Endpoint { return slices.Clone(m.endpoints) }

// Missing lists the function's routes of the table that have no handler.
func (m *Mux) Missing() []string {
	var out []string
	for _, r := range routes.ForFunction(m.function) {
		if _, ok := m.handlers[r.Key()]; !ok {
			out = append(out, r.Key())
		}
	}
	return out
}

// Serve handles one HTTP API event; it is the Lambda handler of the
// function. Before any handler code runs it answers, as problem+json, a
// request the authorizer refused or that carries no readable decision
// (fail closed), and one whose caller was decided for another org.
func (m *Mux) Serve(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (served events.APIGatewayV2HTTPResponse, serveErr error) {
	if m.rewrite != nil {
		defer func() { served = m.rewrite(&ev, served) }()
	}
	log := m.log.With("requestId", ev.RequestContext.RequestID, "route", ev.RouteKey)
	// The instance names the request, for support, never the path: a
	// refusal must not echo the ids of orgs the caller may not see.
	instance := InstanceOf(ev.RequestContext.RequestID)
	route, known := routes.ByKey(ev.RouteKey)
	h, ok := m.handlers[ev.RouteKey]
	if !known || !ok {
		log.Warn("no handler for route")
		return ProblemResponse(ProblemFor(gatehouse.NotFound("route"), instance)), nil
	}
	if route.Access != routes.Public {
		if refusal := guard(route, &ev); refusal != nil {
			p := ProblemFor(refusal, instance)
			log.Info("request refused", "code", p.Code, "reason", p.Reason, "status", p.Status, "stage", "authorizer")
			return withRetryAfter(ProblemResponse(p)), nil
		}
	}
	req := &Request{Event: &ev, Caller: CallerFrom(&ev)}
	log = log.With("org", req.Caller.OrgID, "actor", req.Caller.UserID)
	if observe, ok := ctx.Value(observerKey{}).(func()); ok {
		observe()
	}
	resp, err := m.idempotent(ctx, route, h, req)
	if err != nil {
		p := ProblemFor(unavailableIfDeadline(err), instance)
		switch p.Code {
		case gatehouse.CodeInternal:
			log.Error("request failed", "error", err)
		case gatehouse.CodeUnavailable:
			log.Warn("dependency unavailable", "error", err)
		default:
			log.Info("request refused", "code", p.Code, "reason", p.Reason, "status", p.Status)
		}
		return withRetryAfter(ProblemResponse(p)), nil
	}
	log.Info("request served", "status", resp.StatusCode)
	return resp, nil
}

// observerKey carries a function called when a handler starts, after the
// guard let the request through.
type observerKey struct{}

// WithHandlerObserver returns a context under which Serve calls observe
// when a handler starts: instrumentation, such as the local stack's record
// of which requests reached a handler (docs/local-stack.md).
func WithHandlerObserver(ctx context.Context, observe func()) context.Context {
	return context.WithValue(ctx, observerKey{}, observe)
}

// guard is the refusal of a request before its handler: the authorizer's
// own, or a decision made for another org than the route's.
func guard(route routes.Route, ev *events.APIGatewayV2HTTPRequest) *gatehouse.Error {
	if refusal := Refusal(ev); refusal != nil {
		return refusal
	}
	if route.OrgScoped() && get(lambdaContext(ev), CtxOrgID) != ev.PathParameters["orgId"] {
		return gatehouse.Forbidden(gatehouse.ReasonNoDecision, "%s", refusalMessages[gatehouse.ReasonNoDecision])
	}
	return nil
}
