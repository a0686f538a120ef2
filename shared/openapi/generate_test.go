package openapi

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

type listQuery struct {
	Limit  int    `query:"limit"`
	Cursor string `query:"cursor"`
	Email  string `query:"email"`
}

type empty struct{}

type policyInput struct {
	Mode        *gatehouse.SignupMode `json:"mode" jsonschema:"default=open"`
	PersonalOrg *bool                 `json:"personalOrg"`
	Emails      []string              `json:"allowedEmails"`
}

func TestGenerateSketch(t *testing.T) {
	var eps []Endpoint
	for _, r := range routes.Table {
		ep := Endpoint{Route: r, In: reflect.TypeFor[empty](), Out: reflect.TypeFor[*gatehouse.User](), Status: 200}
		switch r.Key() {
		case "GET /v1/admin/users":
			ep.In = reflect.TypeFor[listQuery]()
			ep.Out = reflect.TypeFor[page[*gatehouse.User]]()
		case "PUT /v1/admin/signup-policy":
			ep.In = reflect.TypeFor[policyInput]()
			ep.Out = reflect.TypeFor[gatehouse.SignupPolicy]()
		case "GET /v1/me":
			ep.Out = reflect.TypeFor[*gatehouse.Account]()
		}
		if r.Method == http.MethodDelete {
			ep.Out = reflect.TypeFor[empty]()
		}
		eps = append(eps, ep)
	}
	b, err := Generate(eps, Options{Version: "1", Reasons: []string{gatehouse.ReasonDisabled, gatehouse.ReasonMissingPerm}})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/sketch.json", b, 0o644)
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
}
