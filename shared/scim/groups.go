package scim

import (
	"context"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/groups"
)

// groupAll is the built-in group every member is in: not a SCIM group
// (an identity provider cannot manage it).
const groupAll = "all"

// maxGroupMembers bounds the members a SCIM Group lists.
const maxGroupMembers = 1000

func groupOf(g *gatehouse.Group, memberIDs []string) Group {
	out := Group{Schemas: []string{SchemaGroup}, ID: g.ID, DisplayName: g.Name,
		Meta: Meta{ResourceType: "Group", Created: g.CreatedAt, LastModified: g.CreatedAt}}
	for _, id := range memberIDs {
		out.Members = append(out.Members, Value{Value: id})
	}
	return out
}

func (s *Service) group(ctx context.Context, orgID, id string) (*gatehouse.Org, *gatehouse.Group, error) {
	if id == groupAll || !strings.HasPrefix(id, "grp_") {
		return nil, nil, gatehouse.NotFound("group")
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	g, err := s.store.Group(ctx, org, id)
	if err != nil {
		return nil, nil, err
	}
	return org, g, nil
}

// GetGroup reads one group with its members (unless excluded, as Entra
// asks).
func (s *Service) GetGroup(ctx context.Context, orgID, id string, q GetQuery) (*Group, error) {
	_, g, err := s.group(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	var ids []string
	if !excludes(q.ExcludedAttributes, "members") {
		if ids, err = s.store.GroupMemberIDs(ctx, orgID, g.ID, maxGroupMembers); err != nil {
			return nil, err
		}
	}
	out := groupOf(g, ids)
	return &out, nil
}

// maxGroupScan bounds the groups a displayName filter reads.
const maxGroupScan = 2000

// allGroups reads the org's groups (the built-in one left out), at most
// maxGroupScan.
func (s *Service) allGroups(ctx context.Context, org *gatehouse.Org) ([]*gatehouse.Group, error) {
	var out []*gatehouse.Group
	cursor := ""
	for len(out) < maxGroupScan {
		page, next, err := s.store.GroupsPage(ctx, org, MaxCount, cursor)
		if err != nil {
			return nil, err
		}
		for _, g := range page {
			if g.ID != groupAll {
				out = append(out, g)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return out, nil
}

// ListGroups answers a list of groups, or those whose displayName equals
// a filter's value (how Okta and Entra look for a group before creating
// it).
func (s *Service) ListGroups(ctx context.Context, orgID string, q ListQuery) (*ListResponse[Group], error) {
	f, err := ParseFilter(q.Filter)
	if err != nil {
		return nil, err
	}
	if f != nil && f.Attr != "displayname" && f.Attr != "id" && f.Attr != "externalid" {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: fieldFilter, Message: "groups are filtered on displayName, id or externalId only"})
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	all, err := s.allGroups(ctx, org)
	if err != nil {
		return nil, err
	}
	if f != nil {
		all = slices.DeleteFunc(all, func(g *gatehouse.Group) bool {
			switch f.Attr {
			case "displayname":
				return g.Name != f.Value
			case "id":
				return g.ID != f.Value
			}
			return true // no group has an externalId
		})
	}
	start, count := q.window()
	var out []Group
	withMembers := !excludes(q.ExcludedAttributes, "members")
	for i := start - 1; i < len(all) && len(out) < count; i++ {
		var ids []string
		if withMembers {
			if ids, err = s.store.GroupMemberIDs(ctx, orgID, all[i].ID, maxGroupMembers); err != nil {
				return nil, err
			}
		}
		out = append(out, groupOf(all[i], ids))
	}
	l := newList(out, len(all), start)
	return &l, nil
}

// memberIDs resolves the SCIM User ids of group members to the org's
// members: an invite not accepted yet has no membership to put in a group.
func (s *Service) memberIDs(ctx context.Context, orgID string, ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		t, err := s.resolve(ctx, orgID, id)
		if err != nil {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "members", Message: "no user " + id + " in this org"})
		}
		if t.invite != nil {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "members",
				Message: "user " + id + " is invited and has not joined yet: it joins groups once it has"})
		}
		if _, err := s.store.Membership(ctx, orgID, t.userID); err != nil {
			if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
				return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "members", Message: "no user " + id + " in this org"})
			}
			return nil, err
		}
		if !slices.Contains(out, t.userID) {
			out = append(out, t.userID)
		}
	}
	return out, nil
}

