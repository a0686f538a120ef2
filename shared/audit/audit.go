// Package audit is the audit log use case: an org's events, newest first,
// filtered by actor, target and time, paginated with opaque cursors.
// Events are written by the store in the same transaction as each change;
// this package only reads them.
package audit

import (
	"context"
	"log/slog"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
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

// Query is the query of GET /v1/orgs/{orgId}/audit: the page and the
// filters.
type Query struct {
	apigw.PageQuery
	Actor  string    `query:"actor"`
	Target string    `query:"target"`
	Since  time.Time `query:"since"`
}

// NewMux returns the HTTP handlers of the audit function.
func NewMux(svc *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnAudit, log)
	apigw.List(m, "GET /v1/orgs/{orgId}/audit", func(ctx context.Context, r *apigw.Request, q Query) ([]gatehouse.AuditEvent, string, error) {
		f := dynamo.AuditFilter{Actor: q.Actor, Target: q.Target, Since: q.Since}
		return svc.List(ctx, r.Param("orgId"), f, q.Limit, q.Cursor)
	})
	return m
}
