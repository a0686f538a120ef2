package notfound

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestServe(t *testing.T) {
	tests := []struct {
		method, path string
		wantStatus   int
		wantCode     string
		wantAllow    string
	}{
		{"GET", "/v1/nothing-here", 404, "not_found", ""},
		{"GET", "/", 404, "not_found", ""},
		{"DELETE", "/v1/me", 405, "method_not_allowed", "GET, PATCH"},
		{"PATCH", "/v1/orgs/org_1/members", 405, "method_not_allowed", "GET, POST"},
		{"GET", "/v1/activate", 405, "method_not_allowed", "POST"},
		{"OPTIONS", "/v1/orgs/org_1", 405, "method_not_allowed", "GET, PATCH, DELETE"},
	}
	h := New(nil)
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			ev := events.APIGatewayV2HTTPRequest{RouteKey: "$default", RawPath: tt.path}
			ev.RequestContext.HTTP.Method = tt.method
			ev.RequestContext.RequestID = "req-1"
			resp, err := h.Serve(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
			}
			if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
				t.Fatalf("body %q: %v", resp.Body, err)
			}
			if resp.StatusCode != tt.wantStatus || p.Status != tt.wantStatus || p.Code != tt.wantCode {
				t.Errorf("got %d %+v, want %d %s", resp.StatusCode, p, tt.wantStatus, tt.wantCode)
			}
			if ct := resp.Headers["Content-Type"]; ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			if got := resp.Headers["Allow"]; got != tt.wantAllow {
				t.Errorf("Allow %q, want %q", got, tt.wantAllow)
			}
		})
	}
}
