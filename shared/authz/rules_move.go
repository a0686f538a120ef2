package authz

import (
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// This file holds the rules of moving a member between two orgs of one org
// tree ("change owner", docs/rules.md, "Moving a member between orgs").

// Move is what MoveMember decides over: the caller as it stands in the
// source org (the route's org, built by the authorizer) and in the
// destination (authz.StandingCaller over the caller's standing there, nil
// with DestRefusal when it has none), the member to move with its
// managedBy chain in the source, and the roles it is to get.
type Move struct {
	Source, Dest *gatehouse.Org
	SourceCaller *gatehouse.Caller
	SourcePolicy *OrgPolicy
	Target       *gatehouse.Membership
	Managers     []*gatehouse.Membership
	DestCaller   *gatehouse.Caller
	DestRefusal  *Refusal
	DestPolicy   *OrgPolicy
	Roles        []string
}

// SameTree reports whether two orgs belong to one top-level org: a member
// never moves across top-level orgs.
func SameTree(a, b *gatehouse.Org) bool { return rootOf(a) == rootOf(b) }

func rootOf(o *gatehouse.Org) string {
	if len(o.Ancestors) > 0 {
		return o.Ancestors[0]
	}
	return o.ID
}

// MoveMember decides whether the caller may move a member from one org to
// another of the same tree: it acts on the member in the source (ActOn,
// rules 6 and 7), it adds members in the destination as an owner or admin
// there (its own membership or rule 5's inherited authority: the moved
// member is nobody's managed member there, so no manager's userLimit is
// involved), and it may give every role the member gets there (Give, rule
// 6, against the destination's policy). A signed-in person only: an API
// token is bound to one org and a move acts in two.
func MoveMember(m Move) error {
	if m.Source.ID == m.Dest.ID || !SameTree(m.Source, m.Dest) {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "to", Message: "must be another org of the same top-level org"})
	}
	if m.SourceCaller.TokenID != "" {
		return gatehouse.Forbidden(gatehouse.ReasonTokenNarrowing, "an API token is bound to one org and a move acts in two: sign in to move a member")
	}
	if err := ActOn(m.SourceCaller, m.SourcePolicy, m.Target, m.Managers); err != nil {
		return err
	}
	if m.DestRefusal != nil || m.DestCaller == nil {
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "you may not add members to the destination org")
	}
	if !m.DestCaller.Has("members:create") || CreatesManaged(m.DestCaller) {
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm,
			"moving a member in takes members:create as an owner or admin of the destination org (or of an org above it)")
	}
	return Give(m.DestCaller, m.DestPolicy, m.Roles, nil)
}

// MovedExpiry is the expiry of the membership a move creates (rule 8): the
// member's own, capped by the caller's ceiling in the destination, since
// the caller gives that membership by its own act.
func MovedExpiry(dest *gatehouse.Caller, own *time.Time) *time.Time {
	e := earliest(own, dest.ExpiresAt)
	if e == nil {
		return nil
	}
	t := e.UTC()
	return &t
}
