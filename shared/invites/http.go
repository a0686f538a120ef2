package invites

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// AcceptInput is the body of POST /v1/invites/accept.
type AcceptInput struct {
	Token string `json:"token"`
}

// BodyOptional lets a resend come without a body.
func (ResendInput) BodyOptional() {}

// NewMux returns the HTTP handlers of the invites function.
func NewMux(svc *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnInvites, log)
	const base = "/v1/orgs/{orgId}/invites"
	apigw.Handle(m, "POST "+base, http.StatusCreated, func(ctx context.Context, r *apigw.Request, in CreateInput) (*Sent, error) {
		return svc.Create(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.List(m, "GET "+base, func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]View, string, error) {
		return svc.List(ctx, r.Param("orgId"), q.Limit, q.Cursor)
	})
	apigw.Handle(m, "DELETE "+base+"/{inviteId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, svc.Revoke(ctx, r.Caller, r.Param("orgId"), r.Param("inviteId"))
	})
	apigw.Handle(m, "POST "+base+"/{inviteId}/resend", http.StatusOK, func(ctx context.Context, r *apigw.Request, in ResendInput) (*Sent, error) {
		return svc.Resend(ctx, r.Caller, r.Param("orgId"), r.Param("inviteId"), in)
	})
	apigw.Handle(m, "POST /v1/invites/accept", http.StatusOK, func(ctx context.Context, r *apigw.Request, in AcceptInput) (*gatehouse.Membership, error) {
		return svc.Accept(ctx, r.Caller, in.Token)
	})
	return m
}
