// Package groups manages the groups of an org: sets of members with roles
// bound to them, which their members inherit, plus the built-in group "all"
// that every member is in implicitly and that holds no roles until some are
// bound to it. Grants to "group:<id>" apply to the group's members.
//
// Deleting a group revokes what it gave at once: its roles leave the org's
// policy in the same transaction (see dynamo.DeleteGroup).
package groups

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Store is what the group use cases read and write.
type Store interface {
	Now() time.Time
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error)
	Group(ctx context.Context, o *gatehouse.Org, groupID string) (*gatehouse.Group, error)
	GroupsPage(ctx context.Context, o *gatehouse.Org, limit int, cursor string) ([]*gatehouse.Group, string, error)
	CreateGroup(ctx context.Context, o *gatehouse.Org, g *gatehouse.Group, actor gatehouse.Actor) error
	DeleteGroup(ctx context.Context, o *gatehouse.Org, groupID string, actor gatehouse.Actor) error
	AddGroupMember(ctx context.Context, orgID, groupID string, m *gatehouse.Membership, actor gatehouse.Actor) error
	RemoveGroupMember(ctx context.Context, orgID, groupID string, m *gatehouse.Membership, actor gatehouse.Actor) error
	SetGroupRoles(ctx context.Context, o *gatehouse.Org, groupID string, roles []string, actor gatehouse.Actor) error
	// Groups in full (full.go).
	GroupMembersPage(ctx context.Context, orgID, groupID string, limit int, cursor string) ([]dynamo.GroupMember, string, error)
	UpdateGroup(ctx context.Context, before *gatehouse.Group, ch dynamo.GroupChanges, actor gatehouse.Actor) (*gatehouse.Group, error)
}

// Service holds the group use cases.
type Service struct {
	store     Store
	catalogue *authz.Catalogue
}

// NewService returns the service.
func NewService(store Store, catalogue *authz.Catalogue) *Service {
	return &Service{store: store, catalogue: catalogue}
}

var groupID = regexp.MustCompile(`^grp_[a-z2-7]{26}$`)

// Input is the body of POST /v1/orgs/{orgId}/groups.
type Input struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Create creates an empty group with no roles.
func (s *Service) Create(ctx context.Context, caller *gatehouse.Caller, orgID string, in Input) (*gatehouse.Group, error) {
	var v gatehouse.Validator
	in.Name = strings.TrimSpace(in.Name)
	v.Check(in.Name != "" && gatehouse.PrintableText(in.Name, 100), "name", "must be 1 to 100 printable characters")
	v.Check(gatehouse.PrintableText(in.Description, 500), "description", "must be at most 500 printable characters")
	if err := v.Err(); err != nil {
		return nil, err
	}
	o, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	g := &gatehouse.Group{OrgID: orgID, ID: ids.New("grp"), Name: in.Name, Description: in.Description,
		Roles: []string{}, CreatedAt: s.store.Now(), CreatedBy: caller.UserID}
	if err := s.store.CreateGroup(ctx, o, g, caller.Actor); err != nil {
		return nil, err
	}
	return g, nil
}

// List returns a page of the org's groups, the built-in one first.
func (s *Service) List(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.Group, string, error) {
	o, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, "", err
	}
	return s.store.GroupsPage(ctx, o, limit, cursor)
}

// Delete deletes a group; its members stay members of the org and lose
// what the group gave them. The built-in group cannot be deleted.
func (s *Service) Delete(ctx context.Context, caller *gatehouse.Caller, orgID, gid string) error {
	if gid == dynamo.GroupAll {
		return gatehouse.Errorf(gatehouse.CodeConflict, "the built-in group cannot be deleted")
	}
	o, g, err := s.group(ctx, orgID, gid)
	if err != nil {
		return err
	}
	// Deleting takes roles away, it gives none: no escalation check.
	return s.store.DeleteGroup(ctx, o, g.ID, caller.Actor)
}

func (s *Service) group(ctx context.Context, orgID, gid string) (*gatehouse.Org, *gatehouse.Group, error) {
	if !groupID.MatchString(gid) && gid != dynamo.GroupAll {
		return nil, nil, gatehouse.NotFound("group")
	}
	o, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	if gid == dynamo.GroupAll {
		return o, dynamo.AllGroup(o), nil
	}
	g, err := s.store.Group(ctx, o, gid)
	if err != nil {
		return nil, nil, err
	}
	return o, g, nil
}

// canGive applies rule 6 to what a group gives its members.
func (s *Service) canGive(o *gatehouse.Org, caller *gatehouse.Caller, roles []string) error {
	return authz.Give(caller, authz.PolicyOf(s.catalogue, o), roles, nil)
}

