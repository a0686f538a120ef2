package resources

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Function builds the `resources` function's mux from the configuration,
// exactly as functions/resources/main.go and the local stack run it.
func Function(d *app.Deps) *apigw.Mux {
	return NewMux(NewService(d.Store(), d.Catalogue()), d.Log)
}

// NewMux returns the `resources` function's routes.
func NewMux(s *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnResources, log)
	const base = "/v1/orgs/{orgId}/resources"
	m.Handle("POST "+base, func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		var in RegisterInput
		if err := r.Decode(&in); err != nil {
			return apigw.Response{}, err
		}
		v, err := s.Register(ctx, r.Caller, r.Param("orgId"), in)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusCreated, v)
	})
	m.Handle("GET "+base, func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		limit, err := r.PageLimit()
		if err != nil {
			return apigw.Response{}, err
		}
		p, err := s.List(ctx, r.Caller, r.Param("orgId"), r.Query("type"), r.Query("cursor"), limit)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, p)
	})
	m.Handle("DELETE "+base+"/{type}/{resourceId}", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		ref := dynamo.Ref{Type: r.Param("type"), ID: r.Param("resourceId")}
		if err := s.Unregister(ctx, r.Caller, r.Param("orgId"), ref); err != nil {
			return apigw.Response{}, err
		}
		return apigw.NoContent()
	})
	m.Handle("PUT "+base+"/{type}/{resourceId}/grants", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		var in GrantsInput
		if err := r.Decode(&in); err != nil {
			return apigw.Response{}, err
		}
		ref := dynamo.Ref{Type: r.Param("type"), ID: r.Param("resourceId")}
		v, err := s.SetGrants(ctx, r.Caller, r.Param("orgId"), ref, in)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, v)
	})
	m.Handle("POST /v1/orgs/{orgId}/authorize", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		var in CheckInput
		if err := r.Decode(&in); err != nil {
			return apigw.Response{}, err
		}
		out, err := s.Authorize(ctx, r.Caller, r.Param("orgId"), in)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, out)
	})
	return m
}
