package apigw_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// TestAnswersBeforeTheDeadline: a handler stuck on a dependency (one that
// ignores its context, or one that returns the context's error) is answered
// for with 503 unavailable and Retry-After before the invocation's deadline,
// so Lambda never kills the function without an answer
// (docs/reliability.md).
func TestAnswersBeforeTheDeadline(t *testing.T) {
	tests := []struct {
		name    string
		handler func(ctx context.Context) error
	}{
		{"handler ignores its context", func(ctx context.Context) error { time.Sleep(10 * time.Second); return nil }},
		{"handler returns the context's error", func(ctx context.Context) error {
			<-ctx.Done()
			return fmt.Errorf("cognito create user: %w", ctx.Err())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := apigw.NewMux(routes.FnActivate, nil)
			apigw.Handle(m, "POST /v1/activate", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
				return apigw.Empty{}, tt.handler(ctx)
			})
			// The mux answers AnswerMargin before the deadline: the margin
			// is the test's slack on a loaded machine.
			budget := apigw.AnswerMargin + 200*time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), budget)
			defer cancel()
			start := time.Now()
			resp, err := m.Serve(ctx, events.APIGatewayV2HTTPRequest{RouteKey: "POST /v1/activate", RawPath: "/v1/activate"})
			took := time.Since(start)
			if err != nil {
				t.Fatalf("Serve: %v", err)
			}
			if took >= budget {
				t.Errorf("answered after %v, want before the deadline (%v)", took, budget)
			}
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Headers["Retry-After"] == "" {
				t.Errorf("status %d, Retry-After %q, want 503 with Retry-After; body %s", resp.StatusCode, resp.Headers["Retry-After"], resp.Body)
			}
			p := apigw.ProblemFor(gatehouse.Errorf(gatehouse.CodeUnavailable, ""), "")
			if resp.Headers["Content-Type"] != "application/problem+json" || p.Status != http.StatusServiceUnavailable {
				t.Errorf("content type %q, want a problem", resp.Headers["Content-Type"])
			}
		})
	}
}
