package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps the errors reported to it instead
// of failing the test: the contract check's own failures are checked here.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

// TestContractCheckCatchesMismatches feeds the contract check exchanges
// that contradict the document and one that matches it: a check that
// cannot fail would pass every e2e test whatever the API answered.
func TestContractCheckCatchesMismatches(t *testing.T) {
	t.Parallel()
	json := http.Header{"Content-Type": []string{"application/json"}}
	problem := http.Header{"Content-Type": []string{"application/problem+json"}}
	me := `{"id":"u1","email":"ana@example.com","emailVerified":true,"status":"active","resourceLimit":-1,` +
		`"createdAt":"2026-03-02T09:30:00Z","updatedAt":"2026-03-02T09:30:00Z","memberships":[]}`
	notFound := `{"type":"urn:gatehouse:problem:not_found","title":"Not Found","status":404,"code":"not_found"}`
	tests := []struct {
		name    string
		method  string
		path    string
		bearer  string
		body    string
		status  int
		header  http.Header
		resp    string
		wantErr string // "" when the exchange matches the document
	}{
		{"a matching answer", "GET", "/v1/me", "a.b.c", "", 200, json, me, ""},
		{"a property the schema does not list", "GET", "/v1/me", "a.b.c", "", 200, json,
			strings.Replace(me, `"id":"u1"`, `"id":"u1","secret":"x"`, 1), "does not match"},
		{"a wrong type", "GET", "/v1/me", "a.b.c", "", 200, json,
			strings.Replace(me, `"resourceLimit":-1`, `"resourceLimit":"-1"`, 1), "does not match"},
		{"a missing required property", "GET", "/v1/me", "a.b.c", "", 200, json,
			strings.Replace(me, `"status":"active",`, ``, 1), "does not match"},
		{"an undeclared status", "GET", "/v1/me", "a.b.c", "", http.StatusTeapot, problem, notFound, "does not match"},
		{"a problem sent as plain JSON", "GET", "/v1/orgs/o1", "a.b.c", "", 404, json, notFound, "does not match"},
		{"a problem with an unknown code", "GET", "/v1/orgs/o1", "a.b.c", "", 404, problem,
			strings.Replace(notFound, `"code":"not_found"`, `"code":"gone"`, 1), "does not match"},
		{"a refused body answered 2xx", "PATCH", "/v1/me", "a.b.c", `{"nickname":"x"}`, 200, json, me, "the document refuses"},
		{"a body property of a wrong type answered 2xx", "PATCH", "/v1/me", "a.b.c", `{"name":5}`, 200, json, me, "the document refuses"},
		{"a required body missing answered 2xx", "PATCH", "/v1/me", "a.b.c", "", 200, json, me, "the document refuses"},
		{"a date-time that is not one", "GET", "/v1/me", "a.b.c", "", 200, json,
			strings.Replace(me, `"createdAt":"2026-03-02T09:30:00Z"`, `"createdAt":"yesterday"`, 1), "does not match"},
		{"a problem that is not the Problem schema", "GET", "/v1/nowhere", "", "", 404, problem, `{"status":"404"}`, "does not match"},
		{"no credential answered 2xx", "GET", "/v1/me", "", "", 200, json, me, "the document refuses"},
		{"a parameter out of range answered 2xx", "GET", "/v1/orgs/o1/members?limit=1000", "a.b.c", "", 200, json, `{"items":[]}`, "the document refuses"},
		{"a parameter of a wrong type answered 2xx", "GET", "/v1/orgs/o1/members?limit=many", "a.b.c", "", 200, json, `{"items":[]}`, "the document refuses"},
		{"an unknown path answered 200", "GET", "/v1/nowhere", "", "", 200, json, me, "matches no operation"},
		{"an unknown path answered 404 problem", "GET", "/v1/nowhere", "", "", 404, problem, notFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, stack().Info.APIURL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+tt.bearer)
			}
			rec := &recorder{TB: t}
			ex := checkRequest(rec, req, []byte(tt.body))
			ex.checkResponse(rec, tt.status, tt.header, []byte(tt.resp))
			got := strings.Join(rec.errs, "\n")
			switch {
			case tt.wantErr == "" && got != "":
				t.Errorf("the check refused a matching exchange:\n%s", got)
			case tt.wantErr != "" && !strings.Contains(got, tt.wantErr):
				t.Errorf("check errors %q, want one saying %q", got, tt.wantErr)
			}
		})
	}
}
