package admin

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// A platform admin deletes any org (issue 17, customer lifecycle;
// docs/membership.md, "Deleting an org"), without being a member of it.

// OrgTreeDeleter deletes an org and, with cascade, its sub-orgs.
type OrgTreeDeleter interface {
	DeleteOrgTree(ctx context.Context, orgID string, cascade bool, actor gatehouse.Actor) ([]string, error)
}

// OrgDeleteQuery is the query of DELETE /v1/admin/orgs/{targetOrgId}.
type OrgDeleteQuery struct {
	// Cascade deletes the org's sub-orgs too, deepest first; without it an
	// org that has some is refused (409 conflict, has_suborgs).
	Cascade bool `query:"cascade"`
}

// RegisterOrgDelete adds DELETE /v1/admin/orgs/{targetOrgId} to the admin mux.
func RegisterOrgDelete(m *apigw.Mux, svc *Service, st OrgTreeDeleter) {
	apigw.Handle(m, "DELETE /v1/admin/orgs/{targetOrgId}", 0, func(ctx context.Context, r *apigw.Request, q OrgDeleteQuery) (apigw.Empty, error) {
		return withMFA(ctx, svc, r, func() (apigw.Empty, error) {
			_, err := st.DeleteOrgTree(ctx, r.Param("targetOrgId"), q.Cascade, r.Caller.Actor)
			return apigw.Empty{}, err
		})
	})
}
