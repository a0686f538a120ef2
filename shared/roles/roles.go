// Package roles is the custom roles use case: list the built-in and custom
// roles of an org, and create, update and delete custom ones.
//
// A custom role may only contain permissions its creator (or editor) holds
// (rule 6). A custom role still assigned to a member or bound to a group
// cannot be deleted: the delete is refused with 409 conflict, and the
// holders must be given other roles first. The check is atomic: every
// membership write keeps a per-role holder counter on the org item, and the
// delete's condition requires it to be zero.
package roles

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// MaxCustomRoles bounds an org's custom roles (they live on the org item).
const MaxCustomRoles = 50

// Store is what the custom roles use case reads and writes
// (*dynamo.Store in production).
type Store interface {
	Now() time.Time
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	NewAudit(actor gatehouse.Actor, orgID, action, target string, before, after map[string]any) gatehouse.AuditEvent
	SaveCustomRoles(ctx context.Context, c dynamo.RoleChange) error
}

// Service is the custom roles use case.
type Service struct {
	store Store
	cat   *authz.Catalogue
}

// NewService returns the use case.
func NewService(store Store, cat *authz.Catalogue) *Service {
	return &Service{store: store, cat: cat}
}

// List returns the built-in roles (most powerful first), then the org's
// custom roles by name.
func (s *Service) List(ctx context.Context, orgID string) ([]gatehouse.Role, error) {
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]gatehouse.Role, 0, len(authz.BuiltinRoleIDs)+len(org.CustomRoles))
	for _, id := range authz.BuiltinRoleIDs {
		perms, _ := s.cat.BuiltinRole(id)
		out = append(out, gatehouse.Role{ID: id, Name: authz.BuiltinRoleNames[id], Permissions: perms, BuiltIn: true})
	}
	custom := make([]gatehouse.Role, 0, len(org.CustomRoles))
	for id, r := range org.CustomRoles {
		r.ID = id
		custom = append(custom, r)
	}
	sort.Slice(custom, func(i, j int) bool { return strings.ToLower(custom[i].Name) < strings.ToLower(custom[j].Name) })
	return append(out, custom...), nil
}

// Input is the body of create and update.
type Input struct {
	Name        string   `json:"name"`
	Description string   `json:"description" jsonschema:"default="`
	Permissions []string `json:"permissions"`
}

