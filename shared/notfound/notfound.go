// Package notfound answers the HTTP API's $default route (routes.Default):
// every request that matches no route of the table. An unknown path is a
// 404 and a known path with another method a 405 with an Allow header, both
// problem+json like every other refusal of the API, rather than API
// Gateway's bare {"message":"Not Found"}.
//
// The route is public: no authorizer runs before it, so this function
// reads nothing and is granted nothing.
package notfound

import (
	"context"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Handler answers the $default route.
type Handler struct {
	log *slog.Logger
}

// New returns the handler.
func New(log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{log: log}
}

// Serve is the Lambda handler (payload 2.0).
func (h *Handler) Serve(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	method := ev.RequestContext.HTTP.Method
	instance := apigw.InstanceOf(ev.RequestContext.RequestID)
	allowed := routes.AllowedMethods(ev.RawPath)
	// The path is logged as the client sent it; the query (which may
	// carry ?token=) never is.
	log := h.log.With("requestId", ev.RequestContext.RequestID, "route", ev.RouteKey, "method", method, "path", ev.RawPath)
	if len(allowed) == 0 {
		log.Info("no such route")
		return apigw.ProblemResponse(apigw.ProblemFor(gatehouse.NotFound("route"), instance)), nil
	}
	allow := strings.Join(allowed, ", ")
	log.Info("method not allowed", "allow", allow)
	resp := apigw.ProblemResponse(apigw.ProblemFor(&gatehouse.Error{Code: gatehouse.CodeMethodNotAllowed,
		Message: method + " is not allowed here; use " + allow}, instance))
	resp.Headers["Allow"] = allow
	return resp, nil
}
