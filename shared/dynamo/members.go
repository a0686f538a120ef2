package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Membership writes keep the org's counters in the same transaction:
//   - memberCount: seats of the org (memberships and pending invites
//     holding one, see codec.go), guarded by maxMembers when a seat is
//     taken; inviteCount: those invites;
//   - ownerCount: ACTIVE memberships holding the owner role, guarded by
//     "ownerCount > 1" whenever an active owner stops being one (rule 9);
//   - roleHolders_<roleId>: memberships holding each custom role, so that a
//     custom role still assigned cannot be deleted (see roles.go);
//   - the manager's managedCount (managed slots, counting its pending
//     invites, managedInvites), guarded by its userLimit when a slot is
//     taken.

// attrRoleHoldersPrefix names the per-custom-role holder counters on the org
// item (top-level numbers so that ADD and conditions work on them).
const attrRoleHoldersPrefix = "roleHolders_"

// Errors of membership writes.
var (
	ErrAlreadyMember = gatehouse.Errorf(gatehouse.CodeConflict, "the user is already a member of this org")
	ErrMemberChanged = gatehouse.Errorf(gatehouse.CodeConflict, "the member changed meanwhile; retry")
	ErrLastOwner     = gatehouse.Errorf(gatehouse.CodeLastOwner, "the org must keep at least one active owner")
	ErrMaxMembers    = gatehouse.LimitExceeded("maxMembers", "the org has reached its maximum number of members")
	ErrUserLimit     = gatehouse.LimitExceeded("userLimit", "the manager has reached its user limit")
	ErrOrgChanged    = gatehouse.Errorf(gatehouse.CodeConflict, "the org changed meanwhile; retry")
)

// errOrgCondition marks a failed condition on the org item; the store reads
// the org again to say which guard failed.
var errOrgCondition = errors.New("org condition failed")

// orgChange is what one membership change does to its org item.
type orgChange struct {
	members    int // seats (memberCount)
	invites    int // pending invites holding a seat (inviteCount)
	owners     int
	ownerGuard bool // an active owner stops being one, or gets an expiry
	quota      bool // a seat is taken: require room under maxMembers
	roles      map[string]int
	// pinVersion requires the org item's version to be unchanged (custom
	// roles given must still exist at commit).
	pinVersion bool
	version    int64
}

func activeOwner(m *gatehouse.Membership) bool {
	return m != nil && m.Status == gatehouse.StatusActive && m.HasRole(authz.RoleOwner)
}

// diffOrg computes the org change of a membership going from before to
// after; nil before is a create, nil after a delete.
func diffOrg(before, after *gatehouse.Membership, orgVersion int64) orgChange {
	var ch orgChange
	switch {
	case before == nil && after != nil:
		ch.members, ch.quota = 1, true
	case before != nil && after == nil:
		ch.members = -1
	}
	if activeOwner(after) {
		ch.owners++
	}
	if activeOwner(before) {
		ch.owners--
	}
	if ch.owners < 0 {
		ch.ownerGuard = true
	}
	// An active owner that stays one but gets an expiry could be the last
	// owner expiring later: refuse it unless another owner remains.
	if activeOwner(before) && activeOwner(after) && after.ExpiresAt != nil &&
		(before.ExpiresAt == nil || after.ExpiresAt.Before(*before.ExpiresAt)) {
		ch.ownerGuard = true
	}
	ch.roles = map[string]int{}
	if before != nil {
		for _, r := range uniq(before.Roles) {
			if !authz.IsBuiltinRole(r) {
				ch.roles[r]--
			}
		}
	}
	if after != nil {
		for _, r := range uniq(after.Roles) {
			if !authz.IsBuiltinRole(r) {
				ch.roles[r]++
			}
		}
	}
	for r, d := range ch.roles {
		if d == 0 {
			delete(ch.roles, r)
		} else if d > 0 {
			ch.pinVersion, ch.version = true, orgVersion
		}
	}
	return ch
}

