package authz

import (
	"slices"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// The rules on resources that are more than one decision: who registers
// for someone else (rule 10), who grants on a whole type and what anyone
// may put in a grant (rules 4 and 6). The resources use case asks these.

// RegistersFor applies rule 10 to registering a resource for another
// member: owning a resource is a link only owners and admins make for
// someone else.
func (e *Effective) RegistersFor(callerID, ownerID string) error {
	if ownerID == callerID || e.admin {
		return nil
	}
	return gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "only owners and admins register resources for another member")
}

// GivesOnType applies rules 4 and 6 to grants on a whole resource type:
// only owners and admins give access to every resource of a type, and
// only actions they hold on the type.
func (e *Effective) GivesOnType(typ string, grants []Grant) error {
	if !e.admin {
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "only owners and admins set grants on a whole type")
	}
	for _, g := range grants {
		for _, a := range slices.Concat(expandActions(g.Allow), expandActions(g.Deny)) {
			if d := e.Check(typ + ":" + a); !d.Allowed {
				return gatehouse.Forbidden(gatehouse.ReasonEscalation, "you cannot give %s:%s: you do not hold it", typ, a)
			}
		}
	}
	return nil
}

// GivesOnResource applies rules 6 and 10 to a resource's grants: the caller
// grants or denies only actions it may itself perform on the resource, and
// below admin it may not deny the resource's owner (that would unlink it).
func (e *Effective) GivesOnResource(r *Resource, grants []Grant, now time.Time) error {
	if d := e.CheckResource(ActionShare, r, now); !d.Allowed {
		return gatehouse.Forbidden(d.Reason, "sharing the resource is not allowed (%s)", d.Reason)
	}
	for _, g := range grants {
		for _, a := range slices.Concat(expandActions(g.Allow), expandActions(g.Deny)) {
			if !e.CheckResource(a, r, now).Allowed {
				return gatehouse.Forbidden(gatehouse.ReasonEscalation, "you cannot give %s on this resource: you may not %s it yourself", a, a)
			}
		}
		if !e.admin && g.Principal == Principal("user", r.OwnerID) && len(g.Deny) > 0 {
			return gatehouse.Forbidden(gatehouse.ReasonOwnerLink, "only owners and admins may deny a resource's owner")
		}
	}
	return nil
}

// expandActions reads "*" as every resource action.
func expandActions(actions []string) []string {
	if slices.Contains(actions, "*") {
		return ResourceActions
	}
	return actions
}
