package domains

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// NewMux returns the `domains` function's routes.
func NewMux(s *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnDomains, log)
	const base = "/v1/orgs/{orgId}/domains"
	apigw.List(m, "GET "+base, func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]*gatehouse.Domain, string, error) {
		return s.List(ctx, r.Param("orgId"), q.Limit, q.Cursor)
	})
	apigw.Handle(m, "POST "+base, http.StatusCreated, func(ctx context.Context, r *apigw.Request, in AddInput) (*gatehouse.Domain, error) {
		return s.Add(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.Handle(m, "POST "+base+"/{domain}/verify", http.StatusOK, func(ctx context.Context, r *apigw.Request, in VerifyInput) (*gatehouse.Domain, error) {
		return s.Verify(ctx, r.Caller, r.Param("orgId"), r.Param("domain"), in)
	})
	apigw.Handle(m, "PUT "+base+"/{domain}/policy", http.StatusOK, func(ctx context.Context, r *apigw.Request, in PolicyInput) (*gatehouse.Domain, error) {
		return s.SetPolicy(ctx, r.Caller, r.Param("orgId"), r.Param("domain"), in)
	})
	apigw.Handle(m, "DELETE "+base+"/{domain}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, s.Remove(ctx, r.Caller, r.Param("orgId"), r.Param("domain"))
	})
	apigw.Handle(m, "GET /v1/me/suggested-orgs", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Page[SuggestedOrg], error) {
		items, err := s.SuggestedOrgs(ctx, r.Caller)
		return apigw.NewPage(items, ""), err
	})
	apigw.Handle(m, "POST /v1/me/suggested-orgs/join", http.StatusCreated, func(ctx context.Context, r *apigw.Request, in JoinInput) (*gatehouse.Membership, error) {
		return s.Join(ctx, r.Caller, in)
	})
	return m
}