// AddMember puts a member in a group. Joining a group gives its roles, so
// the caller must be able to give them (rule 6).
func (s *Service) AddMember(ctx context.Context, caller *gatehouse.Caller, orgID, gid, userID string) error {
	if gid == dynamo.GroupAll {
		return gatehouse.Errorf(gatehouse.CodeConflict, "every member is in the built-in group")
	}
	o, g, err := s.group(ctx, orgID, gid)
	if err != nil {
		return err
	}
	m, err := s.store.Membership(ctx, orgID, userID)
	if err != nil {
		return err
	}
	if err := s.canGive(o, caller, g.Roles); err != nil {
		return err
	}
	return s.store.AddGroupMember(ctx, orgID, g.ID, m, caller.Actor)
}

// RemoveMember takes a member out of a group.
func (s *Service) RemoveMember(ctx context.Context, caller *gatehouse.Caller, orgID, gid, userID string) error {
	if gid == dynamo.GroupAll {
		return gatehouse.Errorf(gatehouse.CodeConflict, "every member is in the built-in group")
	}
	_, g, err := s.group(ctx, orgID, gid)
	if err != nil {
		return err
	}
	m, err := s.store.Membership(ctx, orgID, userID)
	if err != nil {
		return err
	}
	return s.store.RemoveGroupMember(ctx, orgID, g.ID, m, caller.Actor)
}

// RolesInput is the body of PUT .../groups/{groupId}/roles.
type RolesInput struct {
	Roles []string `json:"roles"`
}

// SetRoles replaces the roles bound to a group. Roles must exist; the owner
// role is never bound to a group (ownership is always given directly, so
// that the org's owner count and the last-owner rule stay exact); and the
// caller must be able to give every role it binds (rule 6). Roles the group
// already had and the caller could not give are refused too: binding is a
// replacement, and keeping them would be the caller re-giving them.
func (s *Service) SetRoles(ctx context.Context, caller *gatehouse.Caller, orgID, gid string, in RolesInput) (*gatehouse.Group, error) {
	var v gatehouse.Validator
	v.Check(in.Roles != nil, "roles", "is required (an empty list removes every role)")
	v.Check(len(in.Roles) <= 20, "roles", "at most 20 roles")
	o, g, err := s.group(ctx, orgID, gid)
	if err != nil {
		return nil, err
	}
	p := authz.PolicyOf(s.catalogue, o)
	roles := []string{}
	for _, r := range in.Roles {
		_, ok := p.RolePermissions(r)
		v.Check(ok, "roles", "%q is not a role of the org", r)
		v.Check(authz.GroupBindable(r), "roles", "the owner role is given to members directly, never through a group")
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var added []string
	for _, r := range roles {
		if !slices.Contains(g.Roles, r) {
			added = append(added, r)
		}
	}
	// Only what is added is given now; removing roles is always allowed.
	if err := s.canGive(o, caller, added); err != nil {
		return nil, err
	}
	if err := s.store.SetGroupRoles(ctx, o, g.ID, roles, caller.Actor); err != nil {
		return nil, err
	}
	g.Roles = roles
	return g, nil
}

// NewMux returns the `groups` function's routes.
func NewMux(s *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnGroups, log)
	const base = "/v1/orgs/{orgId}/groups"
	apigw.List(m, "GET "+base, func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]*gatehouse.Group, string, error) {
		return s.List(ctx, r.Param("orgId"), q.Limit, q.Cursor)
	})
	apigw.Handle(m, "POST "+base, http.StatusCreated, func(ctx context.Context, r *apigw.Request, in Input) (*gatehouse.Group, error) {
		return s.Create(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.Handle(m, "DELETE "+base+"/{groupId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, s.Delete(ctx, r.Caller, r.Param("orgId"), r.Param("groupId"))
	})
	apigw.Handle(m, "PUT "+base+"/{groupId}/members/{userId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, s.AddMember(ctx, r.Caller, r.Param("orgId"), r.Param("groupId"), r.Param("userId"))
	})
	apigw.Handle(m, "DELETE "+base+"/{groupId}/members/{userId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, s.RemoveMember(ctx, r.Caller, r.Param("orgId"), r.Param("groupId"), r.Param("userId"))
	})
	apigw.Handle(m, "PUT "+base+"/{groupId}/roles", http.StatusOK, func(ctx context.Context, r *apigw.Request, in RolesInput) (*gatehouse.Group, error) {
		return s.SetRoles(ctx, r.Caller, r.Param("orgId"), r.Param("groupId"), in)
	})
	// Groups in full (full.go).
	apigw.Handle(m, "GET "+base+"/{groupId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*gatehouse.Group, error) {
		return s.Get(ctx, r.Param("orgId"), r.Param("groupId"))
	})
	apigw.Handle(m, "PATCH "+base+"/{groupId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, p Patch) (*gatehouse.Group, error) {
		return s.Update(ctx, r.Caller, r.Param("orgId"), r.Param("groupId"), p)
	})
	apigw.List(m, "GET "+base+"/{groupId}/members", func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]dynamo.GroupMember, string, error) {
		return s.Members(ctx, r.Param("orgId"), r.Param("groupId"), q.Limit, q.Cursor)
	})
	return m
}
