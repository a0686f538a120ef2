package accounts

import (
	"context"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// DeleteOrgQuery is the query of DELETE /v1/orgs/{orgId} (and of the
// sub-org and platform admin deletions): cascade deletes the sub-orgs too,
// deepest first; without it an org with sub-orgs is refused (409
// conflict, has_suborgs).
type DeleteOrgQuery struct {
	Cascade bool `query:"cascade"`
}

// OrgDeleter is what deleting an org needs of the store.
type OrgDeleter interface {
	Now() time.Time
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	MembershipsIn(ctx context.Context, userID string, orgIDs []string) ([]*gatehouse.Membership, error)
	DeleteOrgTree(ctx context.Context, orgID string, cascade bool, actor gatehouse.Actor) ([]string, error)
}

// DeleteOrg deletes an org the caller owns (the authorizer found
// org:delete): a sub-org only while the caller also holds authority over
// it from above (authz.DeletesOrg).
func DeleteOrg(ctx context.Context, st OrgDeleter, c *gatehouse.Caller, orgID string, q DeleteOrgQuery) error {
	o, err := st.Org(ctx, orgID)
	if err != nil {
		return err
	}
	anc, err := st.MembershipsIn(ctx, c.UserID, o.Ancestors)
	if err != nil {
		return err
	}
	if err := authz.DeletesOrg(c, o, anc, st.Now()); err != nil {
		return err
	}
	_, err = st.DeleteOrgTree(ctx, orgID, q.Cascade, c.Actor)
	return err
}
