package groups

import (
	"context"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Groups in full (issue 17, item 7): read one group, rename it, list its
// members. The route permissions (groups:read, groups:manage) are the
// whole rule: renaming gives nothing, so no rule 6 check applies.

// Patch is the body of PATCH /v1/orgs/{orgId}/groups/{groupId}; a field
// left out stays as it is.
type Patch struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

// Get returns one group with its roles; "all" is the built-in group.
func (s *Service) Get(ctx context.Context, orgID, gid string) (*gatehouse.Group, error) {
	_, g, err := s.group(ctx, orgID, gid)
	return g, err
}

// Update renames a group or changes its description, validated like a
// creation. The built-in group keeps its name (409).
func (s *Service) Update(ctx context.Context, caller *gatehouse.Caller, orgID, gid string, p Patch) (*gatehouse.Group, error) {
	var v gatehouse.Validator
	v.Check(p.Name != nil || p.Description != nil, "body", "give name and/or description")
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		v.Check(*p.Name != "" && gatehouse.PrintableText(*p.Name, 100), "name", "must be 1 to 100 printable characters")
	}
	if p.Description != nil {
		*p.Description = strings.TrimSpace(*p.Description)
		v.Check(gatehouse.PrintableText(*p.Description, 500), "description", "must be at most 500 printable characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if gid == dynamo.GroupAll {
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "the built-in group cannot be renamed")
	}
	_, g, err := s.group(ctx, orgID, gid)
	if err != nil {
		return nil, err
	}
	return s.store.UpdateGroup(ctx, g, dynamo.GroupChanges{Name: p.Name, Description: p.Description}, caller.Actor)
}

// Members lists one page of a group's members. The built-in group holds
// every member of the org: its list is the org's member list, so it is
// not listed here (400 on groupId).
func (s *Service) Members(ctx context.Context, orgID, gid string, limit int, cursor string) ([]dynamo.GroupMember, string, error) {
	if gid == dynamo.GroupAll {
		return nil, "", gatehouse.Invalid(gatehouse.FieldError{Field: "groupId", Message: "every member is in the built-in group: list the org's members"})
	}
	if _, _, err := s.group(ctx, orgID, gid); err != nil {
		return nil, "", err
	}
	return s.store.GroupMembersPage(ctx, orgID, gid, limit, cursor)
}
