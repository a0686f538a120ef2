package apigw

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Empty is the body of a route that takes none, and the answer of one that
// returns none (204 No Content).
type Empty struct{}

// Endpoint is a route a mux serves, with the Go types its handler decodes
// and encodes: the OpenAPI document is generated from these.
type Endpoint struct {
	Route  routes.Route
	In     reflect.Type // the JSON body (POST, PUT, PATCH) or the query (GET, DELETE)
	Out    reflect.Type // the JSON answer; Empty for 204
	Status int          // the status of a successful answer
}

var emptyType = reflect.TypeFor[Empty]()

// Handle registers a route whose handler takes In and answers Out.
// A body type with a BodyOptional method may also be sent empty. In is
// decoded from the JSON body on POST, PUT and PATCH (strictly: unknown
// fields, trailing data and oversize bodies are refused), and from the query
// string on GET and DELETE (fields tagged `query:"name"`); when In has a
// Validate method it runs before the handler. Out is encoded as JSON with
// status, or 204 when it is Empty. This is the one shape of every handler:
// decode, call one service method, answer.
func Handle[In, Out any](m *Mux, routeKey string, status int, h func(ctx context.Context, r *Request, in In) (Out, error)) {
	out := reflect.TypeFor[Out]()
	if out == emptyType {
		status = http.StatusNoContent
	}
	m.handle(routeKey, Endpoint{In: reflect.TypeFor[In](), Out: out, Status: status},
		func(ctx context.Context, r *Request) (Response, error) {
			var in In
			if err := r.bind(&in); err != nil {
				return Response{}, err
			}
			if v, ok := any(&in).(interface{ Validate() error }); ok {
				if err := v.Validate(); err != nil {
					return Response{}, err
				}
			}
			res, err := h(ctx, r, in)
			if err != nil {
				return Response{}, err
			}
			if out == emptyType {
				return NoContent()
			}
			return JSON(status, res)
		})
}

// bind fills in from the request: the body or the query string.
func (r *Request) bind(in any) error {
	if _, ok := in.(*Empty); ok {
		if hasBody(r.Event.RequestContext.HTTP.Method) {
			return r.emptyBody()
		}
		return nil
	}
	if hasBody(r.Event.RequestContext.HTTP.Method) {
		if _, ok := in.(interface{ BodyOptional() }); ok {
			if body, err := r.Body(); err != nil || len(strings.TrimSpace(string(body))) == 0 {
				return err
			}
		}
		return r.Decode(in)
	}
	return bindQuery(reflect.ValueOf(in).Elem(), r.Event.QueryStringParameters)
}

func hasBody(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// emptyBody accepts no body or an empty JSON object on routes that take
// none.
func (r *Request) emptyBody() error {
	body, err := r.Body()
	if err != nil {
		return err
	}
	if s := strings.TrimSpace(string(body)); s != "" && s != "{}" {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "body", Message: "this route takes no body"})
	}
	return nil
}

var timeType = reflect.TypeFor[time.Time]()

// bindQuery sets the fields tagged `query:"name"` (in embedded structs too)
// from the query string. Strings, integers, booleans and RFC 3339 times are
// understood; other query parameters are left alone (an embedded view's
// ?token= is the authorizer's).
func bindQuery(v reflect.Value, q map[string]string) error {
	var errs gatehouse.Validator
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(v.Field(i))
				continue
			}
			name := f.Tag.Get("query")
			if name == "" || !f.IsExported() {
				continue
			}
			raw, ok := q[name]
			if !ok || raw == "" {
				continue
			}
			fv := v.Field(i)
			switch {
			case f.Type == timeType || (f.Type.Kind() == reflect.Pointer && f.Type.Elem() == timeType):
				tm, err := time.Parse(time.RFC3339Nano, raw)
				if err != nil {
					errs.Add(name, "must be an RFC 3339 time")
					continue
				}
				tm = tm.UTC()
				if f.Type.Kind() == reflect.Pointer {
					fv.Set(reflect.ValueOf(&tm))
				} else {
					fv.Set(reflect.ValueOf(tm))
				}
			case f.Type.Kind() == reflect.String:
				fv.SetString(raw)
			case f.Type.Kind() == reflect.Int:
				n, err := strconv.Atoi(raw)
				if err != nil {
					errs.Add(name, "must be a whole number")
					continue
				}
				fv.SetInt(int64(n))
			case f.Type.Kind() == reflect.Bool:
				b, err := strconv.ParseBool(raw)
				if err != nil {
					errs.Add(name, "must be true or false")
					continue
				}
				fv.SetBool(b)
			default:
				panic("apigw: query field " + t.Name() + "." + f.Name + " has a type bindQuery does not know")
			}
		}
	}
	walk(v)
	return errs.Err()
}

// MaxPageLimit is the largest page a list returns; DefaultPageLimit the
// page when none is asked for.
const (
	MaxPageLimit     = 100
	DefaultPageLimit = 50
)

// PageQuery is the query of every list: limit (1-100, default 50) and the
// cursor of the page to read. Embed it in a list's query type.
type PageQuery struct {
	Limit  int    `query:"limit"`
	Cursor string `query:"cursor"`
}

// Validate checks the limit and fills the default.
func (p *PageQuery) Validate() error {
	if p.Limit == 0 {
		p.Limit = DefaultPageLimit
	}
	if p.Limit < 1 || p.Limit > MaxPageLimit {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "limit", Message: "must be a number from 1 to " + strconv.Itoa(MaxPageLimit)})
	}
	return nil
}

// Page is one page of a list, the one page type of the API: the items and,
// when there are more, the cursor of the next page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// NewPage builds a page; a nil slice answers as an empty list.
func NewPage[T any](items []T, next string) Page[T] {
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items, NextCursor: next}
}

// List registers a list route: the query Q (which embeds PageQuery) is
// bound and checked, and the handler's items and next cursor answer as a
// Page.
func List[Q, T any](m *Mux, routeKey string, h func(ctx context.Context, r *Request, q Q) ([]T, string, error)) {
	Handle(m, routeKey, http.StatusOK, func(ctx context.Context, r *Request, q Q) (Page[T], error) {
		items, next, err := h(ctx, r, q)
		if err != nil {
			return Page[T]{}, err
		}
		return NewPage(items, next), nil
	})
}
