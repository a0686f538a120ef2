// Package events_test keeps the sample events true: each one decodes
// strictly into its aws-lambda-go type and drives the real handler.
package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/accounts"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authorizer"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/jwtverify"
	"github.com/gatehouse-dev/gatehouse/shared/triggers"
)

// load reads a sample strictly: a field the events type does not know means
// the sample (or our idea of the payload) is wrong.
func load(t *testing.T, name string, v any) []byte {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s does not decode into %T: %v", name, v, err)
	}
	return raw
}

func TestSamplesDecode(t *testing.T) {
	tests := []struct {
		file string
		into any
	}{
		{"http-api-request.json", &events.APIGatewayV2HTTPRequest{}},
		{"authorizer-request.json", &events.APIGatewayV2CustomAuthorizerV2Request{}},
		{"cognito-pre-signup.json", &events.CognitoEventUserPoolsPreSignup{}},
		{"cognito-post-confirmation.json", &events.CognitoEventUserPoolsPostConfirmation{}},
		{"cognito-pre-token-generation.json", &events.CognitoEventUserPoolsPreTokenGen{}},
		{"eventbridge-scheduled.json", &events.EventBridgeEvent{}},
		// The event stream's publisher (docs/events.md).
		{"dynamodb-stream-audit.json", &events.DynamoDBEvent{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) { load(t, tt.file, tt.into) })
	}
}

func TestHTTPRequestSampleServedByOrgsFunction(t *testing.T) {
	env := dynamotest.New(t)
	ctx := context.Background()
	var ev events.APIGatewayV2HTTPRequest
	load(t, "http-api-request.json", &ev)
	c := ev.RequestContext.Authorizer.Lambda
	now := env.Store.Now()
	u := &gatehouse.User{ID: c["userId"].(string), Email: c["email"].(string), Status: gatehouse.StatusActive, CreatedAt: now}
	org := &gatehouse.Org{ID: ev.PathParameters["orgId"], Name: "Acme", CreatedAt: now}
	if err := env.Store.CreateAccount(ctx, u, org, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	mux := accounts.NewOrgsMux(accounts.NewService(env.Store, authz.NewCatalogue(authz.DefaultResourceTypes)), nil)
	resp, err := mux.Serve(ctx, ev)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET org: status %d, err %v, body %s", resp.StatusCode, err, resp.Body)
	}
	var got gatehouse.Org
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || got.ID != org.ID || got.Name != "Acme" {
		t.Errorf("body = %s", resp.Body)
	}
}

func TestAuthorizerSampleWithoutCredentialIsUnauthorized(t *testing.T) {
	env := dynamotest.New(t)
	var req events.APIGatewayV2CustomAuthorizerV2Request
	load(t, "authorizer-request.json", &req)
	a := authorizer.New(authorizer.Options{
		Verifier:  jwtverify.New("http://127.0.0.1:1/pool", "client", "http://127.0.0.1:1/pool/.well-known/jwks.json"),
		Store:     env.Store,
		Catalogue: authz.NewCatalogue(authz.DefaultResourceTypes),
	})
	// The refusal travels in the context (the function's guard answers
	// 401 problem+json); the authorizer itself never errors.
	resp, err := a.Handle(context.Background(), req)
	if err != nil || !resp.IsAuthorized || resp.Context[apigw.CtxDecision] != apigw.DecisionDeny ||
		resp.Context[apigw.CtxCode] != string(gatehouse.CodeUnauthenticated) {
		t.Fatalf("got authorized=%v context=%v err=%v, want a deny decision with code unauthenticated", resp.IsAuthorized, resp.Context, err)
	}
}

func invoke(t *testing.T, h *triggers.Handler, file string) (json.RawMessage, error) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return h.Handle(context.Background(), raw)
}

func TestCognitoTriggerSamples(t *testing.T) {
	env := dynamotest.New(t)
	ctx := context.Background()
	h := triggers.New(env.Store, nil)
	var pc events.CognitoEventUserPoolsPostConfirmation
	load(t, "cognito-post-confirmation.json", &pc)
	sub := pc.Request.UserAttributes["sub"]

	t.Run("pre sign-up allowed by the open default", func(t *testing.T) {
		if _, err := invoke(t, h, "cognito-pre-signup.json"); err != nil {
			t.Fatalf("refused: %v", err)
		}
	})
	t.Run("pre sign-up refused outside the allowlist", func(t *testing.T) {
		p := gatehouse.DefaultSignupPolicy()
		p.Mode, p.AllowedDomains = gatehouse.SignupAllowlist, []string{"other.example"}
		if err := env.Store.PutSignupPolicy(ctx, p, gatehouse.Actor{}); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = env.Store.PutSignupPolicy(ctx, gatehouse.DefaultSignupPolicy(), gatehouse.Actor{}) }()
		if _, err := invoke(t, h, "cognito-pre-signup.json"); !errors.Is(err, triggers.ErrSignupRefused) {
			t.Fatalf("err = %v, want ErrSignupRefused", err)
		}
		p.AllowedDomains = []string{"@EXAMPLE.com"}
		_ = env.Store.PutSignupPolicy(ctx, p, gatehouse.Actor{})
		if _, err := invoke(t, h, "cognito-pre-signup.json"); err != nil {
			t.Fatalf("allowlisted domain refused: %v", err)
		}
	})
	t.Run("post confirmation creates profile and personal org, once", func(t *testing.T) {
		for range 2 {
			if _, err := invoke(t, h, "cognito-post-confirmation.json"); err != nil {
				t.Fatal(err)
			}
		}
		u, err := env.Store.User(ctx, sub)
		if err != nil || u.Email != "ada@example.com" || !u.EmailVerified || u.Name != "Ada Lovelace" {
			t.Fatalf("profile = %+v, %v", u, err)
		}
		ms, err := env.Store.MembershipsOfUser(ctx, sub)
		if err != nil || len(ms) != 1 || !ms[0].HasRole(authz.RoleOwner) {
			t.Fatalf("memberships = %+v, %v; want one personal org as owner", ms, err)
		}
	})
	t.Run("pre token generation strips custom claims", func(t *testing.T) {
		out, err := invoke(t, h, "cognito-pre-token-generation.json")
		if err != nil {
			t.Fatal(err)
		}
		var ev events.CognitoEventUserPoolsPreTokenGen
		if err := json.Unmarshal(out, &ev); err != nil {
			t.Fatal(err)
		}
		if s := ev.Response.ClaimsOverrideDetails.ClaimsToSuppress; len(s) != 1 || s[0] != "custom:role" {
			t.Errorf("suppressed = %v, want [custom:role]", s)
		}
	})
	t.Run("pre token generation refuses a disabled account", func(t *testing.T) {
		u, _ := env.Store.User(ctx, sub)
		u.Status = gatehouse.StatusDisabled
		if err := env.PutUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := invoke(t, h, "cognito-pre-token-generation.json"); !errors.Is(err, triggers.ErrAccountDisabled) {
			t.Fatalf("err = %v, want ErrAccountDisabled", err)
		}
	})
}

func TestScheduledEventSample(t *testing.T) {
	var ev events.EventBridgeEvent
	load(t, "eventbridge-scheduled.json", &ev)
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" {
		t.Errorf("scheduled event = %+v", ev)
	}
}
