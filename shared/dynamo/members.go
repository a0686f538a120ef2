package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
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
//   - ownerCount: USABLE owners (rule 9, docs/security-store.md): active
//     memberships holding the owner role, without an expiry, of an account
//     that is neither disabled nor expiring (Membership.AccountLimited).
//     Only explicit writes move it, never the passing of time: an owner
//     with an expiry is not counted from the moment it gets one. It is
//     guarded by "ownerCount > 1" whenever a usable owner stops being one
//     (removed, demoted, disabled, given an expiry, leaving, its account
//     disabled or given an expiry), unless the change is one rule 9
//     allows (MemberChange.MayEndLastOwner, MemberRemoval.Force);
//   - roleHolders_<roleId>: memberships holding each custom role, so that a
//     custom role still assigned cannot be deleted (see roles.go);
//   - the manager's managedCount (managed slots, counting its pending
//     invites, managedInvites), guarded by its userLimit when a slot is
//     taken.

// attrRoleHoldersPrefix names the per-custom-role holder counters on the org
// item (top-level numbers so that ADD and conditions work on them).
const attrRoleHoldersPrefix = "roleHolders_"

// attrTreeSeats is an org's count of seats in its whole subtree (itself
// and its sub-orgs): maxMembers bounds it (section 4 of the design, as a
// ThingsBoard tenant profile counts its customers). Every seat taken or
// given back in an org moves it on the org and on each ancestor, in the
// same transaction, each with its own quota condition.
const attrTreeSeats = "treeSeats"

// ErrAncestorMaxMembers: an ancestor's quota, which counts its subtree, is
// full.
var ErrAncestorMaxMembers = gatehouse.LimitExceeded("maxMembers", "a parent org has reached its maximum number of members (its quota counts its sub-orgs)")

// attrOwnerCount is the org's count of usable owners (rule 9);
// attrAccountLimited is a membership's mirror of its account's state.
const (
	attrOwnerCount     = "ownerCount"
	attrAccountLimited = "accountLimited"
)

// Errors of membership writes.
var (
	ErrAlreadyMember = gatehouse.Errorf(gatehouse.CodeConflict, "the user is already a member of this org")
	ErrMemberChanged = gatehouse.Errorf(gatehouse.CodeConflict, "the member changed meanwhile; retry")
	ErrLastOwner     = gatehouse.Errorf(gatehouse.CodeLastOwner, "the org must keep at least one usable owner: enabled, without an expiry on its account or membership")
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
	ownerGuard bool // a usable owner stops being one (rule 9)
	quota      bool // a seat is taken: require room under maxMembers
	// ancestors are the org's ancestors: a seat moves their subtree count
	// too (attrTreeSeats), under their quotas when one is taken.
	ancestors []string
	roles     map[string]int
	// pinVersion requires the org item's version to be unchanged (custom
	// roles given must still exist at commit).
	pinVersion bool
	version    int64
}

// UsableOwner reports whether a membership counts in its org's ownerCount
// (rule 9): active, holding the owner role, without an expiry, of an
// account that is neither disabled nor expiring. Time does not enter: an
// owner with any expiry is not counted, so the count never goes stale.
func UsableOwner(m *gatehouse.Membership) bool {
	return m != nil && m.Status == gatehouse.StatusActive && m.HasRole(authz.RoleOwner) &&
		m.ExpiresAt == nil && !m.AccountLimited
}

