package members

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// RolesInput is the body of PUT .../members/{userId}/roles.
type RolesInput struct {
	Roles []string `json:"roles"`
}

// NewMux returns the HTTP handlers of the members function.
func NewMux(svc *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnMembers, log)
	const base = "/v1/orgs/{orgId}/members"
	apigw.List(m, "GET "+base, func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]Member, string, error) {
		return svc.List(ctx, r.Caller, r.Param("orgId"), q.Limit, q.Cursor)
	})
	apigw.Handle(m, "POST "+base, http.StatusCreated, func(ctx context.Context, r *apigw.Request, in CreateInput) (*CreateResult, error) {
		return svc.Create(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.Handle(m, "GET "+base+"/{userId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*Member, error) {
		return svc.Read(ctx, r.Caller, r.Param("orgId"), r.Param("userId"))
	})
	apigw.Handle(m, "PATCH "+base+"/{userId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, p Patch) (*Member, error) {
		return svc.Update(ctx, r.Caller, r.Param("orgId"), r.Param("userId"), p)
	})
	apigw.Handle(m, "DELETE "+base+"/{userId}", 0, func(ctx context.Context, r *apigw.Request, q RemoveQuery) (apigw.Empty, error) {
		return apigw.Empty{}, svc.RemoveWith(ctx, r.Caller, r.Param("orgId"), r.Param("userId"), q)
	})
	apigw.Handle(m, "PUT "+base+"/{userId}/roles", http.StatusOK, func(ctx context.Context, r *apigw.Request, in RolesInput) (*Member, error) {
		return svc.SetRoles(ctx, r.Caller, r.Param("orgId"), r.Param("userId"), in.Roles)
	})
	apigw.Handle(m, "PUT "+base+"/{userId}/limits", http.StatusOK, func(ctx context.Context, r *apigw.Request, in Limits) (*Member, error) {
		return svc.SetLimits(ctx, r.Caller, r.Param("orgId"), r.Param("userId"), in)
	})
	apigw.Handle(m, "POST /v1/orgs/{orgId}/leave", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, svc.Leave(ctx, r.Caller, r.Param("orgId"))
	})
	return m
}
