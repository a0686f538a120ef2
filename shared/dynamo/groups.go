package dynamo

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Groups.
//
// The org item's groupRoles map (group id -> role ids) is the registry of the
// org's groups: a group exists for the evaluator exactly when its id is a key
// there (with no roles: an empty list). The group item holds the name and a
// member counter; a group member item per member lists the members; the
// membership's "groups" list is what the authorizer reads. Because the
// evaluator resolves a group only through the org item, a group id left in a
// membership's list after the group is deleted gives nothing: no roles (the
// key is gone), and the services drop unknown groups before evaluating
// grants (GroupsOf). Group ids are random and never reused.

// GroupAll is the built-in group of every member of an org. It is not
// stored: membership in it is implicit, and its roles live in groupRoles
// like any other group's.
const GroupAll = "all"

// maxGroupCleanup is how many members a group deletion cleans up in the
// same transaction; beyond that, the stale ids are harmless and removed in
// later transactions.
const maxGroupCleanup = 30

func groupItem(g *gatehouse.Group) item {
	return newItem(groupKey(g.OrgID, g.ID)).
		setS(attrKind, kindGroup).
		setS("orgId", g.OrgID).
		setS("groupId", g.ID).
		setS("name", g.Name).
		setS("description", g.Description).
		setN("memberCount", int64(g.MemberCount)).
		setS("createdBy", g.CreatedBy).
		setTime(attrCreated, g.CreatedAt)
}

func decodeGroup(it item) *gatehouse.Group {
	return &gatehouse.Group{
		OrgID:       it.getS("orgId"),
		ID:          it.getS("groupId"),
		Name:        it.getS("name"),
		Description: it.getS("description"),
		MemberCount: it.getInt("memberCount"),
		CreatedBy:   it.getS("createdBy"),
		CreatedAt:   it.getTime(attrCreated),
	}
}

// GroupsOf returns the groups a membership is in that exist in the org,
// plus the built-in all group: the groups the evaluator must see.
func GroupsOf(o *gatehouse.Org, m *gatehouse.Membership) []string {
	out := []string{GroupAll}
	for _, g := range m.Groups {
		if _, ok := o.GroupRoles[g]; ok && g != GroupAll {
			out = append(out, g)
		}
	}
	return out
}

// orgGroupRolesUpdate changes the org item's groupRoles guarded by its version,
// so that concurrent changes of the org's policy never overwrite each other.
func orgGroupRolesUpdate(t *tx, o *gatehouse.Org, groupRoles map[string][]string, now time.Time) {
	t.update(orgKey(o.ID), "SET #gr = :gr, #u = :now ADD #v :one", "#v = :v",
		gatehouse.Errorf(gatehouse.CodeConflict, "the org changed meanwhile; retry"),
		map[string]string{"#gr": "groupRoles", "#u": attrUpdated, "#v": attrVersion},
		map[string]types.AttributeValue{
			":gr":  jsonAV(nonNilGroups(groupRoles)),
			":now": str(now.Format(time.RFC3339Nano)), ":one": num(1), ":v": num(o.Version),
		})
}

// CreateGroup stores a group and registers it in the org's groupRoles with
// no roles (o is the org as read before; its version guards the change).
func (s *Store) CreateGroup(ctx context.Context, o *gatehouse.Org, g *gatehouse.Group, actor gatehouse.Actor) error {
	gr := maps.Clone(o.GroupRoles)
	if gr == nil {
		gr = map[string][]string{}
	}
	gr[g.ID] = []string{}
	t := s.tx().create(groupItem(g), gatehouse.Errorf(gatehouse.CodeConflict, "the group exists"))
	orgGroupRolesUpdate(t, o, gr, s.Now())
	t.audit(s.NewAudit(actor, o.ID, "group.create", g.ID, nil, map[string]any{"name": g.Name}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("create group %s: %w", g.ID, err)
	}
	return nil
}

// Group reads a group with its roles from the org's policy.
func (s *Store) Group(ctx context.Context, o *gatehouse.Org, groupID string) (*gatehouse.Group, error) {
	it, err := s.get(ctx, groupKey(o.ID, groupID), true, "group")
	if err != nil {
		return nil, err
	}
	g := decodeGroup(it)
	g.Roles = rolesOrEmpty(o.GroupRoles[g.ID])
	return g, nil
}

func rolesOrEmpty(r []string) []string {
	if r == nil {
		return []string{}
	}
	return r
}

// AllGroup is the built-in group of every member of an org as lists show
// it: its roles from the org's policy, every member counted.
func AllGroup(o *gatehouse.Org) *gatehouse.Group {
	return &gatehouse.Group{OrgID: o.ID, ID: GroupAll, Name: "All members", Description: "Every member of the org",
		Roles: rolesOrEmpty(o.GroupRoles[GroupAll]), MemberCount: o.Usage.Members, BuiltIn: true}
}

// GroupsPage lists one page of an org's groups: the built-in all group
// first, then the stored groups by id (o as read before gives their roles).
func (s *Store) GroupsPage(ctx context.Context, o *gatehouse.Org, limit int, cursor string) ([]*gatehouse.Group, string, error) {
	l := list{name: listGroups, org: o.ID, rng: groupsRange(o.ID)}
	after, err := s.open(l.name, l.org, cursor, l.holds)
	if err != nil {
		return nil, "", err
	}
	limit = ClampLimit(limit)
	out := []*gatehouse.Group{}
	if after == "" {
		out = append(out, AllGroup(o))
		if limit--; limit == 0 {
			// The range's own prefix is the position before every stored
			// group.
			return out, s.seal(l.name, l.org, l.rng.prefix), nil
		}
	}
	items, last, err := s.readRange(ctx, l, after, limit)
	if err != nil {
		return nil, "", fmt.Errorf("groups of %s: %w", o.ID, err)
	}
	for _, it := range items {
		g := decodeGroup(it)
		g.Roles = rolesOrEmpty(o.GroupRoles[g.ID])
		out = append(out, g)
	}
	next := ""
	if last != "" {
		next = s.seal(l.name, l.org, last)
	}
	return out, next, nil
}

// GroupMemberIDs lists up to limit member ids of a group.
func (s *Store) GroupMemberIDs(ctx context.Context, orgID, groupID string, limit int) ([]string, error) {
	items, err := s.queryAll(ctx, queryRange(groupMembersRange(orgID, groupID)), limit)
	if err != nil {
		return nil, fmt.Errorf("members of group %s: %w", groupID, err)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.getS("userId"))
	}
	return out, nil
}

