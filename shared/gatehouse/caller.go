package gatehouse

import (
	"slices"
	"strings"
	"time"
)

// Caller is who makes a request, as the authorizer established it: the
// identity, the org of the route and what the caller may do there. It is
// built once per request from the authorizer's decision and passed to every
// service; no service derives roles, flags or ceilings again
// (docs/security.md, "one caller").
type Caller struct {
	Actor
	// OrgID is the org of the route ("" on routes outside an org).
	OrgID string
	// Roles are the caller's effective roles in the org: direct, from its
	// groups and inherited from owner/admin memberships of ancestors.
	Roles []string
	// Permissions is the effective permission set: the roles'
	// permissions less what flags and the token's narrowing remove (rules
	// 2 and 3). Nothing downstream sees more than this set.
	Permissions []string
	// Inherited is true when the caller's authority here comes from an
	// owner/admin membership of an ancestor org (rule 5).
	Inherited bool
	// ExpiresAt is the caller's expiry ceiling (rule 8): the earliest of its
	// account's expiry and that of the membership its authority comes from.
	ExpiresAt *time.Time
}

// Has reports whether perm is in the caller's effective set.
func (c *Caller) Has(perm string) bool {
	return slices.Contains(c.Permissions, perm)
}

// APITokenID is the id of the API token the caller acts with, or "" for a
// person signed in, an impersonation session or a SCIM token: those carry a
// TokenID too (so that what refuses tokens refuses them), but they have no
// API token item of their own.
func (c *Caller) APITokenID() string {
	if c.ImpersonatedBy != "" || !strings.HasPrefix(c.TokenID, APITokenPrefix) {
		return ""
	}
	return c.TokenID
}

// APITokenPrefix begins every API token's id (ids.New("tok")).
const APITokenPrefix = "tok_"

// HasRole reports whether role is among the caller's effective roles.
func (c *Caller) HasRole(role string) bool { return slices.Contains(c.Roles, role) }

// Built-in role ids (fixed). The permissions each gives are the
// evaluator's (shared/authz); the ids are domain vocabulary the store and
// the services name too.
const (
	RoleOwner     = "owner"
	RoleAdmin     = "admin"
	RoleManager   = "manager"
	RoleDeveloper = "developer"
	RoleViewer    = "viewer"
)
