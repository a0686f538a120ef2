package openapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

type pageQuery struct {
	Limit  int    `query:"limit" jsonschema:"minimum=1,maximum=100,default=50"`
	Cursor string `query:"cursor"`
}

type usersQuery struct {
	pageQuery
	Email string `query:"email" jsonschema:"required"`
}

type none struct{}

// body has one field of each kind settleFields decides on.
type body struct {
	Name     string                `json:"name"`
	Note     string                `json:"note,omitempty"`
	When     time.Time             `json:"when,omitzero"`
	Mode     *gatehouse.SignupMode `json:"mode" jsonschema:"default=open"`
	Enabled  *bool                 `json:"enabled"`
	Limit    int                   `json:"limit" jsonschema:"default=-1"`
	Raw      json.RawMessage       `json:"raw"`
	Emails   []string              `json:"emails"`
	Status   gatehouse.Status      `json:"status"`
	Internal int                   `json:"-"`
	*inner   `json:",omitempty"`
	Owner    string   `json:"ownerEmail,omitempty"`
	Allowed  []string `json:"allowedEmails,omitempty"`
}

// inner is embedded through an optional pointer: its fields are optional.
type inner struct {
	Deep string `json:"deep"`
}

type optionalBody struct {
	Message string `json:"message,omitempty"`
}

func (optionalBody) BodyOptional() {}

// sketch gives every route of the table an endpoint, with a few real shapes.
func sketch() []Endpoint {
	var eps []Endpoint
	for _, r := range routes.Table {
		ep := Endpoint{Route: r, In: reflect.TypeFor[none](), Out: reflect.TypeFor[*gatehouse.User](), Status: http.StatusOK}
		switch r.Key() {
		case "GET /v1/admin/users":
			ep.In = reflect.TypeFor[usersQuery]()
			ep.Out = reflect.TypeFor[page[*gatehouse.User]]()
		case "PUT /v1/admin/signup-policy":
			ep.In = reflect.TypeFor[body]()
			ep.Out = reflect.TypeFor[gatehouse.SignupPolicy]()
		case "POST /v1/orgs/{orgId}/invites/{inviteId}/resend":
			ep.In = reflect.TypeFor[optionalBody]()
		case "GET /v1/me":
			ep.Out = reflect.TypeFor[*gatehouse.Account]()
		}
		if r.Method == http.MethodDelete {
			ep.Out = reflect.TypeFor[none]()
		}
		eps = append(eps, ep)
	}
	return eps
}

func generate(t *testing.T, eps []Endpoint) map[string]any {
	t.Helper()
	b, err := Generate(eps, Options{Version: "1", Reasons: []string{gatehouse.ReasonMissingPerm, gatehouse.ReasonDisabled}})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	return doc
}

// at walks the document by keys.
func at(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for i, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s is not an object", strings.Join(keys[:i], "/"))
		}
		v = m[k]
	}
	return v
}

func TestFieldsRequiredNullableDefault(t *testing.T) {
	doc := generate(t, sketch())
	s := at(t, doc, "components", "schemas", "Body").(map[string]any)
	var required []string
	for _, r := range s["required"].([]any) {
		required = append(required, r.(string))
	}
	want := []string{"emails", "name", "status"}
	if !slices.Equal(required, want) {
		t.Errorf("required = %v, want %v (omitempty, omitzero, pointers, defaults and raw JSON are optional)", required, want)
	}
	props := s["properties"].(map[string]any)
	for _, name := range []string{"Internal", "-"} {
		if _, ok := props[name]; ok {
			t.Errorf("property %q is in the schema; want only JSON fields", name)
		}
	}
	tests := []struct {
		prop string
		key  string
		want any
	}{
		{"enabled", "type", []any{"boolean", "null"}},
		{"limit", "default", float64(-1)},
		{"when", "format", "date-time"},
		{"status", "$ref", "#/components/schemas/Status"},
		{"ownerEmail", "format", "email"},
		{"deep", "type", "string"},
	}
	for _, tt := range tests {
		if got := at(t, props, tt.prop, tt.key); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s.%s = %v, want %v", tt.prop, tt.key, got, tt.want)
		}
	}
	if got := at(t, props, "allowedEmails", "items", "format"); got != "email" {
		t.Errorf("allowedEmails items format = %v, want email", got)
	}
	if s["additionalProperties"] != false {
		t.Errorf("additionalProperties = %v, want false: bodies are decoded strictly", s["additionalProperties"])
	}
}

