package localstack

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/accounts"
	"github.com/gatehouse-dev/gatehouse/shared/admin"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/audit"
	"github.com/gatehouse-dev/gatehouse/shared/authorizer"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/groups"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/limits"
	"github.com/gatehouse-dev/gatehouse/shared/members"
	"github.com/gatehouse-dev/gatehouse/shared/resources"
	"github.com/gatehouse-dev/gatehouse/shared/roles"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/sweep"
	"github.com/gatehouse-dev/gatehouse/shared/tokens"
	"github.com/gatehouse-dev/gatehouse/shared/triggers"
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
	// Invoke maps a function name (routes.FnTriggers...) to its handler for
	// the Lambda Invoke endpoint that cognito-local calls.
	Invoke map[string]InvokeHandler
	// Sweep runs the expiration sweep; nil until the sweeper exists.
	Sweep func(context.Context) error
}

// DefaultFunctions builds the real handlers from the dependencies, exactly
// as each functions/<name>/main.go does, so that the local stack runs the
// code that runs in AWS. Functions whose package does not exist yet are
// simply absent (their routes answer 500, their triggers fail).
func DefaultFunctions(d *app.Deps) (Functions, error) {
	f := Functions{
		HTTP:   map[string]HTTPHandler{},
		Invoke: map[string]InvokeHandler{},
	}
	f.Authorizer = authorizer.Function(d).Handle
	f.Invoke[routes.FnTriggers] = triggers.Function(d).Handle
	f.HTTP[routes.FnMe] = accounts.MeFunction(d).Serve
	f.HTTP[routes.FnOrgs] = accounts.OrgsFunction(d).Serve
	membersMux, err := members.Handler(d)
	if err != nil {
		return f, err
	}
	f.HTTP[routes.FnMembers] = membersMux.Serve
	invitesMux, err := invites.Handler(d)
	if err != nil {
		return f, err
	}
	f.HTTP[routes.FnInvites] = invitesMux.Serve
	f.HTTP[routes.FnRoles] = roles.NewMux(roles.NewService(d.Store(), d.Catalogue()), d.Log).Serve
	f.HTTP[routes.FnAudit] = audit.NewMux(audit.NewService(d.Store()), d.Log).Serve
	f.HTTP[routes.FnResources] = resources.Function(d).Serve
	f.HTTP[routes.FnGroups] = groups.Function(d).Serve
	f.HTTP[routes.FnTokens] = tokens.Function(d).Serve
	f.HTTP[routes.FnLimits] = limits.NewMux(limits.NewService(d.Store(), d.Catalogue()), d.Log).Serve
	f.HTTP[routes.FnAdmin] = admin.NewMux(admin.NewService(d.Store(), cognito.FromDeps(d), d.Catalogue()), d.Log).Serve
	f.Sweep = sweep.New(d.Store(), cognito.FromDeps(d), d.Log, sweep.Options{}).Drain
	return f, nil
}