func uniq(v []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range v {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// addOrgChange adds the org item's update (or condition check) to t.
func (t *tx) addOrgChange(orgID string, ch orgChange) {
	names := map[string]string{"#pk": tabledef.PK}
	values := map[string]types.AttributeValue{}
	conds := []string{"attribute_exists(#pk)"}
	var adds []string
	if ch.members != 0 {
		names["#mc"] = attrMemberCount
		values[":dm"] = num(int64(ch.members))
		adds = append(adds, "#mc :dm")
	}
	if ch.invites != 0 {
		names["#ic"] = attrInviteCount
		values[":di"] = num(int64(ch.invites))
		adds = append(adds, "#ic :di")
	}
	if ch.owners != 0 {
		names["#oc"] = "ownerCount"
		values[":do"] = num(int64(ch.owners))
		adds = append(adds, "#oc :do")
	}
	i := 0
	for r, d := range ch.roles {
		n := "#rh" + strconv.Itoa(i)
		v := ":rh" + strconv.Itoa(i)
		names[n] = attrRoleHoldersPrefix + r
		values[v] = num(int64(d))
		adds = append(adds, n+" "+v)
		i++
	}
	if ch.ownerGuard {
		names["#oc"] = "ownerCount"
		values[":one"] = num(1)
		conds = append(conds, "#oc > :one")
	}
	if ch.quota {
		names["#mc"], names["#max"] = attrMemberCount, "maxMembers"
		values[":unl"] = num(-1)
		conds = append(conds, "(attribute_not_exists(#max) OR #max = :unl OR #mc < #max)")
	}
	if ch.pinVersion {
		names["#v"] = attrVersion
		values[":ver"] = num(ch.version)
		conds = append(conds, "#v = :ver")
	}
	cond := strings.Join(conds, " AND ")
	if len(adds) == 0 {
		if len(conds) == 1 {
			return // nothing to change or guard
		}
		t.check(orgKey(orgID), cond, errOrgCondition, names, values)
		return
	}
	t.update(orgKey(orgID), "ADD "+strings.Join(adds, ", "), cond, errOrgCondition, names, values)
}

// explainOrgFailure reads the org again after its condition failed and says
// which guard it was.
func (s *Store) explainOrgFailure(ctx context.Context, orgID string, ch orgChange) error {
	o, err := s.Org(ctx, orgID)
	if err != nil {
		return err
	}
	switch {
	case ch.ownerGuard && o.Usage.Owners <= 1:
		return ErrLastOwner
	case ch.quota && o.Quotas.MaxMembers >= 0 && o.Usage.Seats() >= o.Quotas.MaxMembers:
		return ErrMaxMembers
	case ch.pinVersion && o.Version != ch.version:
		return ErrOrgChanged
	}
	return ErrOrgChanged
}

// commitOrg commits t, explaining a failed org condition.
func (s *Store) commitOrg(ctx context.Context, t *tx, orgID string, ch orgChange) error {
	err := t.commit(ctx)
	if errors.Is(err, errOrgCondition) {
		return s.explainOrgFailure(ctx, orgID, ch)
	}
	return err
}

// addManagerCount changes a manager's managed slots (managedCount) by
// delta and its pending invites among them (managedInvites) by invites.
// With guard (a slot is taken) it requires room under the manager's
// userLimit (-1 unlimited). The membership must exist: an update would
// otherwise create it.
func (t *tx) addManagerCount(orgID, managerID string, delta, invites int, guard bool) {
	names := map[string]string{"#pk": tabledef.PK}
	values := map[string]types.AttributeValue{}
	var adds []string
	if delta != 0 {
		names["#mcnt"] = attrManagedCount
		values[":d"] = num(int64(delta))
		adds = append(adds, "#mcnt :d")
	}
	if invites != 0 {
		names["#minv"] = attrManagedInvites
		values[":di"] = num(int64(invites))
		adds = append(adds, "#minv :di")
	}
	if len(adds) == 0 {
		return
	}
	cond := "attribute_exists(#pk)"
	onFail := ErrMemberChanged
	if guard {
		names["#mcnt"], names["#ul"] = attrManagedCount, "userLimit"
		values[":unl"] = num(-1)
		values[":zero"] = num(0)
		cond += " AND (#ul = :unl OR (attribute_not_exists(#mcnt) AND #ul > :zero) OR #mcnt < #ul)"
		onFail = ErrUserLimit
	}
	t.update(memberKey(orgID, managerID), "ADD "+strings.Join(adds, ", "), cond, onFail, names, values)
}

// pinMember requires a membership's version to be unchanged at commit.
func (t *tx) pinMember(m *gatehouse.Membership) {
	t.check(memberKey(m.OrgID, m.UserID), "#v = :v", ErrMemberChanged,
		map[string]string{"#v": attrVersion}, map[string]types.AttributeValue{":v": num(m.Version)})
}

// touches reports whether t already writes the item with key k (an item may
// appear only once in a transaction).
func (t *tx) touches(k Key) bool {
	for _, it := range t.items {
		var key map[string]types.AttributeValue
		switch w := it.write; {
		case w.Put != nil:
			key = w.Put.Item
		case w.Update != nil:
			key = w.Update.Key
		case w.Delete != nil:
			key = w.Delete.Key
		case w.ConditionCheck != nil:
			key = w.ConditionCheck.Key
		}
		if item(key).key() == k {
			return true
		}
	}
	return false
}

// MembersPage lists one page of an org's members in user-id order.
func (s *Store) MembersPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.Membership, string, error) {
	items, next, err := s.page(ctx, list{name: listMembers, org: orgID, rng: membersRange(orgID)}, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]*gatehouse.Membership, len(items))
	for i, it := range items {
		out[i] = decodeMembership(it)
	}
	return out, next, nil
}

