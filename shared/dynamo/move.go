package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Moving a member between two orgs of one tree (docs/membership.md,
// "Moving a member"): one TransactWriteItems removes the membership from
// the source (as RemoveMember does: groups, manager slot, its tokens and
// pending invites revoked, rule 6), creates it in the destination with the
// roles asked for, moves the seat counters of both orgs and of the
// ancestors whose subtree changes, carries the member's resources as asked
// and writes one audit event in each org.

// Resource modes of a move.
const (
	MoveRetain   = "retain"
	MoveTransfer = "transfer"
	MoveMove     = "move"
)

// MoveMaxResources bounds the resources a move transfers or moves in its
// one transaction (DynamoDB's 100 items): a transfer writes one item per
// resource, a move two plus its grantee items (MaxGrantPrincipals at most,
// but most have none). More is refused (409 conflict, too_many_resources):
// transfer or unregister some first.
const MoveMaxResources = 20

// MemberMove is one move.
type MemberMove struct {
	Member   *gatehouse.Membership // in From, as read (its version guards)
	From, To *gatehouse.Org        // as read
	// Moved is the membership to create in To.
	Moved      *gatehouse.Membership
	Resources  string // MoveRetain (default), MoveTransfer, MoveMove
	TransferTo string // with MoveTransfer: an active member of From
	// Pin lists memberships whose version must be unchanged at commit
	// (the member's manager chain the decision read, rule 7).
	Pin   []*gatehouse.Membership
	Actor gatehouse.Actor
}

// MoveResult says what a move carried.
type MoveResult struct {
	Resources []gatehouse.Ref
	Revoked   int // API tokens and pending invites revoked in From
}

var errMoveChanged = gatehouse.Errorf(gatehouse.CodeConflict, "a membership, resource or org changed meanwhile; retry")

// MoveMember moves a member from mv.From to mv.To in one transaction.
// Errors: last_owner (the member is From's last usable owner), limit_exceeded
// maxMembers (To's subtree, or an ancestor's) or maxResources.<type>,
// conflict (already a member of To, too_many_resources, a concurrent
// change).
func (s *Store) MoveMember(ctx context.Context, mv MemberMove) (*MoveResult, error) {
	m, from, to := mv.Member, mv.From, mv.To
	res := &MoveResult{}
	var owned []*gatehouse.Resource
	if mv.Resources == MoveTransfer || mv.Resources == MoveMove {
		var err error
		if owned, err = s.ownedForMove(ctx, from.ID, m.UserID); err != nil {
			return nil, fmt.Errorf("move member %s: %w", m.UserID, err)
		}
	}
	tokens, invites, err := s.heldBy(ctx, from.ID, m.UserID)
	if err != nil {
		return nil, fmt.Errorf("move member %s: %w", m.UserID, err)
	}
	now := s.Now()
	t := s.tx()
	t.delete(memberKey(from.ID, m.UserID), "#v = :v", ErrMemberChanged,
		map[string]string{"#v": attrVersion}, map[string]types.AttributeValue{":v": num(m.Version)})
	for _, g := range m.Groups {
		t.delete(groupMemberKey(from.ID, g, m.UserID), "", nil, nil, nil)
	}
	moved := *mv.Moved
	moved.Version = 1
	if mv.Resources == MoveMove {
		// The member's new membership counts what it brings.
		moved.ResourceCount = len(owned)
	}
	t.create(membershipItem(&moved), ErrAlreadyMember)
	if UsableOwner(&moved) {
		t.checkAccountUnlimited(moved.UserID)
	}

	// Membership counters of From: the mover's manager slot, and the
	// resource counters a transfer moves; summed per membership (an item
	// appears once in a transaction).
	counters := map[string]*memberDelta{}
	delta := func(uid string) *memberDelta {
		d := counters[uid]
		if d == nil {
			d = &memberDelta{}
			counters[uid] = d
		}
		return d
	}
	// Its slot and its whole managed subtree leave the counts of its
	// managers, as at removal (rule 7: a manager's userLimit counts its
	// subtree; what it managed in From is managed by none of them now).
	holders, err := s.slotHolders(ctx, from.ID, m.ManagedBy)
	if err != nil {
		return nil, fmt.Errorf("move member %s: %w", m.UserID, err)
	}
	for _, h := range holders {
		d := delta(h)
		d.managed -= 1 + m.ManagedCount + m.PendingInvites
		d.invites -= m.PendingInvites
	}

	// Source and destination org changes: seats, owners, custom role
	// holders, resources per type.
	out := diffOrg(m, nil, from.Version)
	in := diffOrg(nil, &moved, to.Version)
	resOut, resIn := map[string]int{}, map[string]int{}
	var after map[string]any
	switch mv.Resources {
	case MoveTransfer:
		if err := s.addTransfer(ctx, t, from.ID, mv.TransferTo, m.UserID, owned, delta, now); err != nil {
			return nil, fmt.Errorf("move member %s: %w", m.UserID, err)
		}
		after = map[string]any{"transferredTo": mv.TransferTo}
	case MoveMove:
		for _, r := range owned {
			t.delete(resourceKey(from.ID, r.Type, r.ID), "#v = :v AND #o = :o", errMoveChanged,
				map[string]string{"#v": attrVersion, "#o": "ownerId"},
				map[string]types.AttributeValue{":v": num(r.Version), ":o": str(m.UserID)})
			for _, p := range principalsOf(r.Grants) {
				t.delete(granteeKey(from.ID, p, r.Type, r.ID), "", nil, nil, nil)
			}
			// Grants name principals of From: they stay behind. In To
			// the member owns it, counted against itself only (it is
			// nobody's managed member there).
			nr := &gatehouse.Resource{OrgID: to.ID, Type: r.Type, ID: r.ID, Name: r.Name, OwnerID: m.UserID,
				Counted: []string{m.UserID}, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: now, Version: 1}
			t.create(resourceItem(nr), gatehouse.Errorf(gatehouse.CodeConflict, "the destination org already has a %s with id %q", r.Type, r.ID))
			resOut[r.Type]--
			resIn[r.Type]++
			for _, uid := range r.Counted {
				if uid != m.UserID {
					delta(uid).resources--
				}
			}
		}
	}
	for _, r := range owned {
		res.Resources = append(res.Resources, r.Ref())
	}
	// Rule 6, as at removal: what the member held in From goes for good.
	var revokedIDs []string
	for _, i := range invites {
		dm, di := t.revokeInviteIn(i, now)
		out.members += dm
		out.invites += di
		revokedIDs = append(revokedIDs, "invite:"+i.ID)
	}
	for _, h := range tokens {
		t.revokeTokenIn(from.ID, h, now)
		revokedIDs = append(revokedIDs, "token:"+h.id)
	}
	res.Revoked = len(revokedIDs)

	if err := s.addMemberDeltas(ctx, t, from.ID, m.UserID, counters); err != nil {
		return nil, fmt.Errorf("move member %s: %w", m.UserID, err)
	}
	for typ, n := range resIn {
		// Room for them under the quota read (the commit pins it).
		if q := quotaOfType(to.Quotas.MaxResources, typ); q >= 0 && n > q {
			return nil, gatehouse.LimitExceeded("maxResources."+typ, "the destination org's quota of %s resources has no room for the member's %d", typ, n)
		}
	}
	// The orgs between the two (above To, not above From) take the moved
	// resources into their subtree: their quotas guard it, pinned as read.
	mids := map[string]*gatehouse.Org{}
	if len(resIn) > 0 {
		for _, id := range to.Ancestors {
			if id == from.ID || slices.Contains(from.Ancestors, id) {
				continue
			}
			o, err := s.Org(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("move member %s: %w", m.UserID, err)
			}
			mids[id] = o
		}
	}
	if err := addMoveOrgUpdates(t, from, to, out, in, resOut, resIn, mids); err != nil {
		return nil, err
	}

	for _, p := range mv.Pin {
		if !t.touches(memberKey(p.OrgID, p.UserID)) {
			t.pinMember(p)
		}
	}
	refs := make([]string, 0, len(owned))
	for _, r := range owned {
		refs = append(refs, r.Type+"/"+r.ID)
	}
	outAfter := map[string]any{"resources": mv.Resources, "roles": moved.Roles}
	inBefore := map[string]any{}
	// Members of a sub-org see nothing of the orgs above it (rule 5): each
	// log names the other org only when it is not above the log's own.
	if !slices.Contains(from.Ancestors, to.ID) {
		outAfter["to"] = to.ID
	}
	if !slices.Contains(to.Ancestors, from.ID) {
		inBefore["from"] = from.ID
	}
	if len(refs) > 0 {
		outAfter["resourceIds"] = refs
	}
	if len(revokedIDs) > 0 {
		outAfter["revoked"] = revokedIDs
	}
	for k, v := range after {
		outAfter[k] = v
	}
	t.audit(s.NewAudit(mv.Actor, from.ID, "member.move_out", m.UserID,
		map[string]any{"roles": m.Roles, "groups": m.Groups}, outAfter))
	inAfter := map[string]any{"roles": moved.Roles}
	if mv.Resources == MoveMove && len(refs) > 0 {
		inAfter["resourceIds"] = refs
	}
	t.audit(s.NewAudit(mv.Actor, to.ID, "member.move_in", m.UserID, inBefore, inAfter))

	if len(t.items) > maxTxItems {
		return nil, &gatehouse.Error{Code: gatehouse.CodeConflict, Reason: gatehouse.ReasonTooManyResources,
			Message: fmt.Sprintf("the move needs %d writes, more than one transaction takes (%d): transfer or unregister some of the member's resources, or revoke its tokens and invites, first", len(t.items), maxTxItems)}
	}
	if err := t.commit(ctx); err != nil {
		if errors.Is(err, errOrgCondition) {
			return nil, s.explainMoveFailure(ctx, from, to, out, in, resIn)
		}
		return nil, fmt.Errorf("move member %s from %s to %s: %w", m.UserID, from.ID, to.ID, err)
	}
	return res, nil
}

// memberDelta is what a move does to one membership of the source org.
type memberDelta struct {
	managed, invites, resources int
	newOwner                    bool // a transfer's new owner: must still be active
}

// ownedForMove reads (consistently) the resources a member owns in an org,
// refusing more than MoveMaxResources.
func (s *Store) ownedForMove(ctx context.Context, orgID, userID string) ([]*gatehouse.Resource, error) {
	page, err := s.OwnedResourcesAfter(ctx, orgID, userID, "", "", MoveMaxResources+1)
	if err != nil {
		return nil, err
	}
	if len(page.Resources) > MoveMaxResources {
		return nil, &gatehouse.Error{Code: gatehouse.CodeConflict, Reason: gatehouse.ReasonTooManyResources,
			Message: fmt.Sprintf("the member owns more than %d resources, more than a move carries in one transaction: transfer or unregister some first, or retain them", MoveMaxResources)}
	}
	refs := make([]gatehouse.Ref, len(page.Resources))
	for i, r := range page.Resources {
		refs[i] = r.Ref()
	}
	fresh, err := s.ResourcesByRef(ctx, orgID, refs)
	if err != nil {
		return nil, err
	}
	var out []*gatehouse.Resource
	for _, ref := range refs {
		if r := fresh[ref]; r != nil && r.OwnerID == userID {
			out = append(out, r)
		}
	}
	return out, nil
}

// addTransfer gives the member's resources to toID, an active member of
// the org, as TransferOwnedResources does (counted against toID and its
// managers; their resourceLimit is not a condition), inside the move's
// transaction.
func (s *Store) addTransfer(ctx context.Context, t *tx, orgID, toID, fromID string, owned []*gatehouse.Resource,
	delta func(string) *memberDelta, now time.Time) error {
	if toID == fromID {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "transferTo", Message: "is the member being moved"})
	}
	to, err := s.Membership(ctx, orgID, toID)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "transferTo", Message: "must be an active member of the source org"})
	}
	if err != nil {
		return err
	}
	if !to.Usable(now) {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "transferTo", Message: "must be an active member of the source org"})
	}
	chain, err := s.ManagerChain(ctx, orgID, to)
	if err != nil {
		return err
	}
	counted := []string{toID}
	for _, c := range chain {
		if c.UserID != fromID {
			counted = append(counted, c.UserID)
		}
	}
	delta(toID).newOwner = true // guarded even with nothing to move
	for _, r := range owned {
		inv := ownerInverse(orgID, toID, r.Type, r.ID)
		t.update(resourceKey(orgID, r.Type, r.ID),
			"SET #o = :to, #c = :c, #g1pk = :g1pk, #u = :now ADD #v :one",
			"#v = :v AND #o = :from", errMoveChanged,
			map[string]string{"#o": "ownerId", "#c": "counted", "#g1pk": tabledef.GSI1PK, "#u": attrUpdated, "#v": attrVersion},
			map[string]types.AttributeValue{
				":to": str(toID), ":from": str(fromID), ":c": strList(counted), ":g1pk": str(inv.PK),
				":now": str(now.Format(time.RFC3339Nano)), ":one": num(1), ":v": num(r.Version),
			})
		for _, uid := range r.Counted {
			if uid != fromID {
				delta(uid).resources--
			}
		}
		for _, uid := range counted {
			delta(uid).resources++
		}
	}
	return nil
}