func TestOperations(t *testing.T) {
	doc := generate(t, sketch())
	tests := []struct {
		name   string
		path   string
		method string
		check  func(t *testing.T, op map[string]any)
	}{
		{"public route has no security and no 401", "/v1/activate", "post", func(t *testing.T, op map[string]any) {
			if sec := op["security"].([]any); len(sec) != 0 {
				t.Errorf("security = %v, want none", sec)
			}
			if _, ok := at(t, op, "responses").(map[string]any)["401"]; ok {
				t.Errorf("a public route declares 401")
			}
		}},
		{"org GET takes both tokens and ?token=", "/v1/orgs/{orgId}/members", "get", func(t *testing.T, op map[string]any) {
			var got []string
			for _, s := range op["security"].([]any) {
				for k := range s.(map[string]any) {
					got = append(got, k)
				}
			}
			want := []string{SchemeAccessToken, SchemeAPIToken, SchemeQueryToken, SchemeImpersonation}
			if !slices.Equal(got, want) {
				t.Errorf("security = %v, want %v", got, want)
			}
		}},
		{"org write takes no ?token=", "/v1/orgs/{orgId}/members", "post", func(t *testing.T, op map[string]any) {
			if n := len(op["security"].([]any)); n != 3 {
				t.Errorf("security has %d schemes, want access token, API token and impersonation", n)
			}
			for _, s := range []string{"400", "401", "403", "404", "409", "413"} {
				if at(t, op, "responses", s) == nil {
					t.Errorf("a body route of an org does not declare %s", s)
				}
			}
		}},
		{"admin route takes the access token only", "/v1/admin/users", "get", func(t *testing.T, op map[string]any) {
			if n := len(op["security"].([]any)); n != 1 {
				t.Errorf("security has %d schemes, want the access token only", n)
			}
			params := op["parameters"].([]any)
			var names []string
			for _, p := range params {
				names = append(names, p.(map[string]any)["name"].(string))
			}
			if !slices.Equal(names, []string{"limit", "cursor", "email"}) {
				t.Errorf("query parameters = %v, want embedded ones first", names)
			}
			if got := at(t, params[0], "schema", "maximum"); got != float64(100) {
				t.Errorf("limit maximum = %v, want 100", got)
			}
			if got := at(t, params[2], "required"); got != true {
				t.Errorf("email required = %v, want true", got)
			}
			if got := at(t, op, "responses", "200", "content", "application/json", "schema", "$ref"); got != "#/components/schemas/UserPage" {
				t.Errorf("page schema = %v, want UserPage", got)
			}
		}},
		{"DELETE answers 204 without a body", "/v1/orgs/{orgId}", "delete", func(t *testing.T, op map[string]any) {
			r := at(t, op, "responses", "204").(map[string]any)
			if _, ok := r["content"]; ok {
				t.Errorf("204 has content")
			}
			if op["operationId"] != "deleteOrg" {
				t.Errorf("operationId = %v, want deleteOrg", op["operationId"])
			}
		}},
		{"optional body", "/v1/orgs/{orgId}/invites/{inviteId}/resend", "post", func(t *testing.T, op map[string]any) {
			if got := at(t, op, "requestBody", "required"); got != false {
				t.Errorf("requestBody.required = %v, want false for a BodyOptional type", got)
			}
		}},
		{"PUT says omitted fields take defaults", "/v1/admin/signup-policy", "put", func(t *testing.T, op map[string]any) {
			if !strings.Contains(op["description"].(string), "`mode` left out is `\"open\"`") {
				t.Errorf("description %q does not say what an omitted field becomes", op["description"])
			}
			ex := at(t, op, "requestBody", "content", "application/json", "example").(map[string]any)
			if ex["mode"] != "open" || ex["limit"] != float64(-1) {
				t.Errorf("example %v does not show the defaults", ex)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, ok := at(t, doc, "paths", tt.path, tt.method).(map[string]any)
			if !ok {
				t.Fatalf("no operation %s %s", tt.method, tt.path)
			}
			tt.check(t, op)
		})
	}
}

func TestProblemReasonsAndCodes(t *testing.T) {
	doc := generate(t, sketch())
	if got := at(t, doc, "components", "schemas", "Problem", "properties", "reason", "$ref"); got != "#/components/schemas/Reason" {
		t.Fatalf("Problem.reason = %v, want the Reason enum", got)
	}
	reasons := at(t, doc, "components", "schemas", "Reason", "enum")
	if want := []any{gatehouse.ReasonDisabled, gatehouse.ReasonMissingPerm}; !reflect.DeepEqual(reasons, want) {
		t.Errorf("reasons = %v, want %v (sorted)", reasons, want)
	}
	codes := at(t, doc, "components", "schemas", "ErrorCode", "enum").([]any)
	if len(codes) != len(gatehouse.HTTPStatus) {
		t.Errorf("%d codes, want one per gatehouse code (%d)", len(codes), len(gatehouse.HTTPStatus))
	}
	for _, pr := range problemStatuses {
		ex := at(t, doc, "components", "responses", pr.name, "content", "application/problem+json", "example").(map[string]any)
		if ex["status"] != float64(gatehouse.HTTPStatus[pr.code]) {
			t.Errorf("%s example: status %v, code %s answers %d", pr.name, ex["status"], pr.code, gatehouse.HTTPStatus[pr.code])
		}
	}
}

func TestGenerateRefusesAnIncompleteTable(t *testing.T) {
	eps := sketch()
	if _, err := Generate(eps[1:], Options{}); err == nil || !strings.Contains(err.Error(), routes.Table[0].Key()) {
		t.Errorf("Generate without %s: %v, want an error naming it", routes.Table[0].Key(), err)
	}
	if _, err := Generate(append(eps, eps[0]), Options{}); err == nil {
		t.Errorf("Generate with %s twice: no error", eps[0].Route.Key())
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[gatehouse.User](), "User"},
		{reflect.TypeFor[page[*gatehouse.User]](), "UserPage"},
		{reflect.TypeFor[page[gatehouse.Role]](), "RolePage"},
	}
	for _, tt := range tests {
		if got := baseName(tt.typ); got != tt.want {
			t.Errorf("baseName(%s) = %q, want %q", tt.typ, got, tt.want)
		}
	}
	ids := map[string]string{
		"GET /v1/orgs/{orgId}/members":                          "getOrgMembers",
		"PUT /v1/orgs/{orgId}/members/{userId}/roles":           "putOrgMemberRoles",
		"DELETE /v1/orgs/{orgId}/resources/{type}/{resourceId}": "deleteOrgResource",
		"GET /v1/openapi.json":                                  "getOpenapiJson",
		"POST /v1/invites/accept":                               "postInvitesAccept",
	}
	for key, want := range ids {
		r, ok := routes.ByKey(key)
		if !ok {
			t.Fatalf("no route %s", key)
		}
		if got := operationID(r); got != want {
			t.Errorf("operationID(%s) = %q, want %q", key, got, want)
		}
	}
}
