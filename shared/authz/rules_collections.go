package authz

import (
	"slices"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Collections, resource lifecycle and embedded-view tokens (issue 17,
// items 3, 4 and 8): the rules the resources and tokens use cases ask.
// docs/rules.md rules 4, 6 and 10; docs/resources.md "Collections".

// ResourceIn is the evaluator's view of a resource with its type's grants
// and the grants of the collections holding it. collections holds every
// existing collection of the org (id -> grants): an id left on a resource
// by a deleted collection gives nothing and narrows nothing (rule 4).
func ResourceIn(r *gatehouse.Resource, typeGrants []Grant, collections map[string][]Grant) *Resource {
	out := ResourceOf(r, typeGrants)
	for _, id := range r.Collections {
		g, ok := collections[id]
		if !ok || slices.Contains(out.Collections, id) {
			continue
		}
		out.Collections = append(out.Collections, id)
		out.CollectionGrants = append(out.CollectionGrants, g...)
	}
	return out
}

// tokenCollection applies a token's narrowing to one collection: whoever
// holds it (admins included) acts only on the resources of that
// collection, and only while the collection exists.
func (e *Effective) tokenCollection(r *Resource) Decision {
	if t := e.subject.Token; t != nil && t.Collection != "" && !slices.Contains(r.Collections, t.Collection) {
		return Decision{Reason: ReasonTokenNarrowing}
	}
	return Decision{Allowed: true, Reason: ReasonAllowed}
}

// TokenCollection is the collection the subject's token is narrowed to, ""
// when none.
func (e *Effective) TokenCollection() string {
	if t := e.subject.Token; t != nil {
		return t.Collection
	}
	return ""
}

// ReadsCollections decides who lists and reads collections: owners and
// admins, and members who may read some resource type. A token narrowed to
// one collection sees resources, not the org's collections.
func (e *Effective) ReadsCollections(cat *Catalogue) error {
	if e.TokenCollection() != "" {
		return gatehouse.Forbidden(gatehouse.ReasonTokenNarrowing, "a token narrowed to a collection reads its resources only")
	}
	if e.admin {
		return nil
	}
	for _, t := range cat.ResourceTypes {
		if e.Has(t + ":" + ActionRead) {
			return nil
		}
	}
	return gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "reading collections needs <type>:read")
}

// ManagesCollections decides who creates, renames and deletes collections
// and sets their grants: owners and admins (a collection's grants reach
// every resource it holds, like a type's), holding share on every resource
// type, so flags (rule 3) and token narrowing (rule 2) apply.
func (e *Effective) ManagesCollections(cat *Catalogue) error {
	if e.TokenCollection() != "" {
		return gatehouse.Forbidden(gatehouse.ReasonTokenNarrowing, "a token narrowed to a collection changes nothing")
	}
	if !e.admin {
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "only owners and admins manage collections")
	}
	for _, t := range cat.ResourceTypes {
		if d := e.Check(t + ":" + ActionShare); !d.Allowed {
			return gatehouse.Forbidden(d.Reason, "managing collections needs %s:share (%s)", t, d.Reason)
		}
	}
	return nil
}

// GivesOnCollection applies rules 4 and 6 to a collection's grants: the
// caller manages collections and holds every action it allows or denies on
// every resource type (a collection may hold any type).
func (e *Effective) GivesOnCollection(cat *Catalogue, grants []Grant) error {
	if err := e.ManagesCollections(cat); err != nil {
		return err
	}
	for _, g := range grants {
		for _, a := range slices.Concat(expandActions(g.Allow), expandActions(g.Deny)) {
			for _, t := range cat.ResourceTypes {
				if d := e.Check(t + ":" + a); !d.Allowed {
					return gatehouse.Forbidden(gatehouse.ReasonEscalation, "you cannot give %s:%s: you do not hold it", t, a)
				}
			}
		}
	}
	return nil
}

