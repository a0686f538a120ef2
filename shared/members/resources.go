package members

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Removing a member with its resources retained, transferred or deleted
// (issue 17 item 4, as deleting an account does; docs/resources.md
// "Lifecycle").

// ResourceStore is what removal with resources uses besides Store.
type ResourceStore interface {
	TransferOwnedResources(ctx context.Context, orgID, fromID, toID string, actor gatehouse.Actor) (int, error)
	OwnedResourcesAfter(ctx context.Context, orgID, ownerID, typ, after string, limit int) (*dynamo.ResourcePage, error)
	UnregisterResource(ctx context.Context, r *gatehouse.Resource, actor gatehouse.Actor) error
}

// RemoveQuery is the query of DELETE /v1/orgs/{orgId}/members/{userId}:
// what becomes of the member's resources in the org and, to transfer, to
// whom.
type RemoveQuery struct {
	Resources  string `query:"resources" jsonschema:"enum=retain,enum=transfer,enum=delete,default=retain"`
	TransferTo string `query:"transferTo"`
}

func validRemoval(userID string, q RemoveQuery) error {
	var v gatehouse.Validator
	switch q.Resources {
	case "", authz.ResourcesRetain, authz.ResourcesTransfer, authz.ResourcesDelete:
	default:
		v.Add("resources", "must be retain, transfer or delete")
	}
	switch {
	case q.Resources == authz.ResourcesTransfer && q.TransferTo == "":
		v.Add("transferTo", "is required with resources=transfer")
	case q.Resources != authz.ResourcesTransfer && q.TransferTo != "":
		v.Add("transferTo", "is only for resources=transfer")
	case q.Resources == authz.ResourcesTransfer && q.TransferTo == userID:
		v.Add("transferTo", "must be another member")
	}
	return v.Err()
}

// RemoveWith removes a member from the org and then disposes of the
// resources it owns there: retain (the default: they stay, owned by the
// removed id, and count for no one), transfer (to transferTo, an active
// member, with their counters; like an account deletion's transfer it may
// leave the recipient over its resourceLimit) or delete (each unregistered
// with its audit event). Transferring or deleting is for owners and admins
// (rule 10, authz.DisposesResourcesOf). The removal comes first, so a
// refused removal (last_owner...) moves nothing; the resources then move
// in transactions of dynamo.TransferBatch (or one per unregistration), and
// an interrupted disposal is finished resource by resource (transfer or
// unregister them: owners and admins may).
func (s *Service) RemoveWith(ctx context.Context, c *gatehouse.Caller, orgID, userID string, q RemoveQuery) error {
	if err := validRemoval(userID, q); err != nil {
		return err
	}
	if err := authz.DisposesResourcesOf(c, q.Resources); err != nil {
		return err
	}
	rs, ok := s.store.(ResourceStore)
	if !ok && q.Resources != "" && q.Resources != authz.ResourcesRetain {
		return gatehouse.Errorf(gatehouse.CodeInternal, "resource disposal is not available")
	}
	if q.Resources == authz.ResourcesTransfer {
		to, err := s.store.Membership(ctx, orgID, q.TransferTo)
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound || (err == nil && !to.Usable(s.store.Now())) {
			return gatehouse.Invalid(gatehouse.FieldError{Field: "transferTo", Message: "is not an active member of the org"})
		}
		if err != nil {
			return err
		}
	}
	if err := s.Remove(ctx, c, orgID, userID); err != nil {
		return err
	}
	switch q.Resources {
	case authz.ResourcesTransfer:
		_, err := rs.TransferOwnedResources(ctx, orgID, userID, q.TransferTo, c.Actor)
		return err
	case authz.ResourcesDelete:
		org, err := s.store.Org(ctx, orgID)
		if err != nil {
			return err
		}
		for {
			page, err := rs.OwnedResourcesAfter(ctx, orgID, userID, "", "", dynamo.MaxPageLimit)
			if err != nil {
				return err
			}
			for _, r := range page.Resources {
				r.OrgAncestors = org.Ancestors // their quotas count it too
				if err := rs.UnregisterResource(ctx, r, c.Actor); err != nil {
					return err
				}
			}
			if len(page.Resources) == 0 || !page.More {
				return nil
			}
		}
	}
	return nil
}
