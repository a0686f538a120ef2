package authz

import (
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Reasons a decision gives; the forbidden reasons match gatehouse.Reason*.
const (
	ReasonAllowed          = "allowed"
	ReasonAdmin            = "admin"
	ReasonOwner            = "resource_owner"
	ReasonGrant            = "grant"
	ReasonDefaultAll       = "default_access_all"
	ReasonDenied           = "denied"
	ReasonMissing          = "missing_permission"
	ReasonReadonly         = "readonly"
	ReasonResourceReadonly = "resource_readonly"
	ReasonTokenNarrowing   = "token_narrowing"
	ReasonNoAccess         = "no_resource_access"
	ReasonUnknown          = "unknown_permission"
)

// Decision is the evaluator's answer.
type Decision struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

// TokenScope narrows an API token: Permissions (nil: all the user holds) and
// read-only.
type TokenScope struct {
	Permissions []string
	Readonly    bool
	// Collection, when set, narrows the token to the resources of that
	// collection (rules_collections.go).
	Collection string
}

// Subject is a member of an org as the evaluator sees it.
type Subject struct {
	UserID           string
	Roles            []string
	Groups           []string
	Readonly         bool
	ResourceReadonly bool
	// InheritedAdmin is true when the subject is owner or admin of an
	// ancestor org (rule 5): it acts as admin here. That authority carries
	// the flags of the ancestor membership it comes from (Inherited*), not
	// Readonly and ResourceReadonly, which bind only the subject's own roles
	// here: a sub-org can neither narrow it nor widen it.
	InheritedAdmin            bool
	InheritedReadonly         bool
	InheritedResourceReadonly bool
	Token                     *TokenScope
}

// OrgPolicy is the org-level policy the evaluator needs.
type OrgPolicy struct {
	Catalogue             *Catalogue
	CustomRoles           map[string][]string // role id -> permissions
	GroupRoles            map[string][]string // group id -> role ids
	DefaultResourceAccess string              // "all" or "granted"
}

// Grant is the domain's grant (gatehouse.Grant), named here too as the
// evaluator reads it.
type Grant = gatehouse.Grant

// Resource is what the evaluator needs of one resource: its owner, its own
// grants and the grants on its whole type.
type Resource struct {
	Type       string
	ID         string
	OwnerID    string
	Grants     []Grant
	TypeGrants []Grant
	// Collections are the existing collections holding the resource and
	// CollectionGrants their grants (ResourceIn builds both).
	Collections      []string
	CollectionGrants []Grant
}

// Effective is a subject's compiled permissions in one org. Build it once per
// request (or cache it) and ask it many questions.
type Effective struct {
	subject          Subject
	policy           *OrgPolicy
	perms            map[string]struct{}
	raw              map[string]struct{} // before readonly flags and token narrowing
	roles            []string            // direct, group and inherited roles
	principals       []string            // "user:<id>" and "group:<id>" of the subject
	owner, admin     bool
	defaultAccessAll bool
}

// Compile computes the effective permissions (rules 2 and 3): the union of
// what the subject's own roles give under its own flags and what inherited
// admin authority gives under the flags it carries, intersected with the
// token's narrowing.
func Compile(p *OrgPolicy, s Subject) *Effective {
	e := &Effective{subject: s, policy: p, perms: map[string]struct{}{}, raw: map[string]struct{}{}}
	e.defaultAccessAll = p.DefaultResourceAccess == "all"
	roles := slices.Clone(s.Roles)
	for _, g := range s.Groups {
		roles = append(roles, p.GroupRoles[g]...)
	}
	own := flags{readonly: s.Readonly, resourceReadonly: s.ResourceReadonly}
	var narrowing map[string]bool
	if s.Token != nil && s.Token.Permissions != nil {
		narrowing = make(map[string]bool, len(s.Token.Permissions))
		for _, perm := range s.Token.Permissions {
			narrowing[perm] = true
		}
	}
	add := func(role string, f flags) {
		perms, ok := p.Catalogue.BuiltinRole(role)
		if !ok {
			perms = p.CustomRoles[role]
		}
		for _, perm := range perms {
			e.raw[perm] = struct{}{}
			if e.removedBy(perm, f, narrowing) == "" {
				e.perms[perm] = struct{}{}
			}
		}
	}
	for _, r := range roles {
		add(r, own)
	}
	if s.InheritedAdmin {
		roles = append(roles, RoleAdmin)
		add(RoleAdmin, flags{readonly: s.InheritedReadonly, resourceReadonly: s.InheritedResourceReadonly})
	}
	slices.Sort(roles)
	e.roles = slices.Compact(roles)
	for _, r := range e.roles {
		switch r {
		case RoleOwner:
			e.owner, e.admin = true, true
		case RoleAdmin:
			e.admin = true
		}
	}
	e.principals = append(e.principals, "user:"+s.UserID)
	for _, g := range s.Groups {
		e.principals = append(e.principals, "group:"+g)
	}
	return e
}

// flags are the membership flags of rule 3 that bind one source of
// authority.
type flags struct{ readonly, resourceReadonly bool }

// removedBy says which rule takes perm away from authority under flags f,
// "" if none.
func (e *Effective) removedBy(perm string, f flags, narrowing map[string]bool) string {
	object, action, _ := Split(perm)
	if f.readonly && action != ActionRead {
		return ReasonReadonly
	}
	if f.resourceReadonly && action != ActionRead && e.policy.Catalogue.IsResourceType(object) {
		return ReasonResourceReadonly
	}
	if t := e.subject.Token; t != nil {
		if t.Readonly && action != ActionRead {
			return ReasonTokenNarrowing
		}
		if narrowing != nil && !narrowing[perm] {
			return ReasonTokenNarrowing
		}
	}
	return ""
}

// Has reports whether the effective permissions include perm.
func (e *Effective) Has(perm string) bool {
	_, ok := e.perms[perm]
	return ok
}

// Check decides an org-level permission and says why when it is refused.
func (e *Effective) Check(perm string) Decision {
	if e.Has(perm) {
		return Decision{Allowed: true, Reason: ReasonAllowed}
	}
	if _, ok := e.raw[perm]; ok {
		var narrowing map[string]bool
		if t := e.subject.Token; t != nil && t.Permissions != nil {
			narrowing = map[string]bool{}
			for _, p := range t.Permissions {
				narrowing[p] = true
			}
		}
		f := flags{readonly: e.subject.Readonly, resourceReadonly: e.subject.ResourceReadonly}
		if e.subject.InheritedAdmin {
			// The flags of the authority that would have given it.
			f = flags{readonly: f.readonly && e.subject.InheritedReadonly,
				resourceReadonly: f.resourceReadonly || e.subject.InheritedResourceReadonly}
		}
		if r := e.removedBy(perm, f, narrowing); r != "" {
			return Decision{Reason: r}
		}
		return Decision{Reason: ReasonReadonly}
	}
	if !e.policy.Catalogue.Known(perm) {
		return Decision{Reason: ReasonUnknown}
	}
	return Decision{Reason: ReasonMissing}
}

// CheckResource decides an action on one resource (rule 4): the permission
// "<type>:<action>" and, below admin, access through ownership, a grant (on
// the resource, on a collection holding it or on its type) or the org's
// default; any matching deny wins over any allow, except that no
// deny reaches owners and admins of the org or the resource's owner.
func (e *Effective) CheckResource(action string, r *Resource, now time.Time) Decision {
	if d := e.Check(r.Type + ":" + action); !d.Allowed {
		return d
	}
	if d := e.tokenCollection(r); !d.Allowed {
		return d
	}
	if e.admin {
		return Decision{Allowed: true, Reason: ReasonAdmin}
	}
	// No deny reaches the resource's owner (rule 4): a grantee with share
	// cannot lock the owner out, not even with a deny on group:all.
	if r.OwnerID != "" && r.OwnerID == e.subject.UserID {
		return Decision{Allowed: true, Reason: ReasonOwner}
	}
	allowReason := ""
	if e.defaultAccessAll {
		allowReason = ReasonDefaultAll
	}
	for _, grants := range [3][]Grant{r.Grants, r.CollectionGrants, r.TypeGrants} {
		for i := range grants {
			g := &grants[i]
			if g.ExpiresAt != nil && !now.Before(*g.ExpiresAt) {
				continue
			}
			if !slices.Contains(e.principals, g.Principal) {
				continue
			}
			if actionIn(g.Deny, action) {
				return Decision{Reason: ReasonDenied}
			}
			if allowReason == "" && actionIn(g.Allow, action) {
				allowReason = ReasonGrant
			}
		}
	}
	if allowReason == "" {
		return Decision{Reason: ReasonNoAccess}
	}
	return Decision{Allowed: true, Reason: allowReason}
}

func actionIn(actions []string, action string) bool {
	for _, a := range actions {
		if a == action || a == "*" {
			return true
		}
	}
	return false
}

// Permissions lists the effective permissions, sorted.
func (e *Effective) Permissions() []string {
	out := make([]string, 0, len(e.perms))
	for p := range e.perms {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Roles lists the subject's roles: direct, from groups and inherited.
func (e *Effective) Roles() []string { return slices.Clone(e.roles) }

// IsOwner reports whether the subject holds the owner role here.
func (e *Effective) IsOwner() bool { return e.owner }

// IsAdmin reports whether the subject is owner or admin here (directly, by a
// group or inherited from an ancestor org).
func (e *Effective) IsAdmin() bool { return e.admin }

// Subject returns the subject the permissions were compiled for.
func (e *Effective) Subject() Subject { return e.subject }

// RolePermissions returns the permissions of a role in this policy.
func (p *OrgPolicy) RolePermissions(role string) ([]string, bool) {
	if perms, ok := p.Catalogue.BuiltinRole(role); ok {
		return perms, true
	}
	perms, ok := p.CustomRoles[role]
	return perms, ok
}

// Principal builds a grant principal string.
func Principal(kind, id string) string { return kind + ":" + id }

// ParsePrincipal splits "user:<id>" or "group:<id>".
func ParsePrincipal(p string) (kind, id string, ok bool) {
	kind, id, ok = strings.Cut(p, ":")
	if !ok || id == "" || (kind != "user" && kind != "group") {
		return "", "", false
	}
	return kind, id, true
}