// removeFromGroupsList adds the removal of groupID from a membership's
// groups list; the condition pins the index read, so a concurrent change of
// the list makes the transaction fail rather than remove the wrong entry.
func removeFromGroupsList(t *tx, m *gatehouse.Membership, groupID string, now time.Time) bool {
	i := slices.Index(m.Groups, groupID)
	if i < 0 {
		return false
	}
	path := "#g[" + strconv.Itoa(i) + "]"
	remove := path
	if len(m.Groups) == 1 {
		// Drop the list rather than leave it empty (absent reads as empty).
		remove = "#g"
	}
	// The SET is needed besides bumping the version: minidyn ignores a
	// transaction's update that is a lone REMOVE of an aliased attribute.
	t.update(memberKey(m.OrgID, m.UserID), "SET #u = :now REMOVE "+remove+" ADD #v :one", path+" = :gid",
		gatehouse.Errorf(gatehouse.CodeConflict, "the membership changed meanwhile; retry"),
		map[string]string{"#g": "groups", "#u": attrUpdated, "#v": attrVersion},
		map[string]types.AttributeValue{":gid": str(groupID), ":now": str(now.Format(time.RFC3339Nano)), ":one": num(1)})
	return true
}

// DeleteGroup deletes a group and revokes what it gave: its roles leave the
// org's groupRoles in the same transaction, so no member holds them after
// the commit. Its member items and the members' groups lists are cleaned in
// the same transaction for up to maxGroupCleanup members; for larger groups
// the rest is cleaned in further transactions (the stale ids give nothing
// meanwhile).
func (s *Store) DeleteGroup(ctx context.Context, o *gatehouse.Org, groupID string, actor gatehouse.Actor) error {
	gr := maps.Clone(o.GroupRoles)
	before := gr[groupID]
	delete(gr, groupID)
	members, err := s.GroupMemberIDs(ctx, o.ID, groupID, 0)
	if err != nil {
		return err
	}
	first := members[:min(len(members), maxGroupCleanup)]
	t := s.tx()
	t.delete(groupKey(o.ID, groupID), "attribute_exists(#pk)", gatehouse.NotFound("group"),
		map[string]string{"#pk": tabledef.PK}, nil)
	orgGroupRolesUpdate(t, o, gr, s.Now())
	if err := s.addMemberCleanup(ctx, t, o.ID, groupID, first); err != nil {
		return err
	}
	t.audit(s.NewAudit(actor, o.ID, "group.delete", groupID, map[string]any{"roles": before, "members": len(members)}, nil))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("delete group %s: %w", groupID, err)
	}
	for rest := members[len(first):]; len(rest) > 0; {
		chunk := rest[:min(len(rest), 45)]
		rest = rest[len(chunk):]
		t := s.tx()
		if err := s.addMemberCleanup(ctx, t, o.ID, groupID, chunk); err != nil {
			return err
		}
		if len(t.items) == 0 {
			continue
		}
		if err := t.commit(ctx); err != nil {
			return fmt.Errorf("clean up members of deleted group %s: %w", groupID, err)
		}
	}
	return nil
}