// NewMember is a membership to create with what comes with it.
type NewMember struct {
	Member *gatehouse.Membership
	// Org is the org as read before (its version pins custom roles).
	Org *gatehouse.Org
	// Account, when set, is a new account created in the same transaction
	// (email reservation and profile).
	Account *gatehouse.User
	// Activation, when set, is the account's activation secret.
	Activation *Secret
	Audit      []gatehouse.AuditEvent
}

// CreateMember stores a new membership, and with it a new account and its
// activation secret when given, the org counters (guarded by maxMembers)
// and the manager's managedCount (guarded by its userLimit) when the member
// is managed: one transaction. A duplicate email fails with ErrEmailTaken,
// an existing membership with ErrAlreadyMember; nothing is written then.
func (s *Store) CreateMember(ctx context.Context, nm NewMember) error {
	m := nm.Member
	t := s.tx()
	if u := nm.Account; u != nil {
		t.create(emailItem(u.Email, u.ID), ErrEmailTaken)
		t.create(userItem(u), gatehouse.Errorf(gatehouse.CodeConflict, "the account already exists"))
	}
	t.create(membershipItem(m), ErrAlreadyMember)
	ch := diffOrg(nil, m, nm.Org.Version)
	t.addOrgChange(m.OrgID, ch)
	if m.ManagedBy != "" {
		t.addManagerCount(m.OrgID, m.ManagedBy, 1, 0, true)
	}
	if nm.Activation != nil {
		t.create(secretItem(nm.Activation), gatehouse.Errorf(gatehouse.CodeConflict, "secret collision; retry"))
	}
	for _, ev := range nm.Audit {
		t.audit(ev)
	}
	if err := s.commitOrg(ctx, t, m.OrgID, ch); err != nil {
		return fmt.Errorf("create member %s in %s: %w", m.UserID, m.OrgID, err)
	}
	return nil
}

// MemberChange is a change of one membership's own fields.
type MemberChange struct {
	Before, After *gatehouse.Membership
	Org           *gatehouse.Org
	// Pin lists other memberships whose version must be unchanged at
	// commit (the caller's own limits, the manager chain).
	Pin   []*gatehouse.Membership
	Audit gatehouse.AuditEvent
}

// ChangeMember writes the fields of After that differ from Before (roles,
// flags, status, expiry, limits), guarded by Before's version, with the org
// counters it moves (ownerCount guarded against losing the last owner) and
// its audit event: one transaction.
func (s *Store) ChangeMember(ctx context.Context, c MemberChange) error {
	b, a := c.Before, c.After
	names := map[string]string{"#v": attrVersion, "#u": attrUpdated}
	values := map[string]types.AttributeValue{":v": num(b.Version), ":one": num(1), ":now": str(s.Now().Format(time.RFC3339Nano))}
	sets := []string{"#u = :now"}
	var removes []string
	set := func(attr string, v types.AttributeValue) {
		n := "#f" + strconv.Itoa(len(names))
		names[n] = attr
		values[":"+n[1:]] = v
		sets = append(sets, n+" = :"+n[1:])
	}
	remove := func(attr string) {
		n := "#f" + strconv.Itoa(len(names))
		names[n] = attr
		removes = append(removes, n)
	}
	if !sameStrings(b.Roles, a.Roles) {
		set("roles", strList(a.Roles))
	}
	if b.Readonly != a.Readonly {
		set("readonly", &types.AttributeValueMemberBOOL{Value: a.Readonly})
	}
	if b.ResourceReadonly != a.ResourceReadonly {
		set("resourceReadonly", &types.AttributeValueMemberBOOL{Value: a.ResourceReadonly})
	}
	if b.Status != a.Status {
		set(attrStatus, str(string(a.Status)))
	}
	if !sameTime(b.ExpiresAt, a.ExpiresAt) {
		if a.ExpiresAt == nil {
			// An empty string reads as "no expiry". Not REMOVE: minidyn
			// v0.8.2 never applies REMOVE (its environment only writes
			// attributes back), so a cleared expiry would stay.
			set(attrExpires, str(""))
		} else {
			set(attrExpires, str(a.ExpiresAt.UTC().Format(time.RFC3339Nano)))
		}
	}
	if b.UserLimit != a.UserLimit {
		set("userLimit", num(int64(a.UserLimit)))
	}
	if b.ResourceLimit != a.ResourceLimit {
		set("resourceLimit", num(int64(a.ResourceLimit)))
	}
	// The expiry index holds active memberships with an expiry.
	k := memberKey(a.OrgID, a.UserID)
	if a.Status == gatehouse.StatusActive && a.ExpiresAt != nil {
		ek := expiryIndexKey(*a.ExpiresAt, kindMember, k)
		set(tabledef.GSI2PK, str(ek.PK))
		set(tabledef.GSI2SK, str(ek.SK))
	} else {
		remove(tabledef.GSI2PK)
		remove(tabledef.GSI2SK)
	}
	expr := "SET " + strings.Join(sets, ", ") + " ADD #v :one"
	if len(removes) > 0 {
		expr += " REMOVE " + strings.Join(removes, ", ")
	}
	t := s.tx().update(k, expr, "#v = :v", ErrMemberChanged, names, values)
	ch := diffOrg(b, a, c.Org.Version)
	t.addOrgChange(a.OrgID, ch)
	for _, p := range c.Pin {
		if !t.touches(memberKey(p.OrgID, p.UserID)) {
			t.pinMember(p)
		}
	}
	t.audit(c.Audit)
	if err := s.commitOrg(ctx, t, a.OrgID, ch); err != nil {
		return fmt.Errorf("change member %s in %s: %w", a.UserID, a.OrgID, err)
	}
	a.Version = b.Version + 1
	a.UpdatedAt = s.Now()
	return nil
}