func (s *Service) validate(c *gatehouse.Caller, in *Input) error {
	in.Name = strings.TrimSpace(in.Name)
	var v gatehouse.Validator
	v.Check(in.Name != "" && gatehouse.PrintableText(in.Name, 64), "name", "1 to 64 printable characters")
	v.Check(gatehouse.PrintableText(in.Description, 500), "description", "at most 500 printable characters (no control characters)")
	v.Check(len(in.Permissions) > 0, "permissions", "at least one permission")
	seen := map[string]bool{}
	for _, p := range in.Permissions {
		v.Check(s.cat.Known(p), "permissions", "unknown permission %q", p)
		v.Check(!seen[p], "permissions", "permission %q listed twice", p)
		seen[p] = true
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.holdsAll(c, in.Permissions)
}

// holdsAll applies rule 6 to a custom role's permissions: what a role
// gives, its author must hold.
func (s *Service) holdsAll(c *gatehouse.Caller, perms []string) error {
	return authz.Give(c, &authz.OrgPolicy{Catalogue: s.cat}, nil, perms)
}

func nameTaken(org *gatehouse.Org, name, except string) bool {
	for _, id := range authz.BuiltinRoleIDs {
		if strings.EqualFold(name, id) || strings.EqualFold(name, authz.BuiltinRoleNames[id]) {
			return true
		}
	}
	for id, r := range org.CustomRoles {
		if id != except && strings.EqualFold(r.Name, name) {
			return true
		}
	}
	return false
}

func roleMap(r gatehouse.Role) map[string]any {
	return map[string]any{"name": r.Name, "description": r.Description, "permissions": r.Permissions}
}

func copyRoles(m map[string]gatehouse.Role) map[string]gatehouse.Role {
	out := make(map[string]gatehouse.Role, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Create adds a custom role.
func (s *Service) Create(ctx context.Context, c *gatehouse.Caller, orgID string, in Input) (*gatehouse.Role, error) {
	if err := s.validate(c, &in); err != nil {
		return nil, err
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if nameTaken(org, in.Name, "") {
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "a role named %q exists", in.Name)
	}
	if len(org.CustomRoles) >= MaxCustomRoles {
		return nil, gatehouse.LimitExceeded("customRoles", "an org has at most %d custom roles", MaxCustomRoles)
	}
	now := s.store.Now()
	r := gatehouse.Role{ID: ids.New("role"), Name: in.Name, Description: in.Description,
		Permissions: in.Permissions, CreatedAt: now, UpdatedAt: now}
	all := copyRoles(org.CustomRoles)
	all[r.ID] = r
	ev := s.store.NewAudit(c.Actor, orgID, "role.create", r.ID, nil, roleMap(r))
	if err := s.store.SaveCustomRoles(ctx, dynamo.RoleChange{Org: org, Roles: all, Audit: ev}); err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Service) custom(ctx context.Context, c *gatehouse.Caller, orgID, roleID string) (*gatehouse.Org, gatehouse.Role, error) {
	if authz.IsBuiltinRole(roleID) {
		return nil, gatehouse.Role{}, gatehouse.Errorf(gatehouse.CodeConflict, "built-in roles cannot be changed")
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, gatehouse.Role{}, err
	}
	r, ok := org.CustomRoles[roleID]
	if !ok {
		return nil, gatehouse.Role{}, gatehouse.NotFound("role")
	}
	r.ID = roleID
	// Changing a role changes what its holders may do: only someone who
	// holds all of it may touch it.
	if err := s.holdsAll(c, r.Permissions); err != nil {
		return nil, gatehouse.Role{}, err
	}
	return org, r, nil
}

// Update replaces a custom role's name, description and permissions.
func (s *Service) Update(ctx context.Context, c *gatehouse.Caller, orgID, roleID string, in Input) (*gatehouse.Role, error) {
	if err := s.validate(c, &in); err != nil {
		return nil, err
	}
	org, before, err := s.custom(ctx, c, orgID, roleID)
	if err != nil {
		return nil, err
	}
	if nameTaken(org, in.Name, roleID) {
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "a role named %q exists", in.Name)
	}
	after := before
	after.Name, after.Description, after.Permissions, after.UpdatedAt = in.Name, in.Description, in.Permissions, s.store.Now()
	all := copyRoles(org.CustomRoles)
	all[roleID] = after
	ev := s.store.NewAudit(c.Actor, orgID, "role.update", roleID, roleMap(before), roleMap(after))
	if err := s.store.SaveCustomRoles(ctx, dynamo.RoleChange{Org: org, Roles: all, Audit: ev}); err != nil {
		return nil, err
	}
	return &after, nil
}

// Delete deletes a custom role that no member holds and no group binds.
func (s *Service) Delete(ctx context.Context, c *gatehouse.Caller, orgID, roleID string) error {
	org, r, err := s.custom(ctx, c, orgID, roleID)
	if err != nil {
		return err
	}
	for _, roles := range org.GroupRoles {
		if slices.Contains(roles, roleID) {
			return dynamo.ErrRoleInUse
		}
	}
	all := copyRoles(org.CustomRoles)
	delete(all, roleID)
	ev := s.store.NewAudit(c.Actor, orgID, "role.delete", roleID, roleMap(r), nil)
	return s.store.SaveCustomRoles(ctx, dynamo.RoleChange{Org: org, Roles: all, Deleted: roleID, Audit: ev})
}

// NewMux returns the HTTP handlers of the roles function.
func NewMux(svc *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnRoles, log)
	const base = "/v1/orgs/{orgId}/roles"
	// Every role of an org fits one page (MaxCustomRoles and the
	// built-ins): the list takes no cursor.
	apigw.Handle(m, "GET "+base, http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Page[gatehouse.Role], error) {
		items, err := svc.List(ctx, r.Param("orgId"))
		return apigw.NewPage(items, ""), err
	})
	apigw.Handle(m, "POST "+base, http.StatusCreated, func(ctx context.Context, r *apigw.Request, in Input) (*gatehouse.Role, error) {
		return svc.Create(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.Handle(m, "PUT "+base+"/{roleId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, in Input) (*gatehouse.Role, error) {
		return svc.Update(ctx, r.Caller, r.Param("orgId"), r.Param("roleId"), in)
	})
	apigw.Handle(m, "DELETE "+base+"/{roleId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, svc.Delete(ctx, r.Caller, r.Param("orgId"), r.Param("roleId"))
	})
	return m
}
