package resources

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// ListQuery is the query of GET /v1/orgs/{orgId}/resources: the page and
// an optional resource type.
type ListQuery struct {
	apigw.PageQuery
	Type string `query:"type"`
}

// NewMux returns the `resources` function's routes.
func NewMux(s *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnResources, log)
	const base = "/v1/orgs/{orgId}/resources"
	ref := func(r *apigw.Request) gatehouse.Ref {
		return gatehouse.Ref{Type: r.Param("type"), ID: r.Param("resourceId")}
	}
	apigw.Handle(m, "POST "+base, http.StatusCreated, func(ctx context.Context, r *apigw.Request, in RegisterInput) (*View, error) {
		return s.Register(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.List(m, "GET "+base, func(ctx context.Context, r *apigw.Request, q ListQuery) ([]*View, string, error) {
		return s.List(ctx, r.Caller, r.Param("orgId"), q.Type, q.Limit, q.Cursor)
	})
	apigw.Handle(m, "DELETE "+base+"/{type}/{resourceId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, s.Unregister(ctx, r.Caller, r.Param("orgId"), ref(r))
	})
	apigw.Handle(m, "PUT "+base+"/{type}/{resourceId}/grants", http.StatusOK, func(ctx context.Context, r *apigw.Request, in GrantsInput) (*View, error) {
		return s.SetGrants(ctx, r.Caller, r.Param("orgId"), ref(r), in)
	})
	apigw.Handle(m, "POST /v1/orgs/{orgId}/authorize", http.StatusOK, func(ctx context.Context, r *apigw.Request, in CheckInput) (*CheckOutput, error) {
		return s.Authorize(ctx, r.Caller, r.Param("orgId"), in)
	})
	collectionRoutes(m, s) // issue 17: collections and lifecycle
	return m
}
