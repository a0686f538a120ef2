package resources

import (
	"context"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// ResourceRef names a resource in a check.
type ResourceRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Check is one question of the check API: may UserID (the caller when
// empty) do Action, on Resource when given? Action is a resource action
// ("read") or a full permission ("device:read", "members:invite"); without a
// resource it must be a full permission and is decided at org level.
type Check struct {
	UserID   string       `json:"userId,omitempty"`
	Action   string       `json:"action,omitempty"`
	Resource *ResourceRef `json:"resource,omitempty"`
}

// CheckInput is the body of POST /v1/orgs/{orgId}/authorize: one check, or
// a batch in Checks.
type CheckInput struct {
	Check
	Checks []Check `json:"checks,omitempty"`
}

// CheckOutput is the answer of the check API: one decision (allowed,
// reason) for one check, or results, in the order asked, for a batch.
type CheckOutput struct {
	*authz.Decision `json:",omitempty"` // nil for a batch
	Results         []authz.Decision    `json:"results,omitempty"`
}

// normalized is a validated check.
type normalized struct {
	userID string
	perm   string // object:action
	action string // resource action, with ref
	ref    *gatehouse.Ref
}

func (s *Service) normalize(c Check, field string, caller *gatehouse.Caller, v *gatehouse.Validator) normalized {
	n := normalized{userID: c.UserID}
	if n.userID == "" {
		n.userID = caller.UserID
	}
	if c.Resource != nil {
		ok := s.catalogue.IsResourceType(c.Resource.Type)
		v.Check(ok, field+"resource.type", "must be one of the resource types %s", strings.Join(s.catalogue.ResourceTypes, ", "))
		v.Check(isResourceID(c.Resource.ID), field+"resource.id", "is not a resource id")
		action := c.Action
		if obj, act, full := authz.Split(c.Action); full {
			v.Check(obj == c.Resource.Type, field+"action", "names another type than the resource")
			action = act
		}
		v.Check(slices.Contains(authz.ResourceActions, action), field+"action", "must be a resource action (%s)", strings.Join(authz.ResourceActions, ", "))
		n.action, n.perm = action, c.Resource.Type+":"+action
		n.ref = &gatehouse.Ref{Type: c.Resource.Type, ID: c.Resource.ID}
		return n
	}
	v.Check(s.catalogue.Known(c.Action), field+"action", "must be a permission of the catalogue (or give a resource)")
	n.perm = c.Action
	return n
}

// Authorize answers checks with the evaluator over one snapshot of the org
// read beforehand: the policy, every user's membership, every resource and
// the type grants. Asking about another user needs members:read (or owner
// or admin): who may do what is itself information about members.
func (s *Service) Authorize(ctx context.Context, caller *gatehouse.Caller, orgID string, in CheckInput) (*CheckOutput, error) {
	batch := in.Checks != nil
	checks := in.Checks
	var v gatehouse.Validator
	if batch {
		v.Check(in.Action == "" && in.Resource == nil && in.UserID == "", "checks", "give either one check or checks, not both")
		v.Check(len(checks) >= 1 && len(checks) <= MaxChecks, "checks", "must hold 1 to %d checks", MaxChecks)
	} else {
		checks = []Check{in.Check}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ns := make([]normalized, len(checks))
	for i, c := range checks {
		field := ""
		if batch {
			field = "checks[" + itoa(i) + "]."
		}
		ns[i] = s.normalize(c, field, caller, &v)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	users := []string{caller.UserID}
	var refs []gatehouse.Ref
	var types []string
	for _, n := range ns {
		users = unique(append(users, n.userID)...)
		if n.ref != nil {
			if !slices.Contains(refs, *n.ref) {
				refs = append(refs, *n.ref)
			}
			if !slices.Contains(types, n.ref.Type) {
				types = append(types, n.ref.Type)
			}
		}
	}
	snap, err := s.snapshot(ctx, caller, orgID, users, refs, types)
	if err != nil {
		return nil, err
	}
	callerEff, err := s.callerEffective(snap, caller)
	if err != nil {
		return nil, err
	}
	// Who may do what is itself information about members: asking about
	// another user needs members:read in the caller's effective set (a
	// token narrowed to org:read asks about itself only).
	if len(users) > 1 && !callerEff.Has("members:read") {
		return nil, gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "checking another user needs members:read")
	}

	// From here on: pure evaluation over the snapshot, no I/O.
	now := s.store.Now()
	policy := authz.PolicyOf(s.catalogue, snap.Org)
	effs := map[string]*authz.Effective{caller.UserID: callerEff}
	reasons := map[string]string{}
	results := make([]authz.Decision, len(ns))
	for i, n := range ns {
		eff, ok := effs[n.userID]
		if !ok {
			// The same code as the authorizer's (rule 1 included): the
			// account, the membership and the ancestors' authority.
			if sub, _, r := authz.SubjectOf(standing(snap, n.userID), now); r != nil {
				reasons[n.userID] = r.Reason
			} else {
				eff = authz.Compile(policy, sub)
			}
			effs[n.userID] = eff
		}
		switch {
		case eff == nil:
			results[i] = authz.Decision{Reason: reasons[n.userID]}
		case n.ref == nil:
			results[i] = eff.Check(n.perm)
		case snap.Resources[*n.ref] == nil:
			// A missing resource looks like a hidden one to anyone who
			// cannot see every resource of its type: its existence does not
			// leak.
			switch d := eff.Check(n.perm); {
			case !d.Allowed:
				results[i] = d
			case callerEff.IsAdmin() && callerEff.Has(n.ref.Type+":"+authz.ActionRead):
				results[i] = authz.Decision{Reason: ReasonResourceNotFound}
			default:
				results[i] = authz.Decision{Reason: authz.ReasonNoAccess}
			}
		default:
			r := snap.Resources[*n.ref]
			results[i] = eff.CheckResource(n.action, authz.ResourceIn(r, snap.TypeGrants[r.Type], snap.Collections), now)
		}
	}
	if batch {
		return &CheckOutput{Results: results}, nil
	}
	return &CheckOutput{Decision: &results[0]}, nil
}
