package authz

import (
	"slices"
	"strings"
	"time"
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
}

// Subject is a member of an org as the evaluator sees it.
type Subject struct {
	UserID           string
	Roles            []string
	Groups           []string
	Readonly         bool
	ResourceReadonly bool
	// InheritedAdmin is true when the subject is owner or admin of an
	// ancestor org (rule 5): it acts as admin here.
	InheritedAdmin bool
	Token          *TokenScope
}

// OrgPolicy is the org-level policy the evaluator needs.
type OrgPolicy struct {
	Catalogue             *Catalogue
	CustomRoles           map[string][]string // role id -> permissions
	GroupRoles            map[string][]string // group id -> role ids
	DefaultResourceAccess string              // "all" or "granted"
}

// Grant allows and/or denies actions on a resource (or a whole type) to one
// principal, "user:<id>" or "group:<id>". Actions are resource actions
// (read, update...) or "*" for all of them.
type Grant struct {
	Principal string     `json:"principal"`
	Allow     []string   `json:"allow,omitempty"`
	Deny      []string   `json:"deny,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// Resource is what the evaluator needs of one resource: its owner, its own
// grants and the grants on its whole type.
type Resource struct {
	Type       string
	ID         string
	OwnerID    string
	Grants     []Grant
	TypeGrants []Grant
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

// Compile computes the effective permissions (rules 2 and 3).
func Compile(p *OrgPolicy, s Subject) *Effective {
	e := &Effective{subject: s, policy: p, perms: map[string]struct{}{}, raw: map[string]struct{}{}}
	e.defaultAccessAll = p.DefaultResourceAccess == "all"
	roles := slices.Clone(s.Roles)
	for _, g := range s.Groups {
		roles = append(roles, p.GroupRoles[g]...)
	}
	if s.InheritedAdmin {
		roles = append(roles, RoleAdmin)
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
		perms, ok := p.Catalogue.BuiltinRole(r)
		if !ok {
			perms = p.CustomRoles[r]
		}
		for _, perm := range perms {
			e.raw[perm] = struct{}{}
		}
	}
	e.principals = append(e.principals, "user:"+s.UserID)
	for _, g := range s.Groups {
		e.principals = append(e.principals, "group:"+g)
	}
	var narrowing map[string]bool
	if s.Token != nil && s.Token.Permissions != nil {
		narrowing = map[string]bool{}
		for _, perm := range s.Token.Permissions {
			narrowing[perm] = true
		}
	}
	for perm := range e.raw {
		if e.removedBy(perm, narrowing) == "" {
			e.perms[perm] = struct{}{}
		}
	}
	return e
}

// removedBy says which rule takes perm away from the subject, "" if none.
func (e *Effective) removedBy(perm string, narrowing map[string]bool) string {
	object, action, _ := Split(perm)
	if e.subject.Readonly && action != ActionRead {
		return ReasonReadonly
	}
	if e.subject.ResourceReadonly && e.policy.Catalogue.IsResourceType(object) &&
		(action == ActionCreate || action == ActionUpdate || action == ActionDelete) {
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
		return Decision{Reason: e.removedBy(perm, narrowing)}
	}
	if !e.policy.Catalogue.Known(perm) {
		return Decision{Reason: ReasonUnknown}
	}
	return Decision{Reason: ReasonMissing}
}

// CheckResource decides an action on one resource (rule 4): the permission
// "<type>:<action>" and, below admin, access through ownership, a grant or
// the org's default; any matching deny wins over any allow.
func (e *Effective) CheckResource(action string, r *Resource, now time.Time) Decision {
	if d := e.Check(r.Type + ":" + action); !d.Allowed {
		return d
	}
	if e.admin {
		return Decision{Allowed: true, Reason: ReasonAdmin}
	}
	allowReason := ""
	if r.OwnerID != "" && r.OwnerID == e.subject.UserID {
		allowReason = ReasonOwner
	} else if e.defaultAccessAll {
		allowReason = ReasonDefaultAll
	}
	for _, grants := range [2][]Grant{r.Grants, r.TypeGrants} {
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

// CanGrant reports whether the subject may give away every permission in
// perms (rule 6: no escalation): it must hold each one itself.
func (e *Effective) CanGrant(perms []string) (missing string, ok bool) {
	for _, p := range perms {
		if !e.Has(p) {
			return p, false
		}
	}
	return "", true
}

// CanAssignRole reports whether the subject may give role (with perms) to
// someone: only owners make owners, only owners and admins make admins, and
// nobody gives permissions it does not hold.
func (e *Effective) CanAssignRole(role string, perms []string) bool {
	switch role {
	case RoleOwner:
		return e.owner
	case RoleAdmin:
		return e.admin
	}
	_, ok := e.CanGrant(perms)
	return ok
}

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
