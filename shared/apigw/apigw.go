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
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// MaxBodyBytes is the largest request body accepted (64 KiB).
const MaxBodyBytes = 64 << 10

// Context keys the authorizer puts in its simple response and the functions
// read back from requestContext.authorizer.lambda. Values are strings.
const (
	CtxUserID        = "userId"
	CtxEmail         = "email"
	CtxOrgID         = "orgId"
	CtxRoles         = "roles"       // space-separated effective roles
	CtxPermissions   = "permissions" // space-separated effective permissions
	CtxPlatformAdmin = "platformAdmin"
	CtxTokenID       = "tokenId"
	CtxExpiresAt     = "expiresAt" // the caller's effective expiry ceiling, RFC 3339, "" if none
)

// Caller is the authenticated caller of a request, as the authorizer
// established it. Functions trust it because API Gateway only fills it from
// the authorizer's response.
type Caller struct {
	UserID        string
	Email         string
	OrgID         string
	Roles         []string
	Permissions   []string
	PlatformAdmin bool
	TokenID       string
	ExpiresAt     string
	RequestID     string
	SourceIP      string
}

// Has reports whether the caller holds perm in the route's org.
func (c Caller) Has(perm string) bool {
	for _, p := range c.Permissions {
		if p == perm {
			return true
		}
	}
	return false
}

// HasRole reports whether the caller holds role (effective) in the org.
func (c Caller) HasRole(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Actor is the caller as the domain records it.
func (c Caller) Actor() gatehouse.Actor {
	return gatehouse.Actor{UserID: c.UserID, Email: c.Email, PlatformAdmin: c.PlatformAdmin,
		TokenID: c.TokenID, RequestID: c.RequestID, SourceIP: c.SourceIP}
}

// CallerFrom reads the caller from an HTTP API event.
func CallerFrom(ev *events.APIGatewayV2HTTPRequest) Caller {
	c := Caller{RequestID: ev.RequestContext.RequestID, SourceIP: ev.RequestContext.HTTP.SourceIP}
	if ev.RequestContext.Authorizer == nil {
		return c
	}
	lc := ev.RequestContext.Authorizer.Lambda
	get := func(k string) string {
		switch v := lc[k].(type) {
		case string:
			return v
		case bool:
			return strconv.FormatBool(v)
		case nil:
			return ""
		default:
			return fmt.Sprint(v)
		}
	}
	c.UserID = get(CtxUserID)
	c.Email = get(CtxEmail)
	c.OrgID = get(CtxOrgID)
	c.Roles = strings.Fields(get(CtxRoles))
	c.Permissions = strings.Fields(get(CtxPermissions))
	c.PlatformAdmin = get(CtxPlatformAdmin) == "true"
	c.TokenID = get(CtxTokenID)
	c.ExpiresAt = get(CtxExpiresAt)
	return c
}

// Request is what a handler gets: the event, the caller and path parameters.
type Request struct {
	Event  *events.APIGatewayV2HTTPRequest
	Caller Caller
}

// Param returns a path parameter.
func (r *Request) Param(name string) string { return r.Event.PathParameters[name] }

// Query returns a query string parameter.
func (r *Request) Query(name string) string { return r.Event.QueryStringParameters[name] }

// Body returns the raw request body, decoded from base64 when API Gateway
// encoded it, refusing bodies over MaxBodyBytes.
func (r *Request) Body() ([]byte, error) {
	body := []byte(r.Event.Body)
	if r.Event.IsBase64Encoded {
		if base64.StdEncoding.DecodedLen(len(r.Event.Body)) > MaxBodyBytes+4 {
			return nil, tooLarge()
		}
		b, err := base64.StdEncoding.DecodeString(r.Event.Body)
		if err != nil {
			return nil, gatehouse.Errorf(gatehouse.CodeValidation, "the body is not valid base64")
		}
		body = b
	}
	if len(body) > MaxBodyBytes {
		return nil, tooLarge()
	}
	return body, nil
}

func tooLarge() error {
	return gatehouse.Errorf(gatehouse.CodePayloadTooLarge, "the request body is larger than %d bytes", MaxBodyBytes)
}

// Decode reads the JSON body into v: unknown fields, trailing data and
// bodies over MaxBodyBytes are refused with a problem the client can act on.
func (r *Request) Decode(v any) error {
	body, err := r.Body()
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

// HandlerFunc serves one route. Expected failures are returned as
// *gatehouse.Error and become problem responses.
type HandlerFunc func(ctx context.Context, r *Request) (Response, error)

// Mux dispatches the routes of one function by the event's route key.
type Mux struct {
	function string
	handlers map[string]HandlerFunc
	log      *slog.Logger
}

// NewMux returns an empty mux for a function of the route table.
func NewMux(function string, log *slog.Logger) *Mux {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Mux{function: function, handlers: map[string]HandlerFunc{}, log: log}
}

// Handle registers the handler of a route key ("GET /v1/me"). It panics when
// the route is not in the route table for this function: a wiring mistake
// caught by every test that builds the mux.
func (m *Mux) Handle(routeKey string, h HandlerFunc) {
	r, ok := routes.ByKey(routeKey)
	if !ok || r.Function != m.function {
		panic(fmt.Sprintf("apigw: route %q is not a route of function %q", routeKey, m.function))
	}
	m.handlers[routeKey] = h
}

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

// Serve handles one HTTP API event; it is the Lambda handler of the function.
func (m *Mux) Serve(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	req := &Request{Event: &ev, Caller: CallerFrom(&ev)}
	log := m.log.With("requestId", ev.RequestContext.RequestID, "route", ev.RouteKey,
		"org", req.Caller.OrgID, "actor", req.Caller.UserID)
	h, ok := m.handlers[ev.RouteKey]
	if !ok {
		log.Warn("no handler for route")
		return ProblemResponse(ProblemFor(gatehouse.NotFound("route"), ev.RawPath)), nil
	}
	resp, err := h(ctx, req)
	if err != nil {
		p := ProblemFor(err, ev.RawPath)
		if p.Code == gatehouse.CodeInternal {
			log.Error("request failed", "error", err)
		} else {
			log.Info("request refused", "code", p.Code, "reason", p.Reason, "status", p.Status)
		}
		return ProblemResponse(p), nil
	}
	log.Info("request served", "status", resp.StatusCode)
	return resp, nil
}

// MaxPageLimit is the largest page a list returns.
const MaxPageLimit = 100

// PageLimit reads a list's ?limit= (1 to MaxPageLimit); 0 when absent, for
// the store's default.
func (r *Request) PageLimit() (int, error) {
	q := r.Query("limit")
	if q == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < 1 || n > MaxPageLimit {
		return 0, gatehouse.Invalid(gatehouse.FieldError{Field: "limit", Message: fmt.Sprintf("must be a number from 1 to %d", MaxPageLimit)})
	}
	return n, nil
}