// FilesInCollection decides adding a resource to a collection (add) or
// taking it out: it changes who reaches the resource through the
// collection's grants, so it needs share on the resource (rules 4 and 6),
// as granting does; and adding gives the collection's grants on it, so the
// caller must be able to do every action they allow or deny (rule 6, as
// GivesOnResource).
func (e *Effective) FilesInCollection(r *Resource, collGrants []Grant, add bool, now time.Time) error {
	if e.TokenCollection() != "" {
		return gatehouse.Forbidden(gatehouse.ReasonTokenNarrowing, "a token narrowed to a collection changes nothing")
	}
	if d := e.CheckResource(ActionShare, r, now); !d.Allowed {
		return gatehouse.Forbidden(d.Reason, "filing the resource in a collection is not allowed (%s)", d.Reason)
	}
	if !add {
		return nil
	}
	for _, g := range collGrants {
		for _, a := range slices.Concat(expandActions(g.Allow), expandActions(g.Deny)) {
			if !e.CheckResource(a, r, now).Allowed {
				return gatehouse.Forbidden(gatehouse.ReasonEscalation, "the collection's grants give %s on this resource: you may not %s it yourself", a, a)
			}
		}
	}
	return nil
}

// UpdatesResource decides renaming a resource or changing its metadata:
// <type>:update and access (rule 4). Rule 10's limit is on registering:
// an owner at resourceLimit 0 still edits its resources.
func (e *Effective) UpdatesResource(r *Resource, now time.Time) error {
	if d := e.CheckResource(ActionUpdate, r, now); !d.Allowed {
		return gatehouse.Forbidden(d.Reason, "updating the resource is not allowed (%s)", d.Reason)
	}
	return nil
}

// TransfersResource applies rule 10 to changing a resource's owner: owners
// and admins only, holding <type>:update (so flags and narrowing apply).
func (e *Effective) TransfersResource(r *Resource, now time.Time) error {
	if !e.admin {
		return gatehouse.Forbidden(gatehouse.ReasonOwnerLink, "only owners and admins change a resource's owner")
	}
	if d := e.CheckResource(ActionUpdate, r, now); !d.Allowed {
		return gatehouse.Forbidden(d.Reason, "transferring the resource is not allowed (%s)", d.Reason)
	}
	return nil
}

// DisposesResourcesOf applies rule 10 to removing a member with its
// resources transferred or deleted: owners and admins only (a manager
// removes the members it manages and their resources stay, retained).
func DisposesResourcesOf(c *gatehouse.Caller, mode string) error {
	if mode == "" || mode == ResourcesRetain || isAdmin(c) {
		return nil
	}
	return gatehouse.Forbidden(gatehouse.ReasonOwnerLink, "only owners and admins transfer or delete a removed member's resources")
}

// Resource modes of removing a member (and of deleting an account).
const (
	ResourcesRetain   = "retain"
	ResourcesTransfer = "transfer"
	ResourcesDelete   = "delete"
)

// MintsTokenFor applies rules 6 and 7 and DESIGN section 5 to a token made
// for another member (the Traccar recipe for an embedded view): the caller
// may act on that member, the member is read-only, and the token only
// reads. A token for oneself needs none of this.
func MintsTokenFor(c *gatehouse.Caller, p *OrgPolicy, target *gatehouse.Membership, managers []*gatehouse.Membership, readonly bool) error {
	if target.UserID == c.UserID {
		return nil
	}
	if err := ActOn(c, p, target, managers); err != nil {
		return err
	}
	if !target.Readonly {
		return gatehouse.Forbidden(gatehouse.ReasonNotReadonly, "tokens are made for another member only when it is read-only")
	}
	if !readonly {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "readonly", Message: "must be true for another member's token"})
	}
	return nil
}

// CollectionTokenPermissions checks and fills the narrowing of a token
// limited to one collection: it only reads resources, so its permissions
// are <type>:read ones (all of them when none are given).
func CollectionTokenPermissions(cat *Catalogue, perms []string) ([]string, error) {
	if perms == nil {
		for _, t := range cat.ResourceTypes {
			perms = append(perms, t+":"+ActionRead)
		}
		return perms, nil
	}
	for _, p := range perms {
		obj, act, _ := Split(p)
		if !cat.IsResourceType(obj) || act != ActionRead {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "permissions", Message: "a token narrowed to a collection holds <type>:read permissions only"})
		}
	}
	return perms, nil
}
