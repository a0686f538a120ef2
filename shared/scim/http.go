package scim

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// NewMux returns the `scim` function's routes: the org's SCIM tokens
// (Gatehouse's API, problem+json) and the SCIM protocol under
// /v1/orgs/{orgId}/scim/v2 (application/scim+json, SCIM errors; Rewrite).
func NewMux(s *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnScim, log)
	m.Rewrite(Rewrite)
	const tokens = "/v1/orgs/{orgId}/scim/tokens"
	apigw.Handle(m, "POST "+tokens, http.StatusCreated, func(ctx context.Context, r *apigw.Request, in TokenInput) (*TokenCreated, error) {
		return s.CreateToken(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.List(m, "GET "+tokens, func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]*gatehouse.ScimToken, string, error) {
		return s.ListTokens(ctx, r.Param("orgId"), q.Limit, q.Cursor)
	})
	apigw.Handle(m, "DELETE "+tokens+"/{tokenId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, s.RevokeToken(ctx, r.Caller, r.Param("orgId"), r.Param("tokenId"))
	})

	const base = "/v1/orgs/{orgId}/scim/v2"
	doc := func(path string, d func() Doc) {
		apigw.Handle(m, "GET "+base+path, http.StatusOK, func(context.Context, *apigw.Request, apigw.Empty) (Doc, error) { return d(), nil })
	}
	doc("/ServiceProviderConfig", func() Doc { return ServiceProviderConfig })
	doc("/ResourceTypes", func() Doc { return ResourceTypes })
	doc("/Schemas", Schemas)

	apigw.Handle(m, "GET "+base+"/Users", http.StatusOK, func(ctx context.Context, r *apigw.Request, q ListQuery) (*ListResponse[User], error) {
		return s.ListUsers(ctx, r.Caller, r.Param("orgId"), q)
	})
	apigw.Handle(m, "POST "+base+"/Users", http.StatusCreated, func(ctx context.Context, r *apigw.Request, in UserInput) (*User, error) {
		return s.CreateUser(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.Handle(m, "GET "+base+"/Users/{scimId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ GetQuery) (*User, error) {
		return s.GetUser(ctx, r.Caller, r.Param("orgId"), r.Param("scimId"))
	})
	apigw.Handle(m, "PUT "+base+"/Users/{scimId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, in UserInput) (*User, error) {
		return s.ReplaceUser(ctx, r.Caller, r.Param("orgId"), r.Param("scimId"), in)
	})
	apigw.Handle(m, "PATCH "+base+"/Users/{scimId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, in PatchInput) (*User, error) {
		return s.PatchUser(ctx, r.Caller, r.Param("orgId"), r.Param("scimId"), in)
	})
	apigw.Handle(m, "DELETE "+base+"/Users/{scimId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, s.DeleteUser(ctx, r.Caller, r.Param("orgId"), r.Param("scimId"))
	})

	apigw.Handle(m, "GET "+base+"/Groups", http.StatusOK, func(ctx context.Context, r *apigw.Request, q ListQuery) (*ListResponse[Group], error) {
		return s.ListGroups(ctx, r.Param("orgId"), q)
	})
	apigw.Handle(m, "POST "+base+"/Groups", http.StatusCreated, func(ctx context.Context, r *apigw.Request, in GroupInput) (*Group, error) {
		return s.CreateGroup(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.Handle(m, "GET "+base+"/Groups/{scimId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, q GetQuery) (*Group, error) {
		return s.GetGroup(ctx, r.Param("orgId"), r.Param("scimId"), q)
	})
	apigw.Handle(m, "PATCH "+base+"/Groups/{scimId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, in PatchInput) (*Group, error) {
		return s.PatchGroup(ctx, r.Caller, r.Param("orgId"), r.Param("scimId"), in)
	})
	apigw.Handle(m, "DELETE "+base+"/Groups/{scimId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, s.DeleteGroup(ctx, r.Caller, r.Param("orgId"), r.Param("scimId"))
	})
	return m
}
