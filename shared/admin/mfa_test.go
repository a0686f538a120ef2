package admin_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/admin"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// totpAccounts answers HasTOTP from a set of subs; the other calls are not
// made.
type totpAccounts struct {
	admin.Accounts
	totp map[string]bool
}

func (a totpAccounts) HasTOTP(_ context.Context, sub string) (bool, error) {
	return a.totp[sub], nil
}

// TestPlatformAdminsNeedMFA: where the deployment requires it, every
// platform admin route refuses an admin without a TOTP authenticator with
// 403 mfa_required, before doing anything; with one, or where it is not
// required, the route runs.
func TestPlatformAdminsNeedMFA(t *testing.T) {
	env := dynamotest.New(t)
	cat := authz.NewCatalogue(authz.DefaultResourceTypes)
	// The admin is asked about by its sub, whatever its email says.
	accounts := totpAccounts{totp: map[string]bool{"sub-with": true}}
	serve := func(required bool, email string) int {
		m := admin.NewMux(admin.NewService(env.Store, accounts, cat).WithAdminMFA(required), slog.New(slog.DiscardHandler))
		caller := &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "sub-" + strings.ToLower(strings.SplitN(email, "@", 2)[0]), Email: email, PlatformAdmin: true}}
		resp, err := m.Serve(context.Background(), events.APIGatewayV2HTTPRequest{
			RouteKey: "GET /v1/admin/signup-policy", RawPath: "/v1/admin/signup-policy",
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: apigw.AllowContext(caller)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	tests := []struct {
		required bool
		email    string
		want     int
	}{
		{true, "without@example.com", http.StatusForbidden},
		{true, "With@elsewhere.example", http.StatusOK},
		{false, "without@example.com", http.StatusOK},
	}
	for _, tt := range tests {
		if got := serve(tt.required, tt.email); got != tt.want {
			t.Errorf("required=%v %s: status %d, want %d", tt.required, tt.email, got, tt.want)
		}
	}
	if e, _ := errors.AsType[*gatehouse.Error](authz.PlatformAdminMFA(true, false)); e == nil || e.Reason != gatehouse.ReasonMFARequired {
		t.Errorf("reason %v, want %s", e, gatehouse.ReasonMFARequired)
	}
}
