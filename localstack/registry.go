package localstack

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/wiring"
)

// HTTPHandler is the Lambda handler of a function behind the HTTP API
// (payload format 2.0).
type HTTPHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// AuthorizerHandler is the Lambda REQUEST authorizer with simple responses.
type AuthorizerHandler func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)

// InvokeHandler is a function invoked by name through the Lambda Invoke API
// with a raw JSON payload (Cognito triggers, the sweeper).
type InvokeHandler func(context.Context, json.RawMessage) (json.RawMessage, error)

// Functions is what the local stack runs: the same handlers the Lambda
// functions run in AWS, keyed by the function names of the route table.
type Functions struct {
	// HTTP maps a function name (routes.FnMe...) to its handler. A route
	// whose function is missing answers 500, as API Gateway does when its
	// integration fails.
	HTTP map[string]HTTPHandler
	// Authorizer runs before every non-public route. When nil, such routes
	// answer 500: the gateway fails closed.
	Authorizer AuthorizerHandler
	// Invoke maps a function name (routes.FnTriggers, routes.FnSweeper) to
	// its handler for the Lambda Invoke endpoint that cognito-local calls
	// and for the sweep schedule.
	Invoke map[string]InvokeHandler
}

// DefaultFunctions builds every function of the route table with its
// constructor of the wiring table (shared/wiring), the one each
// functions/<name>/main.go starts in Lambda, so that the local stack runs
// the code that runs in AWS. Functions outside the HTTP API are called as
// the Lambda runtime calls them: their JSON payload decoded into the
// handler's event type (lambda.NewHandler).
func DefaultFunctions(d *app.Deps) (Functions, error) {
	built, err := wiring.Build(d)
	if err != nil {
		return Functions{}, err
	}
	f := Functions{HTTP: map[string]HTTPHandler{}, Invoke: map[string]InvokeHandler{}}
	for name, fn := range built {
		h := fn.LambdaHandler()
		switch {
		case fn.Mux != nil:
			f.HTTP[name] = fn.Mux.Serve
		case isHTTPHandler(h):
			// The $default route's function serves no route of the table,
			// so it has a handler but no mux.
			f.HTTP[name] = h.(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
		case name == routes.FnAuthorizer:
			f.Authorizer = authorizerHandler(lambda.NewHandler(h))
		default:
			f.Invoke[name] = invokeHandler(lambda.NewHandler(h))
		}
	}
	return f, nil
}

func isHTTPHandler(h any) bool {
	_, ok := h.(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	return ok
}

func invokeHandler(h lambda.Handler) InvokeHandler {
	return func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		return h.Invoke(ctx, payload)
	}
}

func authorizerHandler(h lambda.Handler) AuthorizerHandler {
	return func(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		var out events.APIGatewayV2CustomAuthorizerSimpleResponse
		in, err := json.Marshal(req)
		if err != nil {
			return out, err
		}
		b, err := h.Invoke(ctx, in)
		if err != nil {
			return out, err
		}
		if err := json.Unmarshal(b, &out); err != nil {
			return out, fmt.Errorf("authorizer response: %w", err)
		}
		return out, nil
	}
}
