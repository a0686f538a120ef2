package scim

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in        string
		attr, val string
		bad       bool
	}{
		{`userName eq "ada@example.com"`, "username", "ada@example.com", false},
		{`UserName EQ "Ada@Example.com"`, "username", "Ada@Example.com", false},
		{`emails[type eq "work"].value eq "a@b.io"`, "emails.value", "a@b.io", false},
		{`externalId eq "00u1"`, "externalid", "00u1", false},
		{`displayName eq "Field \"agents\""`, "displayname", `Field "agents"`, false},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x@y.z"`, "urn:ietf:params:scim:schemas:core:2.0:user:username", "x@y.z", false},
		{`active eq true`, "active", "true", false},
		{``, "", "", false},
		{`userName co "ada"`, "", "", true},
		{`userName sw "ada"`, "", "", true},
		{`userName eq "a@b.c" and active eq true`, "", "", true},
		{`userName eq ada`, "", "", true},
		{`userName pr`, "", "", true},
		{`(userName eq "x")`, "", "", true},
		{`userName eq "unterminated`, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := ParseFilter(tt.in)
			if tt.bad {
				if e, ok := err.(*gatehouse.Error); !ok || len(e.Fields) != 1 || e.Fields[0].Field != fieldFilter {
					t.Fatalf("ParseFilter(%q) = %+v, %v; want a validation error on filter (invalidFilter)", tt.in, f, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", tt.in, err)
			}
			if tt.attr == "" {
				if f != nil {
					t.Fatalf("ParseFilter(%q) = %+v, want none", tt.in, f)
				}
				return
			}
			if f == nil || f.Attr != tt.attr || f.Value != tt.val {
				t.Fatalf("ParseFilter(%q) = %+v, want %s = %q", tt.in, f, tt.attr, tt.val)
			}
		})
	}
}

func TestBoolValueAndValues(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		want bool
		bad  bool
	}{{`true`, true, false}, {`false`, false, false}, {`"False"`, false, false}, {`"TRUE"`, true, false}, {`"no"`, false, true}, {`0`, false, true}} {
		got, err := boolValue(json.RawMessage(tt.raw), "active")
		if (err != nil) != tt.bad || (!tt.bad && got != tt.want) {
			t.Errorf("boolValue(%s) = %v, %v; want %v (error %v)", tt.raw, got, err, tt.want, tt.bad)
		}
	}
	for _, tt := range []struct {
		raw  string
		want []string
		bad  bool
	}{
		{`[{"value":"a","display":"x"},{"value":"b"}]`, []string{"a", "b"}, false},
		{`{"value":"a"}`, []string{"a"}, false},
		{`["a","b"]`, []string{"a", "b"}, false},
		{`"a"`, []string{"a"}, false},
		{`null`, nil, false},
		{`[{"display":"x"}]`, nil, true},
		{`[1]`, nil, true},
	} {
		got, err := values(json.RawMessage(tt.raw), "members")
		if (err != nil) != tt.bad || !slices.Equal(got, tt.want) {
			t.Errorf("values(%s) = %v, %v; want %v (error %v)", tt.raw, got, err, tt.want, tt.bad)
		}
	}
}