// MemberRemoval is the removal of a membership (remove or leave).
type MemberRemoval struct {
	Member *gatehouse.Membership
	Org    *gatehouse.Org
	// ManagerPresent says the member's manager still has a membership whose
	// managedCount goes down.
	ManagerPresent bool
	// PersonalOrg, when set, is created with the user as its owner (the
	// user had no other org).
	PersonalOrg *gatehouse.Org
	// UserResourceLimit is the resource limit of the personal org's owner.
	UserResourceLimit int
	Audit             []gatehouse.AuditEvent
}

// RemoveMember deletes a membership guarded by its version, with its group
// memberships, the org counters (ownerCount guarded against losing the last
// owner), the manager's managedCount and, when given, the user's new
// personal org: one transaction.
func (s *Store) RemoveMember(ctx context.Context, r MemberRemoval) error {
	m := r.Member
	t := s.tx().delete(memberKey(m.OrgID, m.UserID), "#v = :v", ErrMemberChanged,
		map[string]string{"#v": attrVersion}, map[string]types.AttributeValue{":v": num(m.Version)})
	for _, g := range m.Groups {
		t.delete(groupMemberKey(m.OrgID, g, m.UserID), "", nil, nil, nil)
	}
	ch := diffOrg(m, nil, r.Org.Version)
	t.addOrgChange(m.OrgID, ch)
	if m.ManagedBy != "" && r.ManagerPresent {
		t.addManagerCount(m.OrgID, m.ManagedBy, -1, 0, false)
	}
	if o := r.PersonalOrg; o != nil {
		s.addCreateOrg(t, o, OwnerMembership(o.ID, m.UserID, r.UserResourceLimit, o.CreatedAt))
	}
	for _, ev := range r.Audit {
		t.audit(ev)
	}
	if err := s.commitOrg(ctx, t, m.OrgID, ch); err != nil {
		return fmt.Errorf("remove member %s from %s: %w", m.UserID, m.OrgID, err)
	}
	return nil
}

// CountMemberships counts a user's memberships (up to max) with one query
// of the inverse index.
func (s *Store) CountMemberships(ctx context.Context, userID string, max int) (int, error) {
	in := queryRange(orgsOfUserRange(userID))
	in.Limit = aws.Int32(int32(max))
	out, err := s.query(ctx, in)
	if err != nil {
		return 0, fmt.Errorf("memberships of %s: %w", userID, err)
	}
	return len(out.Items), nil
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// Profiles reads the profiles of some users (up to 100 per call) by id;
// absent profiles are missing from the map.
func (s *Store) Profiles(ctx context.Context, userIDs []string) (map[string]*gatehouse.User, error) {
	out := make(map[string]*gatehouse.User, len(userIDs))
	for start := 0; start < len(userIDs); start += 100 {
		end := min(start+100, len(userIDs))
		keys := make([]Key, 0, end-start)
		for _, id := range userIDs[start:end] {
			keys = append(keys, userKey(id))
		}
		got, err := s.batchGet(ctx, keys)
		if err != nil {
			return nil, fmt.Errorf("profiles: %w", err)
		}
		for _, it := range got {
			u := decodeUser(it)
			out[u.ID] = u
		}
	}
	return out, nil
}
