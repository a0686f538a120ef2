package apigw_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

type body struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func TestDecode(t *testing.T) {
	big := `{"name":"` + strings.Repeat("a", apigw.MaxBodyBytes) + `"}`
	tests := []struct {
		name      string
		body      string
		base64    bool
		wantCode  gatehouse.Code
		wantField string
	}{
		{name: "valid", body: `{"name":"a","count":2}`},
		{name: "valid base64", body: base64.StdEncoding.EncodeToString([]byte(`{"name":"a"}`)), base64: true},
		{name: "empty", body: "", wantCode: gatehouse.CodeValidation, wantField: "body"},
		{name: "malformed", body: `{"name":`, wantCode: gatehouse.CodeValidation, wantField: "body"},
		{name: "syntax error", body: `{"name" "a"}`, wantCode: gatehouse.CodeValidation, wantField: "body"},
		{name: "unknown field", body: `{"name":"a","admin":true}`, wantCode: gatehouse.CodeValidation, wantField: "admin"},
		{name: "wrong type", body: `{"count":"two"}`, wantCode: gatehouse.CodeValidation, wantField: "count"},
		{name: "trailing data", body: `{"name":"a"} {"name":"b"}`, wantCode: gatehouse.CodeValidation, wantField: "body"},
		{name: "not an object", body: `[1,2]`, wantCode: gatehouse.CodeValidation, wantField: "body"},
		{name: "too large", body: big, wantCode: gatehouse.CodePayloadTooLarge},
		{name: "too large base64", body: base64.StdEncoding.EncodeToString([]byte(big)), base64: true, wantCode: gatehouse.CodePayloadTooLarge},
		{name: "bad base64", body: "!!!", base64: true, wantCode: gatehouse.CodeValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &apigw.Request{Event: &events.APIGatewayV2HTTPRequest{Body: tt.body, IsBase64Encoded: tt.base64}}
			var b body
			err := r.Decode(&b)
			if got := gatehouse.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if tt.wantField != "" {
				var ge *gatehouse.Error
				if !errors.As(err, &ge) || len(ge.Fields) == 0 || ge.Fields[0].Field != tt.wantField {
					t.Errorf("fields = %+v, want field %q", ge, tt.wantField)
				}
			}
		})
	}
}

