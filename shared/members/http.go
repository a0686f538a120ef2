package members

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Page is a page of a list as the API returns it.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// PageParams reads the list parameters limit (1-100, default 50) and cursor.
func PageParams(r *apigw.Request) (int, string, error) {
	limit, err := r.PageLimit()
	return limit, r.Query("cursor"), err
}

// NewMux returns the HTTP handlers of the members function.
func NewMux(svc *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnMembers, log)
	const base = "/v1/orgs/{orgId}/members"
	m.Handle("GET "+base, func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		limit, cursor, err := PageParams(r)
		if err != nil {
			return apigw.Response{}, err
		}
		items, next, err := svc.List(ctx, r.Param("orgId"), limit, cursor)
		if err != nil {
			return apigw.Response{}, err
		}
		if items == nil {
			items = []Member{}
		}
		return apigw.JSON(http.StatusOK, Page[Member]{Items: items, NextCursor: next})
	})
	m.Handle("POST "+base, func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		var in CreateInput
		if err := r.Decode(&in); err != nil {
			return apigw.Response{}, err
		}
		res, err := svc.Create(ctx, CallerFrom(r.Caller), r.Param("orgId"), in)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusCreated, res)
	})
	m.Handle("GET "+base+"/{userId}", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		mem, err := svc.Get(ctx, r.Param("orgId"), r.Param("userId"))
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, mem)
	})
	m.Handle("PATCH "+base+"/{userId}", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		var p Patch
		if err := r.Decode(&p); err != nil {
			return apigw.Response{}, err
		}
		mem, err := svc.Update(ctx, CallerFrom(r.Caller), r.Param("orgId"), r.Param("userId"), p)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, mem)
	})
	m.Handle("DELETE "+base+"/{userId}", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		if err := svc.Remove(ctx, CallerFrom(r.Caller), r.Param("orgId"), r.Param("userId")); err != nil {
			return apigw.Response{}, err
		}
		return apigw.NoContent()
	})
	m.Handle("PUT "+base+"/{userId}/roles", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		var in struct {
			Roles []string `json:"roles"`
		}
		if err := r.Decode(&in); err != nil {
			return apigw.Response{}, err
		}
		mem, err := svc.SetRoles(ctx, CallerFrom(r.Caller), r.Param("orgId"), r.Param("userId"), in.Roles)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, mem)
	})
	m.Handle("PUT "+base+"/{userId}/limits", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		var in Limits
		if err := r.Decode(&in); err != nil {
			return apigw.Response{}, err
		}
		mem, err := svc.SetLimits(ctx, CallerFrom(r.Caller), r.Param("orgId"), r.Param("userId"), in)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, mem)
	})
	m.Handle("POST /v1/orgs/{orgId}/leave", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		if err := svc.Leave(ctx, CallerFrom(r.Caller), r.Param("orgId")); err != nil {
			return apigw.Response{}, err
		}
		return apigw.NoContent()
	})
	return m
}
