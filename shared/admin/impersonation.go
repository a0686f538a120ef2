package admin

import (
	"context"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/impersonation"
)

// The platform admin's impersonation routes (issue 17, item 1): a
// platform admin is usually no member of the org it supports, so it starts,
// lists and revokes sessions here, naming the org.

// OrgQuery names the org of a platform admin's impersonation route.
type OrgQuery struct {
	OrgID string `query:"orgId"`
}

// ListSessionsQuery is the query of GET /v1/admin/impersonations.
type ListSessionsQuery struct {
	apigw.PageQuery
	OrgID string `query:"orgId"`
}

func requireOrg(orgID string) error {
	if orgID == "" {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "orgId", Message: "is required"})
	}
	return nil
}

// RegisterImpersonation adds the platform admin's impersonation routes.
func RegisterImpersonation(m *apigw.Mux, svc *Service, imp *impersonation.Service) {
	const base = "/v1/admin/impersonations"
	apigw.Handle(m, "POST "+base, http.StatusCreated, func(ctx context.Context, r *apigw.Request, in impersonation.AdminInput) (*impersonation.Started, error) {
		return withMFA(ctx, svc, r, func() (*impersonation.Started, error) {
			if err := requireOrg(in.OrgID); err != nil {
				return nil, err
			}
			return imp.Start(ctx, r.Caller, in.OrgID, impersonation.Input{UserID: in.UserID, Minutes: in.Minutes, Reason: in.Reason})
		})
	})
	apigw.List(m, "GET "+base, func(ctx context.Context, r *apigw.Request, q ListSessionsQuery) ([]*gatehouse.Impersonation, string, error) {
		if err := svc.checkMFA(ctx, r.Caller); err != nil {
			return nil, "", err
		}
		if err := requireOrg(q.OrgID); err != nil {
			return nil, "", err
		}
		return imp.List(ctx, r.Caller, q.OrgID, q.Limit, q.Cursor)
	})
	apigw.Handle(m, "DELETE "+base+"/{sessionId}", 0, func(ctx context.Context, r *apigw.Request, q OrgQuery) (apigw.Empty, error) {
		return withMFA(ctx, svc, r, func() (apigw.Empty, error) {
			if err := requireOrg(q.OrgID); err != nil {
				return apigw.Empty{}, err
			}
			return apigw.Empty{}, imp.Revoke(ctx, r.Caller, q.OrgID, r.Param("sessionId"))
		})
	})
}
