// Package authz is Gatehouse's permission model: the permission catalogue,
// the built-in roles and the evaluator of docs/rules.md.
//
// Everything here is pure: the evaluator decides over a Snapshot loaded
// beforehand and does no I/O, so the authorizer, the services and the check
// API all reach the same decision for the same data.
package authz

import (
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Built-in role ids (fixed), as the domain names them.
const (
	RoleOwner     = gatehouse.RoleOwner
	RoleAdmin     = gatehouse.RoleAdmin
	RoleManager   = gatehouse.RoleManager
	RoleDeveloper = gatehouse.RoleDeveloper
	RoleViewer    = gatehouse.RoleViewer
)

// BuiltinRoleIDs lists the built-in roles from most to least powerful.
var BuiltinRoleIDs = []string{RoleOwner, RoleAdmin, RoleManager, RoleDeveloper, RoleViewer}

// IsBuiltinRole reports whether id names a built-in role.
func IsBuiltinRole(id string) bool { return slices.Contains(BuiltinRoleIDs, id) }

// Resource actions, the same for every resource type.
const (
	ActionRead   = "read"
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
	ActionShare  = "share"
)

// ResourceActions are the actions of every resource type.
var ResourceActions = []string{ActionRead, ActionCreate, ActionUpdate, ActionDelete, ActionShare}

// DefaultResourceTypes are the resource types configured when none are given.
var DefaultResourceTypes = []string{"device", "dashboard"}

// orgObjects are the permission objects that are not resource types.
var orgObjects = []struct {
	object  string
	actions []string
}{
	{"org", []string{"read", "update", "delete", "billing"}},
	{"suborgs", []string{"read", "create", "delete"}},
	{"members", []string{"read", "invite", "create", "update", "remove", "roles", "limits"}},
	{"roles", []string{"read", "manage"}},
	{"groups", []string{"read", "manage"}},
	{"tokens", []string{"manage"}},
	{"audit", []string{"read"}},
	{"limits", []string{"read", "update"}},
	// The event stream (docs/events.md): apart from audit:read, so that an
	// integration's token reads changes without the audit log's request
	// ids and source addresses.
	{"events", []string{"read"}},
}

// IsOrgObject reports whether object is one of the fixed, non-resource
// permission objects.
func IsOrgObject(object string) bool {
	for _, o := range orgObjects {
		if o.object == object {
			return true
		}
	}
	return false
}

// Split cuts "object:action" into its parts.
func Split(perm string) (object, action string, ok bool) {
	return strings.Cut(perm, ":")
}

// Catalogue is the permission catalogue for a set of resource types.
type Catalogue struct {
	ResourceTypes []string
	perms         []string
	known         map[string]bool
	builtin       map[string][]string // computed once: read on every decision
}

// NewCatalogue builds the catalogue for the given resource types.
func NewCatalogue(resourceTypes []string) *Catalogue {
	c := &Catalogue{ResourceTypes: slices.Clone(resourceTypes), known: map[string]bool{}}
	for _, o := range orgObjects {
		for _, a := range o.actions {
			c.add(o.object + ":" + a)
		}
	}
	for _, t := range resourceTypes {
		for _, a := range ResourceActions {
			c.add(t + ":" + a)
		}
	}
	c.builtin = make(map[string][]string, len(BuiltinRoleIDs))
	for _, id := range BuiltinRoleIDs {
		c.builtin[id] = c.buildRole(id)
	}
	return c
}

func (c *Catalogue) add(p string) {
	c.perms = append(c.perms, p)
	c.known[p] = true
}

// Permissions lists every permission, in catalogue order.
func (c *Catalogue) Permissions() []string { return slices.Clone(c.perms) }

// Known reports whether p is in the catalogue.
func (c *Catalogue) Known(p string) bool { return c.known[p] }

// IsResourceType reports whether t is a configured resource type.
func (c *Catalogue) IsResourceType(t string) bool { return slices.Contains(c.ResourceTypes, t) }

// BuiltinRole returns the permissions of a built-in role. The slice is
// shared: callers must not change it.
func (c *Catalogue) BuiltinRole(id string) ([]string, bool) {
	perms, ok := c.builtin[id]
	return perms, ok
}

func (c *Catalogue) buildRole(id string) []string {
	var out []string
	switch id {
	case RoleOwner:
		out = c.Permissions()
	case RoleAdmin:
		for _, p := range c.perms {
			if p != "org:billing" && p != "org:delete" {
				out = append(out, p)
			}
		}
	case RoleManager:
		out = append(out, "org:read", "limits:read", "roles:read", "groups:read")
		for _, p := range c.perms {
			if strings.HasPrefix(p, "members:") {
				out = append(out, p)
			}
		}
		out = append(out, c.resourcePerms(ResourceActions...)...)
	case RoleDeveloper:
		out = append(out, "org:read", "members:read", "roles:read", "groups:read")
		out = append(out, c.resourcePerms(ResourceActions...)...)
	case RoleViewer:
		out = append(out, "org:read")
		out = append(out, c.resourcePerms(ActionRead)...)
	}
	return out
}

func (c *Catalogue) resourcePerms(actions ...string) []string {
	var out []string
	for _, t := range c.ResourceTypes {
		for _, a := range actions {
			out = append(out, t+":"+a)
		}
	}
	return out
}

// BuiltinRoleNames are the display names of the built-in roles.
var BuiltinRoleNames = map[string]string{
	RoleOwner:     "Owner",
	RoleAdmin:     "Administrator",
	RoleManager:   "Manager",
	RoleDeveloper: "Developer",
	RoleViewer:    "Viewer",
}
