package imports

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// NewMux returns the `imports` function's routes.
func NewMux(s *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnImports, log)
	const base = "/v1/orgs/{orgId}/imports"
	apigw.HandleLarge(m, "POST "+base, http.StatusCreated, MaxBodyBytes, func(ctx context.Context, r *apigw.Request, in Input) (*gatehouse.ImportJob, error) {
		return s.Run(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.List(m, "GET "+base, func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]*gatehouse.ImportJob, string, error) {
		return s.List(ctx, r.Param("orgId"), q.Limit, q.Cursor)
	})
	apigw.Handle(m, "GET "+base+"/{importId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*gatehouse.ImportJob, error) {
		return s.Get(ctx, r.Param("orgId"), r.Param("importId"))
	})
	return m
}
