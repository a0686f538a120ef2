package accounts_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/accounts"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/openapi"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

func ptr(s string) *string { return &s }

func TestProfilePatchValidation(t *testing.T) {
	tests := []struct {
		name      string
		patch     accounts.ProfilePatch
		wantField string // "" means valid
		wantLang  string
	}{
		{name: "empty patch", patch: accounts.ProfilePatch{}, wantField: "body"},
		{name: "name", patch: accounts.ProfilePatch{Name: ptr("Ada Lovelace")}},
		{name: "clear phone", patch: accounts.ProfilePatch{Phone: ptr("")}},
		{name: "e164 phone", patch: accounts.ProfilePatch{Phone: ptr("+34600123456")}},
		{name: "phone without plus", patch: accounts.ProfilePatch{Phone: ptr("600123456")}, wantField: "phone"},
		{name: "phone with letters", patch: accounts.ProfilePatch{Phone: ptr("+34abc")}, wantField: "phone"},
		{name: "iana zone", patch: accounts.ProfilePatch{TimeZone: ptr("Europe/Madrid")}},
		{name: "utc", patch: accounts.ProfilePatch{TimeZone: ptr("UTC")}},
		{name: "unknown zone", patch: accounts.ProfilePatch{TimeZone: ptr("Mars/Olympus")}, wantField: "timeZone"},
		{name: "local is not a zone", patch: accounts.ProfilePatch{TimeZone: ptr("Local")}, wantField: "timeZone"},
		{name: "language canonicalized", patch: accounts.ProfilePatch{Language: ptr("en-gb")}, wantLang: "en-GB"},
		{name: "language with script", patch: accounts.ProfilePatch{Language: ptr("zh-Hant-TW")}, wantLang: "zh-Hant-TW"},
		{name: "bad language", patch: accounts.ProfilePatch{Language: ptr("not a tag!")}, wantField: "language"},
		{name: "control characters in name", patch: accounts.ProfilePatch{Name: ptr("Ada\x00")}, wantField: "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.patch.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want valid", err)
				}
				if tt.wantLang != "" && *tt.patch.Language != tt.wantLang {
					t.Errorf("language = %q, want %q", *tt.patch.Language, tt.wantLang)
				}
				return
			}
			ge, ok := err.(*gatehouse.Error)
			if !ok || ge.Code != gatehouse.CodeValidation || len(ge.Fields) == 0 || ge.Fields[0].Field != tt.wantField {
				t.Fatalf("Validate = %v, want validation error on %s", err, tt.wantField)
			}
		})
	}
}

func TestCreateAndUpdateOrg(t *testing.T) {
	env := dynamotest.New(t)
	ctx := context.Background()
	now := env.Store.Now()
	u := &gatehouse.User{ID: "u1", Email: "ada@example.com", Status: gatehouse.StatusActive, ResourceLimit: 3, CreatedAt: now}
	if err := env.Store.CreateAccount(ctx, u, nil, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	svc := accounts.NewService(env.Store, authz.NewCatalogue(authz.DefaultResourceTypes))
	actor := gatehouse.Actor{UserID: "u1"}

	if _, err := svc.CreateOrg(ctx, actor, accounts.OrgInput{Name: ptr("  ")}); gatehouse.ErrorCode(err) != gatehouse.CodeValidation {
		t.Fatalf("blank name: %v", err)
	}
	env.Counter.Reset()
	o, err := svc.CreateOrg(ctx, actor, accounts.OrgInput{Name: ptr("Acme")})
	if err != nil {
		t.Fatal(err)
	}
	if n := env.Counter.Counts()["TransactWriteItems"]; n != 1 {
		t.Errorf("TransactWriteItems = %d, want 1", n)
	}
	m, err := env.Store.Membership(ctx, o.ID, "u1")
	if err != nil || !m.HasRole(authz.RoleOwner) || m.ResourceLimit != 3 || m.UserLimit != -1 {
		t.Errorf("creator membership = %+v, %v", m, err)
	}
	all := gatehouse.ResourceAccessAll
	o2, err := svc.UpdateOrg(ctx, actor, o.ID, accounts.OrgInput{Settings: &accounts.OrgSettingsChange{DefaultResourceAccess: &all}})
	if err != nil || o2.Name != "Acme" || o2.Settings.DefaultResourceAccess != all {
		t.Errorf("after settings patch: %+v, %v", o2, err)
	}
	bad := "everyone"
	if _, err := svc.UpdateOrg(ctx, actor, o.ID, accounts.OrgInput{Settings: &accounts.OrgSettingsChange{DefaultResourceAccess: &bad}}); gatehouse.ErrorCode(err) != gatehouse.CodeValidation {
		t.Errorf("bad setting: %v", err)
	}

	// A disabled account cannot create orgs, even with a valid token.
	u.Status = gatehouse.StatusDisabled
	if err := env.PutUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateOrg(ctx, actor, accounts.OrgInput{Name: ptr("Other")}); gatehouse.ErrorCode(err) != gatehouse.CodeForbidden {
		t.Errorf("disabled account created an org: %v", err)
	}
}

func TestOpenAPIListsEveryRoute(t *testing.T) {
	b := openapi.JSON()
	var parsed struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(b, &parsed); err != nil || parsed.OpenAPI != "3.1.0" {
		t.Fatalf("document: %v %q", err, parsed.OpenAPI)
	}
	n := 0
	ids := map[string]bool{}
	for _, ops := range parsed.Paths {
		for _, op := range ops {
			n++
			id, _ := op["operationId"].(string)
			if ids[id] {
				t.Errorf("duplicate operationId %s", id)
			}
			ids[id] = true
		}
	}
	if n != len(routes.Table) {
		t.Errorf("operations = %d, routes = %d", n, len(routes.Table))
	}
	for _, r := range routes.Table {
		op := parsed.Paths[r.Path][map[string]string{"GET": "get", "POST": "post", "PUT": "put", "PATCH": "patch", "DELETE": "delete"}[r.Method]]
		if op == nil {
			t.Errorf("%s missing from the document", r.Key())
		}
	}
}
