package suborgs

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Deleting a sub-org through its parent (issue 17, customer lifecycle;
// docs/membership.md, "Deleting an org").

// DeleteStore is what deleting a sub-org needs (*dynamo.Store).
type DeleteStore interface {
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	DeleteOrgTree(ctx context.Context, orgID string, cascade bool, actor gatehouse.Actor) ([]string, error)
}

// DeleteQuery is the query of DELETE /v1/orgs/{orgId}/suborgs/{subOrgId}:
// cascade deletes the sub-org's own sub-orgs too, deepest first; without
// it a sub-org that has some is refused (409 conflict, has_suborgs).
type DeleteQuery struct {
	Cascade bool `query:"cascade"`
}

// Delete deletes a child of parentID: authz.DeletesSubOrg decides, the
// store deletes (one transaction per org, then the drain of its items).
func Delete(ctx context.Context, st DeleteStore, c *gatehouse.Caller, parentID, subOrgID string, q DeleteQuery) error {
	child, err := st.Org(ctx, subOrgID)
	if err != nil {
		return err
	}
	if err := authz.DeletesSubOrg(c, parentID, child); err != nil {
		return err
	}
	_, err = st.DeleteOrgTree(ctx, subOrgID, q.Cascade, c.Actor)
	return err
}

// RegisterDelete adds the sub-org deletion route to the `orgs` function's mux.
func RegisterDelete(m *apigw.Mux, st DeleteStore) {
	apigw.Handle(m, "DELETE /v1/orgs/{orgId}/suborgs/{subOrgId}", 0, func(ctx context.Context, r *apigw.Request, q DeleteQuery) (apigw.Empty, error) {
		return apigw.Empty{}, Delete(ctx, st, r.Caller, r.Param("orgId"), r.Param("subOrgId"), q)
	})
}