func TestUserPatchOperations(t *testing.T) {
	f, tr := false, true
	tests := []struct {
		name   string
		body   string
		active *bool
		roles  []string
		add    []string
		remove []string
		bad    string // the field of the error
	}{
		{"Okta: replace with a value object", `{"Operations":[{"op":"replace","value":{"active":false}}]}`, &f, nil, nil, nil, ""},
		{"Entra: Replace active \"False\"", `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, &f, nil, nil, nil, ""},
		{"Entra: Add then Replace active True", `{"Operations":[{"op":"Add","path":"displayName","value":"x"},{"op":"Replace","path":"active","value":"True"}]}`, &tr, nil, nil, nil, ""},
		{"Entra: filtered email path ignored", `{"Operations":[{"op":"Add","path":"emails[type eq \"work\"].value","value":"a@b.io"}]}`, nil, nil, nil, nil, ""},
		{"roles replaced", `{"Operations":[{"op":"replace","path":"roles","value":[{"value":"developer"}]}]}`, nil, []string{"developer"}, nil, nil, ""},
		{"role removed by filter", `{"Operations":[{"op":"remove","path":"roles[value eq \"developer\"]"}]}`, nil, nil, nil, []string{"developer"}, ""},
		{"role added", `{"Operations":[{"op":"add","path":"roles","value":["viewer"]}]}`, nil, nil, []string{"viewer"}, nil, ""},
		{"unknown op", `{"Operations":[{"op":"move","path":"active","value":false}]}`, nil, nil, nil, nil, "op"},
		{"remove without a path", `{"Operations":[{"op":"remove"}]}`, nil, nil, nil, nil, fieldNoTarget},
		{"active removed", `{"Operations":[{"op":"remove","path":"active"}]}`, nil, nil, nil, nil, fieldImmutable},
		{"no operations", `{"Operations":[]}`, nil, nil, nil, nil, "Operations"},
		{"value not an object without a path", `{"Operations":[{"op":"replace","value":false}]}`, nil, nil, nil, nil, "value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in PatchInput
			if err := json.Unmarshal([]byte(tt.body), &in); err != nil {
				t.Fatal(err)
			}
			var ch userChange
			err := in.validate()
			for _, op := range in.Operations {
				if err != nil {
					break
				}
				err = ch.apply(op)
			}
			if tt.bad != "" {
				if e, ok := err.(*gatehouse.Error); !ok || e.Fields[0].Field != tt.bad {
					t.Fatalf("got %v, want a validation error on %s", err, tt.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (ch.active == nil) != (tt.active == nil) || (ch.active != nil && *ch.active != *tt.active) {
				t.Errorf("active = %v, want %v", ch.active, tt.active)
			}
			if (tt.roles == nil) != (ch.roles == nil) || (ch.roles != nil && !slices.Equal(*ch.roles, tt.roles)) {
				t.Errorf("roles = %v, want %v", ch.roles, tt.roles)
			}
			if !slices.Equal(ch.addRoles, tt.add) || !slices.Equal(ch.removeRoles, tt.remove) {
				t.Errorf("add %v remove %v, want %v %v", ch.addRoles, ch.removeRoles, tt.add, tt.remove)
			}
		})
	}
}

// The SCIM routes answer SCIM errors with the scimType the failure names;
// the token routes keep problem+json.
func TestRewrite(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		status   int
		scimType string
	}{
		{"invalid filter", gatehouse.Invalid(gatehouse.FieldError{Field: fieldFilter, Message: "x"}), 400, TypeInvalidFilter},
		{"invalid path", gatehouse.Invalid(gatehouse.FieldError{Field: fieldPath, Message: "x"}), 400, TypeInvalidPath},
		{"malformed body", gatehouse.Invalid(gatehouse.FieldError{Field: fieldBody, Message: "x"}), 400, TypeInvalidSyntax},
		{"immutable", gatehouse.Invalid(gatehouse.FieldError{Field: fieldImmutable, Message: "x"}), 400, TypeMutability},
		{"other invalid value", gatehouse.Invalid(gatehouse.FieldError{Field: "roles", Message: "x"}), 400, TypeInvalidValue},
		{"exists", gatehouse.Errorf(gatehouse.CodeConflict, "exists"), 409, TypeUniqueness},
		{"forbidden", gatehouse.Forbidden(gatehouse.ReasonEscalation, "no"), 403, ""},
		{"not found", gatehouse.NotFound("user"), 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := apigw.ProblemFor(tt.err, "")
			ev := &events.APIGatewayV2HTTPRequest{RouteKey: "GET /v1/orgs/{orgId}/scim/v2/Users"}
			r := Rewrite(ev, apigw.ProblemResponse(p))
			var e Error
			if err := json.Unmarshal([]byte(r.Body), &e); err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != tt.status || r.Headers["Content-Type"] != MediaType || e.Status != itoa(tt.status) ||
				e.ScimType != tt.scimType || e.Schemas[0] != SchemaError || e.Code != p.Code || e.Reason != p.Reason {
				t.Errorf("got %d %s %s, want %d scimType %q", r.StatusCode, r.Headers["Content-Type"], r.Body, tt.status, tt.scimType)
			}
			tokens := Rewrite(&events.APIGatewayV2HTTPRequest{RouteKey: "POST /v1/orgs/{orgId}/scim/tokens"}, apigw.ProblemResponse(p))
			if tokens.Headers["Content-Type"] != "application/problem+json" {
				t.Errorf("a token route answered %s, want problem+json", tokens.Headers["Content-Type"])
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