// addMemberDeltas writes the summed counter changes of the source org's
// memberships (never the moved member's, which the move deletes). A
// membership removed since a resource was registered has no counter to
// give back to (as in UnregisterResource).
func (s *Store) addMemberDeltas(ctx context.Context, t *tx, orgID, movedID string, counters map[string]*memberDelta) error {
	uids := make([]string, 0, len(counters))
	keys := make([]Key, 0, len(counters))
	for uid := range counters {
		if uid != movedID {
			uids = append(uids, uid)
			keys = append(keys, memberKey(orgID, uid))
		}
	}
	sort.Strings(uids)
	present, err := s.batchGetAll(ctx, keys)
	if err != nil {
		return err
	}
	for _, uid := range uids {
		k := memberKey(orgID, uid)
		d := counters[uid]
		if _, ok := present[k]; !ok {
			if d.newOwner {
				return errMoveChanged // the new owner left meanwhile
			}
			continue
		}
		names := map[string]string{"#pk": tabledef.PK}
		values := map[string]types.AttributeValue{}
		var adds []string
		adds = addDelta(names, values, adds, "#mcnt", attrManagedCount, ":dm", d.managed)
		adds = addDelta(names, values, adds, "#minv", attrManagedInvites, ":di", d.invites)
		adds = addDelta(names, values, adds, "#rc", "resourceCount", ":dr", d.resources)
		cond := "attribute_exists(#pk)"
		if d.newOwner {
			// A transfer's new owner: still an active member.
			cond += " AND #st = :active"
			names["#st"] = attrStatus
			values[":active"] = str(string(gatehouse.StatusActive))
		}
		if len(adds) == 0 {
			t.check(k, cond, errMoveChanged, names, values)
			continue
		}
		t.update(k, "ADD "+strings.Join(adds, ", "), cond, errMoveChanged, names, values)
	}
	return nil
}

