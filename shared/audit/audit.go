// Package audit is the audit log use case: an org's events, newest first,
// filtered by actor, target and time, paginated with opaque cursors.
// Events are written by the store in the same transaction as each change;
// this package only reads them.
package audit

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/members"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Service reads audit logs.
type Service struct{ store *dynamo.Store }

// NewService returns the use case.
func NewService(store *dynamo.Store) *Service { return &Service{store: store} }

// List returns one page of an org's audit events, newest first.
func (s *Service) List(ctx context.Context, orgID string, f dynamo.AuditFilter, limit int, cursor string) ([]gatehouse.AuditEvent, string, error) {
	return s.store.AuditPage(ctx, orgID, f, limit, cursor)
}

// NewMux returns the HTTP handlers of the audit function.
func NewMux(svc *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnAudit, log)
	m.Handle("GET /v1/orgs/{orgId}/audit", func(ctx context.Context, r *apigw.Request) (apigw.Response, error) {
		limit, cursor, err := members.PageParams(r)
		if err != nil {
			return apigw.Response{}, err
		}
		f := dynamo.AuditFilter{Actor: r.Query("actor"), Target: r.Query("target")}
		if s := r.Query("since"); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return apigw.Response{}, gatehouse.Invalid(gatehouse.FieldError{Field: "since", Message: "must be an RFC 3339 time"})
			}
			f.Since = t
		}
		items, next, err := svc.List(ctx, r.Param("orgId"), f, limit, cursor)
		if err != nil {
			return apigw.Response{}, err
		}
		if items == nil {
			items = []gatehouse.AuditEvent{}
		}
		return apigw.JSON(http.StatusOK, members.Page[gatehouse.AuditEvent]{Items: items, NextCursor: next})
	})
	return m
}