func (s *Store) addMemberCleanup(ctx context.Context, t *tx, orgID, groupID string, userIDs []string) error {
	keys := make([]Key, len(userIDs))
	for i, u := range userIDs {
		keys[i] = memberKey(orgID, u)
		t.delete(groupMemberKey(orgID, groupID, u), "", nil, nil, nil)
	}
	got, err := s.batchGetAll(ctx, keys)
	if err != nil {
		return fmt.Errorf("members of group %s: %w", groupID, err)
	}
	for _, k := range keys {
		if it, ok := got[k]; ok {
			removeFromGroupsList(t, decodeMembership(it), groupID, s.Now())
		}
	}
	return nil
}

// AddGroupMember puts a member in a group: the group member item, the
// membership's groups list and the group's counter in one transaction. The
// membership m was read before; adding a member already in the group is a
// no-op.
func (s *Store) AddGroupMember(ctx context.Context, orgID, groupID string, m *gatehouse.Membership, actor gatehouse.Actor) error {
	if slices.Contains(m.Groups, groupID) {
		return nil
	}
	t := s.tx()
	t.put(groupMemberItem(orgID, groupID, m.UserID, s.Now()), "", nil, nil, nil)
	// The version read with m proves the list still lacks the group (and
	// minidyn cannot evaluate contains() on an absent list).
	t.update(memberKey(orgID, m.UserID), "SET #g = list_append(if_not_exists(#g, :empty), :new) ADD #v :one",
		"attribute_exists(#pk) AND #v = :v",
		gatehouse.Errorf(gatehouse.CodeConflict, "the membership changed meanwhile; retry"),
		map[string]string{"#g": "groups", "#pk": tabledef.PK, "#v": attrVersion},
		map[string]types.AttributeValue{":empty": strList(nil), ":new": strList([]string{groupID}), ":v": num(m.Version), ":one": num(1)})
	t.update(groupKey(orgID, groupID), "ADD #n :one", "attribute_exists(#pk)", gatehouse.NotFound("group"),
		map[string]string{"#n": "memberCount", "#pk": tabledef.PK}, map[string]types.AttributeValue{":one": num(1)})
	t.audit(s.NewAudit(actor, orgID, "group.member_add", groupID, nil, map[string]any{"userId": m.UserID}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("add %s to group %s: %w", m.UserID, groupID, err)
	}
	return nil
}

func groupMemberItem(orgID, groupID, userID string, at time.Time) item {
	return newItem(groupMemberKey(orgID, groupID, userID)).
		setS(attrKind, kindGroupMem).setS("groupId", groupID).setS("userId", userID).setTime(attrCreated, at)
}

// addGroupMember adds a new membership's group member item and the group's
// count (the group must exist) to t: a member created in groups.
func (t *tx) addGroupMember(orgID, groupID, userID string, at time.Time) {
	t.create(groupMemberItem(orgID, groupID, userID, at), gatehouse.Errorf(gatehouse.CodeConflict, "already in the group"))
	t.update(groupKey(orgID, groupID), "ADD #n :one", "attribute_exists(#pk)", gatehouse.NotFound("group"),
		map[string]string{"#n": "memberCount", "#pk": tabledef.PK}, map[string]types.AttributeValue{":one": num(1)})
}

// RemoveGroupMember takes a member out of a group (a no-op when it is not
// in it).
func (s *Store) RemoveGroupMember(ctx context.Context, orgID, groupID string, m *gatehouse.Membership, actor gatehouse.Actor) error {
	t := s.tx()
	if !removeFromGroupsList(t, m, groupID, s.Now()) {
		return nil
	}
	t.delete(groupMemberKey(orgID, groupID, m.UserID), "", nil, nil, nil)
	t.update(groupKey(orgID, groupID), "ADD #n :minus", "attribute_exists(#pk)", gatehouse.NotFound("group"),
		map[string]string{"#n": "memberCount", "#pk": tabledef.PK}, map[string]types.AttributeValue{":minus": num(-1)})
	t.audit(s.NewAudit(actor, orgID, "group.member_remove", groupID, map[string]any{"userId": m.UserID}, nil))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("remove %s from group %s: %w", m.UserID, groupID, err)
	}
	return nil
}

// SetGroupRoles replaces the roles bound to a group (o as read before; its
// version guards the change). The built-in all group takes roles too.
func (s *Store) SetGroupRoles(ctx context.Context, o *gatehouse.Org, groupID string, roles []string, actor gatehouse.Actor) error {
	gr := maps.Clone(o.GroupRoles)
	if gr == nil {
		gr = map[string][]string{}
	}
	before := gr[groupID]
	gr[groupID] = slices.Clone(roles)
	t := s.tx()
	if groupID != GroupAll {
		t.check(groupKey(o.ID, groupID), "attribute_exists(#pk)", gatehouse.NotFound("group"),
			map[string]string{"#pk": tabledef.PK}, nil)
	}
	orgGroupRolesUpdate(t, o, gr, s.Now())
	t.audit(s.NewAudit(actor, o.ID, "group.roles", groupID, map[string]any{"roles": before}, map[string]any{"roles": roles}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("set roles of group %s: %w", groupID, err)
	}
	return nil
}
