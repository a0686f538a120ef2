package routes_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		method, path string
		wantKey      string
		wantParams   map[string]string
	}{
		{"GET", "/v1/me", "GET /v1/me", nil},
		{"GET", "/v1/orgs/org_1", "GET /v1/orgs/{orgId}", map[string]string{"orgId": "org_1"}},
		{"POST", "/v1/orgs/org_1/invites/inv_2/resend", "POST /v1/orgs/{orgId}/invites/{inviteId}/resend", map[string]string{"orgId": "org_1", "inviteId": "inv_2"}},
		{"POST", "/v1/invites/accept", "POST /v1/invites/accept", nil},
		{"DELETE", "/v1/orgs/o/resources/device/d1", "DELETE /v1/orgs/{orgId}/resources/{type}/{resourceId}", map[string]string{"orgId": "o", "type": "device", "resourceId": "d1"}},
		{"GET", "/v1/nope", "", nil},
		{"PUT", "/v1/me", "", nil},
		{"GET", "/v1/orgs//members", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r, params, ok := routes.Match(tt.method, tt.path)
			if tt.wantKey == "" {
				if ok {
					t.Fatalf("matched %s, want no match", r.Key())
				}
				return
			}
			if !ok || r.Key() != tt.wantKey {
				t.Fatalf("got %q ok=%v, want %q", r.Key(), ok, tt.wantKey)
			}
			for k, v := range tt.wantParams {
				if params[k] != v {
					t.Errorf("param %s = %q, want %q", k, params[k], v)
				}
			}
		})
	}
}

func TestTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range routes.Table {
		if seen[r.Key()] {
			t.Errorf("duplicate route %s", r.Key())
		}
		seen[r.Key()] = true
		if !slices.Contains(routes.HTTPFunctions, r.Function) {
			t.Errorf("%s: function %q is not an HTTP function", r.Key(), r.Function)
		}
		if r.Access == routes.Permission && (r.Permission == "" || !strings.Contains(r.Permission, ":")) {
			t.Errorf("%s: permission route without a permission", r.Key())
		}
		if r.Access == routes.Permission && !r.OrgScoped() {
			t.Errorf("%s: a permission is held in an org, but the path names none", r.Key())
		}
		if strings.Contains(r.Permission, "{") {
			p := r.RequiredPermission(map[string]string{"type": "device"})
			if p != "device:"+strings.SplitN(r.Permission, ":", 2)[1] {
				t.Errorf("%s: RequiredPermission = %q", r.Key(), p)
			}
		}
		if r.Summary == "" {
			t.Errorf("%s: no summary", r.Key())
		}
	}
	for _, fn := range routes.HTTPFunctions {
		if len(routes.ForFunction(fn)) == 0 {
			t.Errorf("function %s serves no route", fn)
		}
	}
}

func TestQueryTokenOnlyOnGET(t *testing.T) {
	for _, r := range routes.Table {
		if r.AcceptsQueryToken() != (r.Method == "GET" && r.Access != routes.Public) {
			t.Errorf("%s: AcceptsQueryToken = %v", r.Key(), r.AcceptsQueryToken())
		}
	}
}