// AccountLimited reports whether an account keeps its memberships from
// counting as usable owners (rule 9): disabled, expired or with an expiry.
// A pending account (activation not yet done) is on its way to usable and
// is not limited.
func AccountLimited(u *gatehouse.User) bool {
	return u == nil || u.ExpiresAt != nil ||
		(u.Status != gatehouse.StatusActive && u.Status != gatehouse.StatusPending)
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
	if UsableOwner(after) {
		ch.owners++
	}
	if UsableOwner(before) {
		ch.owners--
	}
	if ch.owners < 0 {
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
// addDelta adds d to attr in an update's ADD clause, under the
// placeholders name and value; a zero delta adds nothing.
func addDelta(names map[string]string, values map[string]types.AttributeValue, adds []string, name, attr, value string, d int) []string {
	if d == 0 {
		return adds
	}
	names[name] = attr
	values[value] = num(int64(d))
	return append(adds, name+" "+value)
}

func (t *tx) addOrgChange(orgID string, ch orgChange) {
	names := map[string]string{"#pk": tabledef.PK}
	values := map[string]types.AttributeValue{}
	conds := []string{"attribute_exists(#pk)"}
	var adds []string
	if ch.members != 0 {
		names["#mc"], names["#ts"] = attrMemberCount, attrTreeSeats
		values[":dm"] = num(int64(ch.members))
		adds = append(adds, "#mc :dm", "#ts :dm")
		for _, a := range ch.ancestors {
			t.addTreeSeats(a, ch.members, ch.quota && ch.members > 0)
		}
	}
	adds = addDelta(names, values, adds, "#ic", attrInviteCount, ":di", ch.invites)
	adds = addDelta(names, values, adds, "#oc", attrOwnerCount, ":do", ch.owners)
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
		names["#oc"] = attrOwnerCount
		values[":one"] = num(1)
		conds = append(conds, "#oc > :one")
	}
	if ch.quota {
		// maxMembers bounds the subtree's seats; an item written before
		// treeSeats existed falls back to its own seats.
		names["#mc"], names["#max"], names["#ts"] = attrMemberCount, "maxMembers", attrTreeSeats
		values[":unl"] = num(-1)
		conds = append(conds, "(attribute_not_exists(#max) OR #max = :unl OR #ts < #max OR (attribute_not_exists(#ts) AND #mc < #max))")
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

// addTreeSeats moves an ancestor's subtree seats by delta; with guard (a
// seat is taken) it requires room under the ancestor's maxMembers.
func (t *tx) addTreeSeats(orgID string, delta int, guard bool) {
	names := map[string]string{"#pk": tabledef.PK, "#ts": attrTreeSeats}
	values := map[string]types.AttributeValue{":d": num(int64(delta))}
	cond := "attribute_exists(#pk)"
	var onFail error = ErrOrgChanged
	if guard {
		names["#max"], names["#mc"] = "maxMembers", attrMemberCount
		values[":unl"] = num(-1)
		cond += " AND (attribute_not_exists(#max) OR #max = :unl OR #ts < #max OR (attribute_not_exists(#ts) AND #mc < #max))"
		onFail = ErrAncestorMaxMembers
	}
	t.update(orgKey(orgID), "ADD #ts :d", cond, onFail, names, values)
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
	case ch.quota && o.Quotas.MaxMembers >= 0 && o.Usage.SubtreeSeats >= o.Quotas.MaxMembers:
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
	adds = addDelta(names, values, adds, "#mcnt", attrManagedCount, ":d", delta)
	adds = addDelta(names, values, adds, "#minv", attrManagedInvites, ":di", invites)
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

// slotHolders returns whose userLimit a managed slot of managerID counts
// against (rule 7: a manager's userLimit counts its whole managed subtree):
// the manager itself, then the managers above it, nearest first, as far as
// ManagerChain follows them. It is empty when the manager is no member (a
// removed manager's counters went with its membership, and the managers
// above it no longer manage what it managed).
func (s *Store) slotHolders(ctx context.Context, orgID, managerID string) ([]string, error) {
	if managerID == "" {
		return nil, nil
	}
	mm, err := s.Membership(ctx, orgID, managerID)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("managers of %s: %w", managerID, err)
	}
	chain, err := s.ManagerChain(ctx, orgID, mm)
	if err != nil {
		return nil, err
	}
	out := []string{managerID}
	for _, m := range chain {
		out = append(out, m.UserID)
	}
	return out, nil
}

// addManagedSlots moves the managed slots of every holder (slotHolders) by
// delta and their pending invites by invites; with guard, each holder's
// userLimit must have room, so handing limits down to sub-managers never
// multiplies seats. A holder removed since it was read fails the
// transaction (ErrMemberChanged), to be retried.
func (t *tx) addManagedSlots(orgID string, holders []string, delta, invites int, guard bool) {
	for _, h := range holders {
		t.addManagerCount(orgID, h, delta, invites, guard)
	}
}

// withoutExpiry is m with no expiry (what it would be before the expiry
// is set).
func withoutExpiry(m *gatehouse.Membership) *gatehouse.Membership {
	c := *m
	c.ExpiresAt = nil
	return &c
}

// checkAccountUnlimited requires, at commit, that an account is active (or
// pending activation) without an expiry: a membership that counts as a
// usable owner (rule 9) must not belong to an account that stopped being
// usable since it was read.
func (t *tx) checkAccountUnlimited(userID string) {
	t.check(userKey(userID), accountUnlimitedCond, ErrAccountChanged,
		map[string]string{"#st": attrStatus, "#exp": attrExpires}, accountUnlimitedValues())
}

// accountUnlimitedCond is AccountLimited's negation as a condition on the
// user item (an expiry cleared is stored as "", see UpdateAccount).
const accountUnlimitedCond = "(#st = :active OR #st = :pending) AND (attribute_not_exists(#exp) OR #exp = :empty)"

func accountUnlimitedValues() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		":active": str(string(gatehouse.StatusActive)), ":pending": str(string(gatehouse.StatusPending)), ":empty": str(""),
	}
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
	// Intent, when set, is the pending intent this creation completes: it
	// is removed in the same transaction (docs/reliability.md).
	Intent *Intent
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
	if nm.Account == nil && UsableOwner(m) {
		t.checkAccountUnlimited(m.UserID)
	}
	ch := diffOrg(nil, m, nm.Org.Version)
	ch.ancestors = nm.Org.Ancestors
	t.addOrgChange(m.OrgID, ch)
	if m.ManagedBy != "" {
		holders, err := s.slotHolders(ctx, m.OrgID, m.ManagedBy)
		if err != nil {
			return fmt.Errorf("create member %s in %s: %w", m.UserID, m.OrgID, err)
		}
		if len(holders) == 0 {
			return ErrMemberChanged
		}
		t.addManagedSlots(m.OrgID, holders, 1, 0, true)
	}
	if nm.Activation != nil {
		t.create(secretItem(nm.Activation), gatehouse.Errorf(gatehouse.CodeConflict, "secret collision; retry"))
	}
	// Groups given at creation (docs/imports.md): their member items and
	// counts, in the same transaction as the membership that lists them.
	for _, gid := range m.Groups {
		t.addGroupMember(m.OrgID, gid, m.UserID, s.Now())
	}
	for _, ev := range nm.Audit {
		t.audit(ev)
	}
	if nm.Intent != nil {
		t.endIntent(nm.Intent) // docs/reliability.md
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
	Pin []*gatehouse.Membership
	// MayEndLastOwner lets the change give the org's last usable owner an
	// expiry (rule 9: a platform admin or an admin of a parent org, for an
	// org meant to end, authz.MayExpireLastOwner). Removing, demoting or
	// disabling the last owner stays refused.
	MayEndLastOwner bool
	Audit           gatehouse.AuditEvent
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
	if c.MayEndLastOwner && ch.ownerGuard && a.ExpiresAt != nil && UsableOwner(withoutExpiry(a)) {
		// The owner stays one, enabled; only its end is set.
		ch.ownerGuard = false
	}
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
	// PersonalOrg, when set, is created with the user as its owner (the
	// user had no other org).
	PersonalOrg *gatehouse.Org
	// UserResourceLimit is the resource limit of the personal org's owner;
	// UserAccountLimited says its account is no usable owner (rule 9).
	UserResourceLimit  int
	UserAccountLimited bool
	// Force removes the org's last usable owner (a platform admin deleting
	// the account, insisting; audited by the caller). Rule 9 refuses it
	// otherwise.
	Force bool
	Audit []gatehouse.AuditEvent
}

// RemoveMember deletes a membership guarded by its version, with its group
// memberships, the org counters (ownerCount guarded against losing the last
// usable owner), the manager's managedCount and, when given, the user's new
// personal org: one transaction.
//
// Rule 6: what the member holds in the org goes with it for good, so that
// re-joining revives nothing: its active API tokens are revoked and its
// pending invites revoked (their seats given back), in the same
// transaction. When they do not all fit in it (DynamoDB's 100 items), the
// surplus is revoked first, in bounded steps of their own (one transaction
// per token or invite, each conditioned on it still being active or
// pending, so a repeated removal after a failure converges); the
// removal's transaction takes the rest. A token created concurrently moves
// the membership's version (CreateAPIToken), which fails this removal
// rather than letting the token outlive it.
func (s *Store) RemoveMember(ctx context.Context, r MemberRemoval) error {
	m := r.Member
	tokens, invites, err := s.heldBy(ctx, m.OrgID, m.UserID)
	if err != nil {
		return fmt.Errorf("remove member %s from %s: %w", m.UserID, m.OrgID, err)
	}
	holders, err := s.slotHolders(ctx, m.OrgID, m.ManagedBy)
	if err != nil {
		return fmt.Errorf("remove member %s from %s: %w", m.UserID, m.OrgID, err)
	}
	build := func() (*tx, orgChange) {
		// The member's own slot and its whole managed subtree (members and
		// pending invites, rule 7) leave its managers' counts: they no
		// longer manage what it managed. The counts are pinned so that a
		// slot taken or given back meanwhile fails the removal (to be
		// retried) rather than leaving the managers' counts wrong.
		names := map[string]string{"#v": attrVersion, "#mcnt": attrManagedCount, "#minv": attrManagedInvites}
		values := map[string]types.AttributeValue{":v": num(m.Version)}
		cond := "#v = :v AND " + pinCount("#mcnt", ":mc", int64(m.ManagedCount+m.PendingInvites), values) +
			" AND " + pinCount("#minv", ":mi", int64(m.PendingInvites), values)
		t := s.tx().delete(memberKey(m.OrgID, m.UserID), cond, ErrMemberChanged, names, values)
		for _, g := range m.Groups {
			t.delete(groupMemberKey(m.OrgID, g, m.UserID), "", nil, nil, nil)
		}
		t.addManagedSlots(m.OrgID, holders, -(1 + m.ManagedCount + m.PendingInvites), -m.PendingInvites, false)
		if o := r.PersonalOrg; o != nil {
			owner := OwnerMembership(o.ID, m.UserID, r.UserResourceLimit, o.CreatedAt)
			owner.AccountLimited = r.UserAccountLimited
			s.addCreateOrg(t, o, owner)
		}
		for _, ev := range r.Audit {
			t.audit(ev)
		}
		ch := diffOrg(m, nil, r.Org.Version)
		ch.ancestors = r.Org.Ancestors
		if r.Force {
			ch.ownerGuard = false
		}
		return t, ch
	}
	// Room left for revocations: the removal's own items, its org item and
	// the revocation audit event.
	t, _ := build()
	room := maxTxItems - len(t.items) - 2
	now := s.Now()
	var inTx []*gatehouse.Invite
	for _, i := range invites {
		if room < 3 {
			if err := s.RevokeInvite(ctx, i, s.NewAudit(removalActor(r), m.OrgID, "invite.revoke", i.ID,
				map[string]any{"status": i.Status}, map[string]any{"status": gatehouse.StatusRevoked, "reason": "inviter removed"})); err != nil && gatehouse.ErrorCode(err) != gatehouse.CodeConflict {
				return fmt.Errorf("remove member %s from %s: %w", m.UserID, m.OrgID, err)
			}
			continue
		}
		room -= 3
		inTx = append(inTx, i)
	}
	if len(inTx) < len(invites) {
		// Revocations outside the removal gave back slots of the member's
		// own counts: read them again.
		fresh, err := s.Membership(ctx, m.OrgID, m.UserID)
		if err != nil {
			return fmt.Errorf("remove member %s from %s: %w", m.UserID, m.OrgID, err)
		}
		if fresh.Version != m.Version {
			return ErrMemberChanged
		}
		m = fresh
	}
	var tokTx []heldToken
	for _, h := range tokens {
		if room < 2 {
			if _, err := s.RevokeAPIToken(ctx, m.OrgID, h.id, removalActor(r)); err != nil {
				return fmt.Errorf("remove member %s from %s: %w", m.UserID, m.OrgID, err)
			}
			continue
		}
		room -= 2
		tokTx = append(tokTx, h)
	}
	t, ch := build()
	revoked := map[string]any{}
	if len(inTx) > 0 {
		ids := make([]string, 0, len(inTx))
		for _, i := range inTx {
			dm, di := t.revokeInviteIn(i, now)
			ch.members += dm
			ch.invites += di
			ids = append(ids, i.ID)
		}
		revoked["invites"] = ids
	}
	if len(tokTx) > 0 {
		ids := make([]string, 0, len(tokTx))
		for _, h := range tokTx {
			t.revokeTokenIn(m.OrgID, h, now)
			ids = append(ids, h.id)
		}
		revoked["tokens"] = ids
	}
	if len(revoked) > 0 {
		revoked["reason"] = "member removed (rule 6)"
		t.audit(s.NewAudit(removalActor(r), m.OrgID, "member.revoke_held", m.UserID, nil, revoked))
	}
	t.addOrgChange(m.OrgID, ch)
	if err := s.commitOrg(ctx, t, m.OrgID, ch); err != nil {
		return fmt.Errorf("remove member %s from %s: %w", m.UserID, m.OrgID, err)
	}
	return nil
}

// pinCount is a condition that a counter attribute holds n, an absent
// counter counting as zero.
func pinCount(name, value string, n int64, values map[string]types.AttributeValue) string {
	values[value] = num(n)
	if n == 0 {
		return "(attribute_not_exists(" + name + ") OR " + name + " = " + value + ")"
	}
	return name + " = " + value
}

// maxTxItems is DynamoDB's limit of items in one TransactWriteItems.
const maxTxItems = 100

// removalActor is the actor of the revocations a removal makes: the
// removal's own (its first audit event's actor).
func removalActor(r MemberRemoval) gatehouse.Actor {
	if len(r.Audit) == 0 {
		return gatehouse.Actor{}
	}
	ev := r.Audit[0]
	return gatehouse.Actor{UserID: ev.ActorID, RequestID: ev.RequestID, SourceIP: ev.SourceIP}
}

// heldBy reads, concurrently, the active API tokens and the pending
// invites a member holds in an org (rule 6).
func (s *Store) heldBy(ctx context.Context, orgID, userID string) ([]heldToken, []*gatehouse.Invite, error) {
	var (
		wg      sync.WaitGroup
		tokens  []heldToken
		invites []*gatehouse.Invite
		terr    error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tokens, terr = s.activeTokensOf(ctx, orgID, userID)
	}()
	invites, ierr := s.pendingInvitesBy(ctx, orgID, userID)
	wg.Wait()
	return tokens, invites, errors.Join(terr, ierr)
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
