package apigw_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

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
	m.Handle("GET /v1/me", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		switch r.Query("fail") {
		case "limit":
			return apigw.Response{}, gatehouse.LimitExceeded("maxMembers", "the org has reached its member quota")
		case "internal":
			return apigw.Response{}, errors.New("dynamodb exploded at table gatehouse")
		}
		return apigw.JSON(http.StatusOK, map[string]string{"user": r.Caller.UserID})
	})
	serve := func(q map[string]string) (apigw.Response, apigw.Problem) {
		resp, err := m.Serve(context.Background(), events.APIGatewayV2HTTPRequest{
			RouteKey: "GET /v1/me", RawPath: "/v1/me", QueryStringParameters: q,
			RequestContext: events.APIGatewayV2HTTPRequestContext{Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				Lambda: map[string]any{apigw.CtxUserID: "u1"}}},
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
	if missing := m.Missing(); len(missing) != 3 {
		t.Errorf("Missing = %v, want the 3 other routes of the me function", missing)
	}
}

func TestHandleRefusesForeignRoute(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering another function's route did not panic")
		}
	}()
	apigw.NewMux(routes.FnMe, nil).Handle("GET /v1/orgs/{orgId}", nil)
}
