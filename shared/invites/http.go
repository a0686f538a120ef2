package invites

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/members"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// NewMux returns the HTTP handlers of the invites function.
func NewMux(svc *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnInvites, log)
	const base = "/v1/orgs/{orgId}/invites"
	m.Handle("POST "+base, func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		var in CreateInput
		if err := r.Decode(&in); err != nil {
			return apigw.Response{}, err
		}
		out, err := svc.Create(ctx, members.CallerFrom(r.Caller), r.Param("orgId"), in)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusCreated, out)
	})
	m.Handle("GET "+base, func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		limit, cursor, err := members.PageParams(r)
		if err != nil {
			return apigw.Response{}, err
		}
		items, next, err := svc.List(ctx, r.Param("orgId"), limit, cursor)
		if err != nil {
			return apigw.Response{}, err
		}
		if items == nil {
			items = []View{}
		}
		return apigw.JSON(http.StatusOK, members.Page[View]{Items: items, NextCursor: next})
	})
	m.Handle("DELETE "+base+"/{inviteId}", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		if err := svc.Revoke(ctx, members.CallerFrom(r.Caller), r.Param("orgId"), r.Param("inviteId")); err != nil {
			return apigw.Response{}, err
		}
		return apigw.NoContent()
	})
	m.Handle("POST "+base+"/{inviteId}/resend", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		var in ResendInput
		if body, _ := r.Body(); len(body) > 0 {
			if err := r.Decode(&in); err != nil {
				return apigw.Response{}, err
			}
		}
		out, err := svc.Resend(ctx, members.CallerFrom(r.Caller), r.Param("orgId"), r.Param("inviteId"), in)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, out)
	})
	m.Handle("POST /v1/invites/accept", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		var in struct {
			Token string `json:"token"`
		}
		if err := r.Decode(&in); err != nil {
			return apigw.Response{}, err
		}
		mem, err := svc.Accept(ctx, members.CallerFrom(r.Caller), in.Token)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, mem)
	})
	m.Handle("POST /v1/activate", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		var in struct {
			Token    string `json:"token"`
			Password string `json:"password"`
		}
		if err := r.Decode(&in); err != nil {
			return apigw.Response{}, err
		}
		if err := svc.Activate(ctx, r.Caller.Actor(), in.Token, in.Password); err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, map[string]string{"status": "active"})
	})
	return m
}
