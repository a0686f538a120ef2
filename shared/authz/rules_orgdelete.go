package authz

import (
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// The rules of deleting an org (docs/rules.md, "Deleting an org";
// docs/membership.md, "Deleting an org").

// DeletesOrg decides DELETE /v1/orgs/{orgId} once the authorizer found
// org:delete (an owner of the org): a top-level org is its owners' to
// delete; a sub-org (a customer) lives under its parent's authority, so
// its own owner deletes it only while also an owner or admin of an org
// above it (rule 5), not as a member of the sub-org alone. ancestors are
// the caller's memberships of the org's ancestors.
func DeletesOrg(c *gatehouse.Caller, o *gatehouse.Org, ancestors []*gatehouse.Membership, now time.Time) error {
	if len(o.Ancestors) == 0 {
		return nil
	}
	if in := inheritedFrom(ancestors, now); in == nil || in.Readonly {
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm,
			"a sub-org is deleted by an owner or admin of an org above it (DELETE /v1/orgs/{parentId}/suborgs/{orgId})")
	}
	return nil
}

// DeletesSubOrg decides DELETE /v1/orgs/{parentId}/suborgs/{orgId} once
// the authorizer found suborgs:delete in the parent: the org must be a
// child of the route's org (404 otherwise, as for any org the caller may
// not know of), and the caller an owner or admin of the parent (its own
// membership or one further up, rule 5), which makes it an admin of the
// child and of everything below it. A custom role carrying suborgs:delete
// below admin does not suffice: deleting an org takes authority over all
// of it. A member of the sub-org alone has no standing in the parent and
// is refused by the authorizer before this.
func DeletesSubOrg(c *gatehouse.Caller, parentID string, child *gatehouse.Org) error {
	if child.ParentID != parentID {
		return gatehouse.NotFound("sub-org")
	}
	if !c.Has("suborgs:delete") || !isAdmin(c) {
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "deleting a sub-org takes suborgs:delete as an owner or admin of its parent")
	}
	return nil
}