// CreateGroup creates a group (with no roles: an admin binds roles in
// Gatehouse) and adds its members, one transaction each. A displayName
// already taken is a 409 uniqueness.
func (s *Service) CreateGroup(ctx context.Context, c *gatehouse.Caller, orgID string, in GroupInput) (*Group, error) {
	name := strings.TrimSpace(in.DisplayName)
	if name == "" {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "displayName", Message: "required"})
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	all, err := s.allGroups(ctx, org)
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(all, func(g *gatehouse.Group) bool { return g.Name == name }) {
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "a group named %q exists", name)
	}
	var ids []string
	for _, m := range in.Members {
		ids = append(ids, m.Value)
	}
	userIDs, err := s.memberIDs(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	g, err := s.groups.Create(ctx, c, orgID, groups.Input{Name: name})
	if err != nil {
		return nil, err
	}
	for _, uid := range userIDs {
		if err := s.groups.AddMember(ctx, c, orgID, g.ID, uid); err != nil {
			return nil, err
		}
	}
	out := groupOf(g, userIDs)
	return &out, nil
}

// PatchGroup adds and removes members (Okta's and Entra's forms), one
// transaction per member changed, and renames the group (displayName, a
// name no other group has; one transaction).
func (s *Service) PatchGroup(ctx context.Context, c *gatehouse.Caller, orgID, id string, in PatchInput) (*Group, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	_, g, err := s.group(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	current, err := s.store.GroupMemberIDs(ctx, orgID, g.ID, maxGroupMembers)
	if err != nil {
		return nil, err
	}
	want := slices.Clone(current)
	name := g.Name
	for _, op := range in.Operations {
		if want, err = s.applyGroupOp(ctx, orgID, op, want, &name); err != nil {
			return nil, err
		}
	}
	if name != g.Name {
		org, err := s.store.Org(ctx, orgID)
		if err != nil {
			return nil, err
		}
		all, err := s.allGroups(ctx, org)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(all, func(o *gatehouse.Group) bool { return o.Name == name && o.ID != g.ID }) {
			return nil, gatehouse.Errorf(gatehouse.CodeConflict, "a group named %q exists", name)
		}
		if g, err = s.groups.Update(ctx, c, orgID, g.ID, groups.Patch{Name: &name}); err != nil {
			return nil, err
		}
	}
	for _, uid := range want {
		if !slices.Contains(current, uid) {
			if err := s.groups.AddMember(ctx, c, orgID, g.ID, uid); err != nil {
				return nil, err
			}
		}
	}
	for _, uid := range current {
		if !slices.Contains(want, uid) {
			if err := s.groups.RemoveMember(ctx, c, orgID, g.ID, uid); err != nil && gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
				return nil, err
			}
		}
	}
	out := groupOf(g, want)
	return &out, nil
}

// applyGroupOp applies one operation to the wanted members.
func (s *Service) applyGroupOp(ctx context.Context, orgID string, op PatchOperation, want []string, name *string) ([]string, error) {
	if op.Path == "" {
		var attrs map[string]rawJSON
		if err := unmarshal(op.Value, &attrs); err != nil {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "value", Message: "without a path, the value must be an object of attributes"})
		}
		for k, v := range attrs {
			var err error
			if want, err = s.applyGroupOp(ctx, orgID, PatchOperation{Op: op.Op, Path: k, Value: v}, want, name); err != nil {
				return nil, err
			}
		}
		return want, nil
	}
	attr, filterValue, filtered, err := pathValueFilter(op.Path)
	if err != nil {
		return nil, err
	}
	switch attr {
	case "members":
		var ids []string
		if filtered {
			ids = []string{filterValue}
		} else if ids, err = values(op.Value, "members"); err != nil {
			return nil, err
		}
		var userIDs []string
		if op.Op == "remove" {
			// Removing someone who is no longer a user removes nothing.
			for _, id := range ids {
				if t, err := s.resolve(ctx, orgID, id); err == nil && t.invite == nil {
					userIDs = append(userIDs, t.userID)
				}
			}
		} else if userIDs, err = s.memberIDs(ctx, orgID, ids); err != nil {
			return nil, err
		}
		switch {
		case op.Op == "replace":
			return userIDs, nil
		case op.Op == "add":
			for _, uid := range userIDs {
				if !slices.Contains(want, uid) {
					want = append(want, uid)
				}
			}
			return want, nil
		case !filtered && len(ids) == 0:
			return nil, nil // remove every member
		}
		return slices.DeleteFunc(want, func(uid string) bool { return slices.Contains(userIDs, uid) }), nil
	case "displayname":
		var n string
		if op.Op == "remove" || unmarshal(op.Value, &n) != nil || strings.TrimSpace(n) == "" {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "displayName", Message: "must be a name"})
		}
		*name = strings.TrimSpace(n)
		return want, nil
	case "externalid", "id", "schemas", "meta":
		return want, nil
	}
	return nil, gatehouse.Invalid(gatehouse.FieldError{Field: fieldPath, Message: "a group's members and displayName are patched, nothing else"})
}

// DeleteGroup deletes a group: its members stay and lose what it gave.
func (s *Service) DeleteGroup(ctx context.Context, c *gatehouse.Caller, orgID, id string) error {
	if _, _, err := s.group(ctx, orgID, id); err != nil {
		return err
	}
	return s.groups.Delete(ctx, c, orgID, id)
}
