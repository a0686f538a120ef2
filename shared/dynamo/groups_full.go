package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Groups in full (issue 17, item 7): one group's members as a list of the
// API, and renaming a group. See docs/data-model.md, "Groups".

// listGroupMembers names the list of one group's members in its cursors;
// the position (GROUPMEMBER#<group>#<user>) pins the group.
const listGroupMembers = "group_members"

// GroupMember is one member of a group as the group's member list shows it.
type GroupMember struct {
	UserID  string    `json:"userId"`
	AddedAt time.Time `json:"addedAt"`
}

// GroupMembersPage lists one page of a group's members, in user-id order.
func (s *Store) GroupMembersPage(ctx context.Context, orgID, groupID string, limit int, cursor string) ([]GroupMember, string, error) {
	l := list{name: listGroupMembers, org: orgID, rng: groupMembersRange(orgID, groupID)}
	items, next, err := s.page(ctx, l, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]GroupMember, len(items))
	for i, it := range items {
		out[i] = GroupMember{UserID: it.getS("userId"), AddedAt: it.getTime(attrCreated)}
	}
	return out, next, nil
}

// GroupChanges are the fields of PATCH .../groups/{groupId}; nil leaves a
// field as it is.
type GroupChanges struct {
	Name, Description *string
}

// UpdateGroup renames a group or changes its description: the group item
// (which must still exist) and the audit event in one transaction. before
// is the group as read; the answer is the group after the change.
func (s *Store) UpdateGroup(ctx context.Context, before *gatehouse.Group, ch GroupChanges, actor gatehouse.Actor) (*gatehouse.Group, error) {
	after := *before
	names := map[string]string{"#pk": tabledef.PK, "#u": attrUpdated}
	values := map[string]types.AttributeValue{":now": str(s.Now().Format(time.RFC3339Nano))}
	expr := "SET #u = :now"
	b, a := map[string]any{}, map[string]any{}
	if ch.Name != nil {
		names["#n"], values[":n"] = "name", str(*ch.Name)
		expr += ", #n = :n"
		b["name"], a["name"], after.Name = before.Name, *ch.Name, *ch.Name
	}
	remove := ""
	if ch.Description != nil {
		names["#d"] = "description"
		if *ch.Description == "" {
			// Empty strings are not stored (item.setS): clearing removes.
			remove = " REMOVE #d"
		} else {
			values[":d"] = str(*ch.Description)
			expr += ", #d = :d"
		}
		b["description"], a["description"], after.Description = before.Description, *ch.Description, *ch.Description
	}
	expr += remove
	t := s.tx().update(groupKey(before.OrgID, before.ID), expr, "attribute_exists(#pk)", gatehouse.NotFound("group"), names, values)
	t.audit(s.NewAudit(actor, before.OrgID, "group.update", before.ID, b, a))
	if err := t.commit(ctx); err != nil {
		return nil, fmt.Errorf("update group %s: %w", before.ID, err)
	}
	return &after, nil
}