func TestMuxAnswersProblems(t *testing.T) {
	m := apigw.NewMux(routes.FnMe, nil)
	type query struct {
		Fail string `query:"fail"`
	}
	apigw.Handle(m, "GET /v1/me", http.StatusOK, func(ctx context.Context, r *apigw.Request, q query) (map[string]string, error) {
		switch q.Fail {
		case "limit":
			return nil, gatehouse.LimitExceeded("maxMembers", "the org has reached its member quota")
		case "internal":
			return nil, errors.New("dynamodb exploded at table gatehouse")
		}
		return map[string]string{"user": r.Caller.UserID}, nil
	})
	serve := func(q map[string]string) (apigw.Response, apigw.Problem) {
		resp, err := m.Serve(context.Background(), events.APIGatewayV2HTTPRequest{
			RouteKey: "GET /v1/me", RawPath: "/v1/me", QueryStringParameters: q,
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					Lambda: apigw.AllowContext(&gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u1"}})}},
		})
		if err != nil {
			t.Fatalf("Serve returned a Go error: %v", err)
		}
		var p apigw.Problem
		_ = json.Unmarshal([]byte(resp.Body), &p)
		return resp, p
	}

	resp, _ := serve(nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"u1"`) {
		t.Errorf("ok response = %d %s", resp.StatusCode, resp.Body)
	}
	resp, p := serve(map[string]string{"fail": "limit"})
	if resp.StatusCode != 409 || p.Code != gatehouse.CodeLimitExceeded || p.Limit != "maxMembers" ||
		resp.Headers["Content-Type"] != "application/problem+json" || p.Type == "" || p.Title == "" {
		t.Errorf("limit problem = %d %+v %v", resp.StatusCode, p, resp.Headers)
	}
	resp, p = serve(map[string]string{"fail": "internal"})
	if resp.StatusCode != 500 || p.Code != gatehouse.CodeInternal || strings.Contains(resp.Body, "dynamodb") {
		t.Errorf("internal problem leaks or is wrong: %d %s", resp.StatusCode, resp.Body)
	}
	if missing, want := m.Missing(), len(routes.ForFunction(routes.FnMe))-1; len(missing) != want {
		t.Errorf("Missing = %v, want the %d other routes of the me function", missing, want)
	}
	if eps := m.Endpoints(); len(eps) != 1 || eps[0].Route.Key() != "GET /v1/me" || eps[0].Status != 200 {
		t.Errorf("Endpoints = %+v", eps)
	}
}

// TestGuardRefusesBeforeTheHandler drives every kind of authorizer
// decision through the guard of a mux: a refusal is answered as
// problem+json with its code and reason, and the handler never runs.
func TestGuardRefusesBeforeTheHandler(t *testing.T) {
	ran := false
	m := apigw.NewMux(routes.FnOrgs, nil)
	apigw.Handle(m, "GET /v1/orgs/{orgId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (string, error) {
		ran = true
		return r.Caller.OrgID, nil
	})
	allowed := apigw.AllowContext(&gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u1"}, OrgID: "org_a"})
	tests := []struct {
		name       string
		lambda     map[string]any
		noAuth     bool
		org        string
		wantStatus int
		wantCode   gatehouse.Code
		wantReason string
	}{
		{"allowed", allowed, false, "org_a", 200, "", ""},
		{"no authorizer context", nil, true, "org_a", 403, gatehouse.CodeForbidden, gatehouse.ReasonNoDecision},
		{"empty context", map[string]any{}, false, "org_a", 403, gatehouse.CodeForbidden, gatehouse.ReasonNoDecision},
		{"allow without a user", map[string]any{apigw.CtxDecision: apigw.DecisionAllow}, false, "org_a", 403, gatehouse.CodeForbidden, gatehouse.ReasonNoDecision},
		{"decided for another org", allowed, false, "org_b", 403, gatehouse.CodeForbidden, gatehouse.ReasonNoDecision},
		{"unauthenticated", apigw.DenyContext(gatehouse.CodeUnauthenticated, gatehouse.ReasonUnauthenticated), false, "org_a", 401, gatehouse.CodeUnauthenticated, ""},
		{"disabled", apigw.DenyContext(gatehouse.CodeForbidden, gatehouse.ReasonDisabled), false, "org_a", 403, gatehouse.CodeForbidden, gatehouse.ReasonDisabled},
		{"expired", apigw.DenyContext(gatehouse.CodeExpired, gatehouse.ReasonExpired), false, "org_a", 403, gatehouse.CodeExpired, gatehouse.ReasonExpired},
		{"read-only", apigw.DenyContext(gatehouse.CodeForbidden, gatehouse.ReasonReadonly), false, "org_a", 403, gatehouse.CodeForbidden, gatehouse.ReasonReadonly},
		{"unavailable", apigw.DenyContext(gatehouse.CodeUnavailable, gatehouse.ReasonUnavailable), false, "org_a", 503, gatehouse.CodeUnavailable, gatehouse.ReasonUnavailable},
		{"unknown code", apigw.DenyContext("teapot", "x"), false, "org_a", 403, gatehouse.CodeForbidden, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran = false
			ev := events.APIGatewayV2HTTPRequest{RouteKey: "GET /v1/orgs/{orgId}", RawPath: "/v1/orgs/" + tt.org,
				PathParameters: map[string]string{"orgId": tt.org},
				RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}}
			if !tt.noAuth {
				ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: tt.lambda}
			}
			resp, err := m.Serve(context.Background(), ev)
			if err != nil {
				t.Fatalf("Serve returned a Go error: %v", err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.wantStatus, resp.Body)
			}
			if tt.wantStatus == 200 {
				if !ran {
					t.Error("handler did not run for an allowed request")
				}
				return
			}
			if ran {
				t.Error("handler ran for a refused request")
			}
			var p apigw.Problem
			if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || resp.Headers["Content-Type"] != "application/problem+json" {
				t.Fatalf("not problem+json: %v %s", resp.Headers, resp.Body)
			}
			if p.Code != tt.wantCode || p.Reason != tt.wantReason || p.Detail == "" {
				t.Errorf("problem = %+v, want code %q reason %q and a detail", p, tt.wantCode, tt.wantReason)
			}
			if tt.wantStatus == 503 && resp.Headers["Retry-After"] == "" {
				t.Error("503 without Retry-After")
			}
		})
	}
}

// TestQueryBinding reads typed queries: pages with their bounds and
// filters, and refuses what does not parse.
func TestQueryBinding(t *testing.T) {
	type q struct {
		apigw.PageQuery
		Since time.Time `query:"since"`
		Flag  bool      `query:"flag"`
	}
	var got q
	m := apigw.NewMux(routes.FnAudit, nil)
	apigw.Handle(m, "GET /v1/orgs/{orgId}/audit", http.StatusOK, func(ctx context.Context, r *apigw.Request, in q) (apigw.Empty, error) {
		got = in
		return apigw.Empty{}, nil
	})
	tests := []struct {
		query      map[string]string
		wantStatus int
		wantField  string
		wantLimit  int
	}{
		{nil, 204, "", apigw.DefaultPageLimit},
		{map[string]string{"limit": "7", "cursor": "abc", "token": "ignored", "flag": "true", "since": "2026-01-02T03:04:05Z"}, 204, "", 7},
		{map[string]string{"limit": "0"}, 204, "", apigw.DefaultPageLimit},
		{map[string]string{"limit": "101"}, 400, "limit", 0},
		{map[string]string{"limit": "-1"}, 400, "limit", 0},
		{map[string]string{"limit": "x"}, 400, "limit", 0},
		{map[string]string{"since": "yesterday"}, 400, "since", 0},
		{map[string]string{"flag": "maybe"}, 400, "flag", 0},
	}
	for _, tt := range tests {
		got = q{}
		resp, _ := m.Serve(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: "GET /v1/orgs/{orgId}/audit",
			PathParameters: map[string]string{"orgId": "o"}, QueryStringParameters: tt.query,
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					Lambda: apigw.AllowContext(&gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u"}, OrgID: "o"})}}})
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("%v: status %d, want %d (%s)", tt.query, resp.StatusCode, tt.wantStatus, resp.Body)
			continue
		}
		if tt.wantStatus == 400 {
			var p apigw.Problem
			_ = json.Unmarshal([]byte(resp.Body), &p)
			if len(p.Errors) == 0 || p.Errors[0].Field != tt.wantField {
				t.Errorf("%v: errors %+v, want field %q", tt.query, p.Errors, tt.wantField)
			}
			continue
		}
		if got.Limit != tt.wantLimit {
			t.Errorf("%v: limit %d, want %d", tt.query, got.Limit, tt.wantLimit)
		}
	}
	if got.Cursor != "" || got.Flag {
		t.Errorf("state leaked between requests: %+v", got)
	}
}

func TestHandleRefusesForeignRoute(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering another function's route did not panic")
		}
	}()
	apigw.Handle(apigw.NewMux(routes.FnMe, nil), "GET /v1/orgs/{orgId}", http.StatusOK,
		func(context.Context, *apigw.Request, apigw.Empty) (apigw.Empty, error) { return apigw.Empty{}, nil })
}