// addMoveOrgUpdates writes the two orgs' items and the subtree seats of the
// ancestors. A seat leaves From's chain (From and its ancestors) and enters
// To's: an org in both chains keeps its treeSeats (the seat stays in its
// subtree), one only in To's takes a seat under its maxMembers.
//
// Moved resources likewise leave the subtree counts (treeRes_<type>) of
// From's chain and enter To's; mids are the orgs of To's chain above To
// and not above From, whose quotas guard what enters their subtree.
func addMoveOrgUpdates(t *tx, from, to *gatehouse.Org, out, in orgChange, resOut, resIn map[string]int, mids map[string]*gatehouse.Org) error {
	fromChain := append([]string{from.ID}, from.Ancestors...)
	toChain := append([]string{to.ID}, to.Ancestors...)
	tree := map[string]int{}
	treeRes := map[string]map[string]int{}
	addRes := func(id string, res map[string]int) {
		if treeRes[id] == nil {
			treeRes[id] = map[string]int{}
		}
		for typ, n := range res {
			treeRes[id][typ] += n
		}
	}
	for _, id := range fromChain {
		tree[id] += out.members
		addRes(id, resOut)
	}
	for _, id := range toChain {
		tree[id] += in.members
		addRes(id, resIn)
	}
	t.addMoveOrg(from.ID, out, tree[from.ID], resOut, treeRes[from.ID], nil)
	t.addMoveOrg(to.ID, in, tree[to.ID], resIn, treeRes[to.ID], to)
	var rest []string
	for id := range tree {
		if id != from.ID && id != to.ID && (tree[id] != 0 || nonZero(treeRes[id])) {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	for _, id := range rest {
		t.addMoveTree(id, tree[id], treeRes[id], mids[id])
	}
	return nil
}

// firstPositive is the first type, in order, that m moves up.
func firstPositive(m map[string]int) string {
	for _, typ := range slices.Sorted(maps.Keys(m)) {
		if m[typ] > 0 {
			return typ
		}
	}
	return ""
}

func nonZero(m map[string]int) bool {
	for _, n := range m {
		if n != 0 {
			return true
		}
	}
	return false
}

// addMoveTree moves an ancestor's subtree counts: seats (guarded by
// maxMembers when positive) and resources per type (guarded, when
// positive, by the quota of o as read, pinned).
func (t *tx) addMoveTree(orgID string, seats int, res map[string]int, o *gatehouse.Org) {
	names := map[string]string{"#pk": tabledef.PK}
	values := map[string]types.AttributeValue{}
	conds := []string{"attribute_exists(#pk)"}
	var adds []string
	adds = addDelta(names, values, adds, "#ts", attrTreeSeats, ":dt", seats)
	if seats > 0 {
		names["#mc"], names["#max"] = attrMemberCount, "maxMembers"
		values[":unl"] = num(-1)
		conds = append(conds, "(attribute_not_exists(#max) OR #max = :unl OR #ts < #max OR (attribute_not_exists(#ts) AND #mc < #max))")
	}
	var onFail error = ErrOrgChanged
	if seats > 0 {
		onFail = ErrAncestorMaxMembers
	}
	if guards := addTreeResTerms(res, o, names, values, &adds); len(guards) > 0 {
		conds = append(conds, guards...)
		onFail = gatehouse.LimitExceeded(LimitMaxResourcesPrefix+firstPositive(res),
			"an org above the destination has no room for the moved resources (its quota counts its sub-orgs)")
	}
	t.update(orgKey(orgID), "ADD "+strings.Join(adds, ", "), strings.Join(conds, " AND "), onFail, names, values)
}

// addTreeResTerms adds the treeRes_<type> moves of res to adds and
// returns the conditions that guard them: with o (the org as read), room
// under each quota it has for what enters, the quota pinned.
func addTreeResTerms(res map[string]int, o *gatehouse.Org, names map[string]string, values map[string]types.AttributeValue, adds *[]string) []string {
	var conds []string
	for i, typ := range slices.Sorted(maps.Keys(res)) {
		n := res[typ]
		if n == 0 {
			continue
		}
		k := "#tr" + strconv.Itoa(i)
		v := ":tr" + strconv.Itoa(i)
		names[k], values[v] = attrTreeResPrefix+typ, num(int64(n))
		*adds = append(*adds, k+" "+v)
		if o == nil || n < 0 {
			continue
		}
		q := quotaOfType(o.Quotas.MaxResources, typ)
		mk, mv, room := "#trm"+strconv.Itoa(i), ":trm"+strconv.Itoa(i), ":trr"+strconv.Itoa(i)
		names[mk] = attrMaxResPrefix + typ
		if q < 0 {
			values[":trneg"] = num(0)
			conds = append(conds, "(attribute_not_exists("+mk+") OR "+mk+" < :trneg)")
			continue
		}
		values[mv], values[room] = num(int64(q)), num(int64(q-n))
		if q < n {
			// No room even in an empty subtree: a condition that fails.
			conds = append(conds, mk+" = "+mv+" AND "+k+" <= "+room)
			continue
		}
		conds = append(conds, mk+" = "+mv+" AND (attribute_not_exists("+k+") OR "+k+" <= "+room+")")
	}
	return conds
}

// addMoveOrg is addOrgChange for one side of a move: the org's own seats
// move by ch.members, its subtree seats by treeDelta (guarded by
// maxMembers when positive), and its resource counters by res (guarded by
// maxRes_<type> when adding, with quotas read from dest).
func (t *tx) addMoveOrg(orgID string, ch orgChange, treeDelta int, res, treeRes map[string]int, dest *gatehouse.Org) {
	names := map[string]string{"#pk": tabledef.PK}
	values := map[string]types.AttributeValue{}
	conds := []string{"attribute_exists(#pk)"}
	var adds []string
	adds = addDelta(names, values, adds, "#mc", attrMemberCount, ":dm", ch.members)
	adds = addDelta(names, values, adds, "#ic", attrInviteCount, ":di", ch.invites)
	adds = addDelta(names, values, adds, "#ts", attrTreeSeats, ":dt", treeDelta)
	if treeDelta > 0 {
		names["#mc"], names["#max"], names["#ts"] = attrMemberCount, "maxMembers", attrTreeSeats
		values[":unl"] = num(-1)
		conds = append(conds, "(attribute_not_exists(#max) OR #max = :unl OR #ts < #max OR (attribute_not_exists(#ts) AND #mc < #max))")
	}
	adds = addDelta(names, values, adds, "#oc", attrOwnerCount, ":do", ch.owners)
	if ch.ownerGuard {
		names["#oc"] = attrOwnerCount
		values[":one"] = num(1)
		conds = append(conds, "#oc > :one")
	}
	roles := make([]string, 0, len(ch.roles))
	for r := range ch.roles {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	for i, r := range roles {
		n := "#rh" + strconv.Itoa(i)
		v := ":rh" + strconv.Itoa(i)
		names[n] = attrRoleHoldersPrefix + r
		values[v] = num(int64(ch.roles[r]))
		adds = append(adds, n+" "+v)
	}
	if ch.pinVersion {
		names["#v"] = attrVersion
		values[":ver"] = num(ch.version)
		conds = append(conds, "#v = :ver")
	}
	types_ := make([]string, 0, len(res))
	for typ := range res {
		types_ = append(types_, typ)
	}
	sort.Strings(types_)
	for i, typ := range types_ {
		n := strconv.Itoa(i)
		names["#rc"+n] = attrResCountPrefix + typ
		values[":rc"+n] = num(int64(res[typ]))
		adds = append(adds, "#rc"+n+" :rc"+n)
		if dest != nil && res[typ] > 0 {
			// Room for all of them under the quota read; the quota itself
			// is pinned to the value read (a concurrent change of it fails
			// the move, which is retried).
			q := quotaOfType(dest.Quotas.MaxResources, typ)
			names["#rm"+n] = attrMaxResPrefix + typ
			if q < 0 {
				values[":zero"] = num(0)
				conds = append(conds, "(attribute_not_exists(#rm"+n+") OR #rm"+n+" < :zero)")
			} else {
				values[":rm"+n] = num(int64(q))
				values[":room"+n] = num(int64(q - res[typ]))
				conds = append(conds, "#rm"+n+" = :rm"+n+" AND (attribute_not_exists(#rc"+n+") OR #rc"+n+" <= :room"+n+")")
			}
		}
	}
	conds = append(conds, addTreeResTerms(treeRes, dest, names, values, &adds)...)
	cond := strings.Join(conds, " AND ")
	if len(adds) == 0 {
		t.check(orgKey(orgID), cond, errOrgCondition, names, values)
		return
	}
	t.update(orgKey(orgID), "ADD "+strings.Join(adds, ", "), cond, errOrgCondition, names, values)
}

// explainMoveFailure reads both orgs again after one of their conditions
// failed and says which guard it was.
func (s *Store) explainMoveFailure(ctx context.Context, from, to *gatehouse.Org, out, in orgChange, resIn map[string]int) error {
	f, err := s.Org(ctx, from.ID)
	if err != nil {
		return err
	}
	d, err := s.Org(ctx, to.ID)
	if err != nil {
		return err
	}
	if out.ownerGuard && f.Usage.Owners <= 1 {
		return ErrLastOwner
	}
	if !slices.Contains(from.Ancestors, to.ID) && d.Quotas.MaxMembers >= 0 && d.Usage.SubtreeSeats >= d.Quotas.MaxMembers {
		return ErrMaxMembers
	}
	for typ, n := range resIn {
		if q := quotaOfType(d.Quotas.MaxResources, typ); q >= 0 && d.Usage.Resources[typ]+n > q {
			return gatehouse.LimitExceeded("maxResources."+typ, "the destination org's quota of %s resources has no room for the member's %d", typ, n)
		}
	}
	return ErrOrgChanged
}
