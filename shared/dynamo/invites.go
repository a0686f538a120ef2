package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Secret kinds of the secret lookup items this file writes.
const (
	SecretInvite     = "invite"
	SecretActivation = "activation"
)

// Secret states: a secret is live until used, revoked or replaced; spent
// secrets stay (until their TTL) so that a reused link gets a clear answer.
const (
	SecretLive     = "live"
	SecretUsed     = "used"
	SecretRevoked  = "revoked"
	SecretReplaced = "replaced"
)

// Secret is a lookup item from a secret's hash to what it opens.
type Secret struct {
	Hash      string
	Kind      string // SecretInvite or SecretActivation
	State     string // SecretLive (the default when empty), SecretUsed...
	OrgID     string
	InviteID  string // invites
	UserID    string // activation
	Email     string // activation
	ExpiresAt time.Time
}

// secretTTLGrace keeps spent or expired secrets a while (clear errors)
// before DynamoDB's TTL deletes them.
const secretTTLGrace = 30 * 24 * time.Hour

func secretItem(s *Secret) item {
	return newItem(secretKey(s.Hash)).
		setS(attrKind, kindSecret).
		setS("secretKind", s.Kind).
		setS("state", cmpOr(s.State, SecretLive)).
		setS("orgId", s.OrgID).
		setS("inviteId", s.InviteID).
		setS("userId", s.UserID).
		setS("email", s.Email).
		setTime(attrExpires, s.ExpiresAt).
		setN(tabledef.TTLAttribute, s.ExpiresAt.Add(secretTTLGrace).Unix())
}

func decodeSecret(it item) *Secret {
	return &Secret{
		Hash:      trimPrefix(it.getS(tabledef.PK), prefixSecret),
		Kind:      it.getS("secretKind"),
		State:     cmpOr(it.getS("state"), SecretLive),
		OrgID:     it.getS("orgId"),
		InviteID:  it.getS("inviteId"),
		UserID:    it.getS("userId"),
		Email:     it.getS("email"),
		ExpiresAt: it.getTime(attrExpires),
	}
}

func inviteItem(i *gatehouse.Invite) item {
	it := newItem(inviteKey(i.OrgID, i.ID)).
		setS(attrKind, kindInvite).
		setS("inviteId", i.ID).
		setS("orgId", i.OrgID).
		setS("email", i.Email).
		setS("emailLower", NormalizeEmail(i.Email)).
		setList("roles", i.Roles).
		setS("message", i.Message).
		setS("invitedBy", i.InvitedBy).
		setS(attrStatus, string(i.Status)).
		setTime(attrExpires, i.ExpiresAt).
		setTimePtr("memberExpiresAt", i.MemberExpiresAt).
		setS("managedBy", i.ManagedBy).
		setS("acceptedBy", i.AcceptedBy).
		setBool(attrSeatHeld, i.SeatHeld).
		setList("orgAncestors", i.OrgAncestors).
		setS("tokenHash", i.TokenHash).
		setTime(attrCreated, i.CreatedAt).
		setTime(attrUpdated, i.UpdatedAt).
		setN(attrVersion, i.Version)
	if i.Profile != nil {
		it.setJSON("profile", i.Profile)
	}
	if i.Status == gatehouse.StatusPending {
		t := i.ExpiresAt
		it.setExpiry(&t, kindInvite)
		it.setInverse(pendingInviteInverse(i.Email, i.OrgID, i.ID))
	}
	return it
}

// attrSeatHeld is Invite.SeatHeld.
const attrSeatHeld = "seatHeld"

func decodeInvite(it item) *gatehouse.Invite {
	i := decodeInviteFields(it)
	if _, ok := it["profile"]; ok {
		i.Profile = &gatehouse.Profile{}
		it.getJSON("profile", i.Profile)
	}
	return i
}

func decodeInviteFields(it item) *gatehouse.Invite {
	return &gatehouse.Invite{
		ID:              it.getS("inviteId"),
		OrgID:           it.getS("orgId"),
		Email:           it.getS("email"),
		Roles:           it.getList("roles"),
		Message:         it.getS("message"),
		InvitedBy:       it.getS("invitedBy"),
		Status:          gatehouse.Status(it.getS(attrStatus)),
		ExpiresAt:       it.getTime(attrExpires),
		MemberExpiresAt: it.getTimePtr("memberExpiresAt"),
		ManagedBy:       it.getS("managedBy"),
		AcceptedBy:      it.getS("acceptedBy"),
		SeatHeld:        it.getBool(attrSeatHeld),
		OrgAncestors:    it.getList("orgAncestors"),
		TokenHash:       it.getS("tokenHash"),
		CreatedAt:       it.getTime(attrCreated),
		UpdatedAt:       it.getTime(attrUpdated),
		Version:         it.getN(attrVersion),
	}
}

// inviteEmailItem marks the one live invite of an email in an org: a new
// invite for the same email is refused while it is pending and unexpired,
// and replaces it once expired or spent.
func inviteEmailItem(i *gatehouse.Invite) item {
	return newItem(inviteEmailKey(i.OrgID, i.Email)).
		setS(attrKind, "inviteemail").
		setS("inviteId", i.ID).
		// invitedBy finds the live invites a member made when it is
		// removed (rule 6, pendingInvitesBy).
		setS("invitedBy", i.InvitedBy).
		setS(attrStatus, string(gatehouse.StatusPending)).
		setTime(attrExpires, i.ExpiresAt).
		setN(tabledef.TTLAttribute, i.ExpiresAt.Add(secretTTLGrace).Unix())
}

// Errors of invite writes.
var (
	ErrInvitePending = gatehouse.Errorf(gatehouse.CodeConflict, "a pending invite for this email exists; resend or revoke it")
	ErrInviteChanged = gatehouse.Errorf(gatehouse.CodeConflict, "the invite changed meanwhile; retry")
	ErrInviteSpent   = gatehouse.Errorf(gatehouse.CodeConflict, "this link was already used or revoked")
)

// putInviteEmail claims the email's live-invite marker for i: it must be
// absent, belong to i, or belong to an invite that is expired or spent.
func (s *Store) putInviteEmail(t *tx, i *gatehouse.Invite) {
	t.put(inviteEmailItem(i),
		"attribute_not_exists(#pk) OR #id = :id OR #st <> :pending OR #exp <= :now",
		ErrInvitePending,
		map[string]string{"#pk": tabledef.PK, "#id": "inviteId", "#st": attrStatus, "#exp": attrExpires},
		map[string]types.AttributeValue{
			":id": str(i.ID), ":pending": str(string(gatehouse.StatusPending)),
			":now": str(s.Now().Format(time.RFC3339Nano)),
		})
}

// releaseInviteEmail deletes the email's marker when it belongs to i.
func (s *Store) releaseInviteEmail(ctx context.Context, t *tx, i *gatehouse.Invite) error {
	it, err := s.find(ctx, inviteEmailKey(i.OrgID, i.Email), true)
	if err != nil {
		return err
	}
	if it == nil {
		return nil
	}
	if it.getS("inviteId") == i.ID {
		t.delete(inviteEmailKey(i.OrgID, i.Email), "#id = :id", ErrInviteChanged,
			map[string]string{"#id": "inviteId"}, map[string]types.AttributeValue{":id": str(i.ID)})
	}
	return nil
}

// NewInvite is an invite to create.
type NewInvite struct {
	Invite *gatehouse.Invite
	Org    *gatehouse.Org
	// ExistingUserID, when the email has an account, is checked not to be a
	// member already.
	ExistingUserID string
	Audit          gatehouse.AuditEvent
}

// CreateInvite stores an invite with its secret lookup item and its email
// marker, takes the seat it holds (the org's memberCount under maxMembers
// and, for a manager's invite, one of its managed slots under its
// userLimit) and checks the invitee is not yet a member: one transaction.
//
// An invite that is past its expiry but not yet swept, for the same email,
// is replaced: it is expired in the same transaction and the seat it holds
// passes to the new invite (a manager's slot moves when another inviter
// replaces it), so it is neither counted twice nor released twice (the
// sweep finds it expired already).
//
// The usual case, an email without a marker, costs no read: the marker is
// created under "absent". Only when it exists is it read, with its invite,
// to tell a pending invite (refused) from a spent or swept one (replaced
// as usual) and from an expired, unswept one (expired here).
func (s *Store) CreateInvite(ctx context.Context, n NewInvite) error {
	err := s.createInvite(ctx, n, nil, false)
	for attempt := 0; attempt < 3 && (errors.Is(err, errMarkerTaken) || errors.Is(err, errReplacedInviteMoved)); attempt++ {
		var old *gatehouse.Invite
		if old, err = s.replaceableInvite(ctx, n.Invite); err == nil {
			err = s.createInvite(ctx, n, old, true)
		}
	}
	if errors.Is(err, errMarkerTaken) || errors.Is(err, errReplacedInviteMoved) {
		err = ErrInviteChanged
	}
	if err != nil {
		return fmt.Errorf("create invite in %s: %w", n.Invite.OrgID, err)
	}
	return nil
}

var (
	// errMarkerTaken: the email has a live-invite marker; read it.
	errMarkerTaken = errors.New("the email's invite marker exists")
	// errReplacedInviteMoved: the invite being replaced changed between
	// its read and the commit (the sweep expired it, someone resent it):
	// read again.
	errReplacedInviteMoved = errors.New("the replaced invite changed")
)

// createInvite is one attempt. old is the expired, unswept invite to
// replace, if any; read says whether the marker was read (else it must be
// absent or i's own).
func (s *Store) createInvite(ctx context.Context, n NewInvite, old *gatehouse.Invite, read bool) error {
	i := n.Invite
	i.SeatHeld = true
	i.OrgAncestors = n.Org.Ancestors
	t := s.tx().create(inviteItem(i), gatehouse.Errorf(gatehouse.CodeConflict, "the invite already exists"))
	t.create(secretItem(inviteSecret(i, SecretLive)),
		gatehouse.Errorf(gatehouse.CodeConflict, "secret collision; retry"))
	var ch orgChange
	switch {
	case old == nil && !read:
		t.put(inviteEmailItem(i), "attribute_not_exists(#pk) OR #id = :id", errMarkerTaken,
			map[string]string{"#pk": tabledef.PK, "#id": "inviteId"}, map[string]types.AttributeValue{":id": str(i.ID)})
		var err error
		if ch, err = s.takeInviteSeat(ctx, t, i); err != nil {
			return err
		}
	case old == nil:
		s.putInviteEmail(t, i)
		var err error
		if ch, err = s.takeInviteSeat(ctx, t, i); err != nil {
			return err
		}
	default:
		now := s.Now()
		expired := *old
		expired.Status, expired.UpdatedAt = gatehouse.StatusExpired, now
		t.updateInvite(old, &expired, now)
		t.items[len(t.items)-1].onFail = errReplacedInviteMoved
		t.put(inviteEmailItem(i), "#id = :old", errReplacedInviteMoved,
			map[string]string{"#id": "inviteId"}, map[string]types.AttributeValue{":old": str(old.ID)})
		actor := gatehouse.Actor{UserID: n.Audit.ActorID, RequestID: n.Audit.RequestID, SourceIP: n.Audit.SourceIP}
		t.audit(s.NewAudit(actor, i.OrgID, "invite.expire", old.Email,
			map[string]any{"inviteId": old.ID, "status": gatehouse.StatusPending, "expiresAt": old.ExpiresAt},
			map[string]any{"status": gatehouse.StatusExpired, "replacedBy": i.ID}))
		if !old.SeatHeld {
			var err error
			if ch, err = s.takeInviteSeat(ctx, t, i); err != nil {
				return err
			}
			break
		}
		// The org's seat passes from the old invite to the new one: no
		// count moves. A manager's slot moves when the inviter differs.
		if old.ManagedBy != i.ManagedBy {
			if err := s.releaseManagerSlot(ctx, t, old); err != nil {
				return err
			}
			if err := s.takeManagerSlot(ctx, t, i); err != nil {
				return err
			}
		}
	}
	if n.ExistingUserID != "" && n.ExistingUserID == i.ManagedBy {
		// A manager inviting its own address: it is a member already (and
		// one transaction cannot both count and check its membership).
		return ErrAlreadyMember
	}
	if n.ExistingUserID != "" {
		t.check(memberKey(i.OrgID, n.ExistingUserID), "attribute_not_exists(#pk)", ErrAlreadyMember,
			map[string]string{"#pk": tabledef.PK}, nil)
	}
	t.audit(n.Audit)
	return s.commitOrg(ctx, t, i.OrgID, ch)
}

// replaceableInvite returns the invite that holds i's email marker when
// it is still pending in the table but past its expiry (not swept yet):
// creating i expires it. nil when there is none; ErrInvitePending when the
// marker's invite is pending and unexpired.
func (s *Store) replaceableInvite(ctx context.Context, i *gatehouse.Invite) (*gatehouse.Invite, error) {
	mk, err := s.find(ctx, inviteEmailKey(i.OrgID, i.Email), true)
	if err != nil {
		return nil, err
	}
	if mk == nil {
		return nil, nil
	}
	id := mk.getS("inviteId")
	if id == i.ID || mk.getS(attrStatus) != string(gatehouse.StatusPending) {
		return nil, nil
	}
	if s.Now().Before(mk.getTime(attrExpires)) {
		return nil, ErrInvitePending
	}
	old, err := s.Invite(ctx, i.OrgID, id)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if old.Status != gatehouse.StatusPending {
		return nil, nil // swept (its seat is back) or spent
	}
	return old, nil
}

// takeInviteSeat adds the seat a new (or revived) invite holds: the org's
// memberCount and inviteCount, guarded by maxMembers, and for a manager's
// invite its managedCount and managedInvites and those of the managers
// above it, each guarded by its userLimit (rule 7).
// It returns the org change for commitOrg.
func (s *Store) takeInviteSeat(ctx context.Context, t *tx, i *gatehouse.Invite) (orgChange, error) {
	ch := orgChange{members: 1, invites: 1, quota: true, ancestors: i.OrgAncestors}
	t.addOrgChange(i.OrgID, ch)
	return ch, s.takeManagerSlot(ctx, t, i)
}

// releaseInviteSeat adds the release of the seat a pending invite holds
// (revoked or expired): the org's counters and the manager's slot. Nothing
// for an invite that holds none. The caller's transaction must be
// conditioned on the invite still being pending, so that a seat is given
// back once.
func (s *Store) releaseInviteSeat(ctx context.Context, t *tx, i *gatehouse.Invite) (orgChange, error) {
	if !i.SeatHeld {
		return orgChange{}, nil
	}
	ch := orgChange{members: -1, invites: -1, ancestors: i.OrgAncestors}
	t.addOrgChange(i.OrgID, ch)
	return ch, s.releaseManagerSlot(ctx, t, i)
}

// releaseManagerSlot gives back the managed slot a seat-holding invite
// takes from its manager, if the manager is still a member (a removed
// manager's counters went with its membership).
func (s *Store) releaseManagerSlot(ctx context.Context, t *tx, i *gatehouse.Invite) error {
	if !i.SeatHeld || i.ManagedBy == "" {
		return nil
	}
	holders, err := s.slotHolders(ctx, i.OrgID, i.ManagedBy)
	if err != nil {
		return err
	}
	t.addManagedSlots(i.OrgID, holders, -1, -1, false)
	return nil
}

// takeManagerSlot takes the managed slot of an invite a manager makes, from
// the manager and every manager above it (rule 7), each guarded by its
// userLimit.
func (s *Store) takeManagerSlot(ctx context.Context, t *tx, i *gatehouse.Invite) error {
	if i.ManagedBy == "" {
		return nil
	}
	holders, err := s.slotHolders(ctx, i.OrgID, i.ManagedBy)
	if err != nil {
		return err
	}
	if len(holders) == 0 {
		return ErrMemberChanged
	}
	t.addManagedSlots(i.OrgID, holders, 1, 1, true)
	return nil
}

// withoutInviteInverse extends an update expression that REMOVEs the
// expiry index keys (#g2pk, #g2sk) to REMOVE the inverse index keys too
// (#g1pk, #g1sk, names the caller adds): an invite that stops being
// pending leaves the invite-only sign-up lookup.
func withoutInviteInverse(update string) string {
	return strings.Replace(update, "REMOVE #g2pk, #g2sk", "REMOVE #g2pk, #g2sk, #g1pk, #g1sk", 1)
}

// Invite reads one invite.
func (s *Store) Invite(ctx context.Context, orgID, inviteID string) (*gatehouse.Invite, error) {
	it, err := s.get(ctx, inviteKey(orgID, inviteID), true, "invite")
	if err != nil {
		return nil, err
	}
	return decodeInvite(it), nil
}

// InvitesPage lists one page of an org's invites.
func (s *Store) InvitesPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.Invite, string, error) {
	items, next, err := s.page(ctx, list{name: listInvites, org: orgID, rng: invitesRange(orgID)}, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]*gatehouse.Invite, len(items))
	for i, it := range items {
		out[i] = decodeInvite(it)
	}
	return out, next, nil
}

// SecretByHash reads the secret lookup item of a hash; not_found when none.
func (s *Store) SecretByHash(ctx context.Context, hash string) (*Secret, error) {
	it, err := s.get(ctx, secretKey(hash), true, "token")
	if err != nil {
		return nil, err
	}
	if it.getS(attrKind) != kindSecret {
		return nil, gatehouse.NotFound("token")
	}
	return decodeSecret(it), nil
}

// updateInvite writes the invite's status and token fields guarded by its
// version and its status at read time. A pending invite is in the expiry
// index and in the inverse index under its email (invite-only sign-up);
// any other leaves both.
func (t *tx) updateInvite(before, after *gatehouse.Invite, now time.Time) {
	names := map[string]string{"#v": attrVersion, "#st": attrStatus, "#u": attrUpdated, "#exp": attrExpires, "#th": "tokenHash"}
	values := map[string]types.AttributeValue{
		":v": num(before.Version), ":one": num(1), ":st": str(string(after.Status)),
		":now": str(now.Format(time.RFC3339Nano)), ":exp": str(after.ExpiresAt.UTC().Format(time.RFC3339Nano)),
		":th": str(after.TokenHash), ":old": str(string(before.Status)),
	}
	set := "SET #st = :st, #u = :now, #exp = :exp, #th = :th"
	if after.AcceptedBy != "" {
		names["#ab"] = "acceptedBy"
		values[":ab"] = str(after.AcceptedBy)
		set += ", #ab = :ab"
	}
	if after.SeatHeld != before.SeatHeld {
		names["#seat"] = attrSeatHeld
		values[":seat"] = &types.AttributeValueMemberBOOL{Value: after.SeatHeld}
		set += ", #seat = :seat"
	}
	expr := set
	names["#g2p"], names["#g2s"] = tabledef.GSI2PK, tabledef.GSI2SK
	names["#g1p"], names["#g1s"] = tabledef.GSI1PK, tabledef.GSI1SK
	if after.Status == gatehouse.StatusPending {
		ek := expiryIndexKey(after.ExpiresAt, kindInvite, inviteKey(after.OrgID, after.ID))
		ik := pendingInviteInverse(after.Email, after.OrgID, after.ID)
		values[":g2p"], values[":g2s"] = str(ek.PK), str(ek.SK)
		values[":g1p"], values[":g1s"] = str(ik.PK), str(ik.SK)
		expr += ", #g2p = :g2p, #g2s = :g2s, #g1p = :g1p, #g1s = :g1s ADD #v :one"
	} else {
		expr += " REMOVE #g2p, #g2s, #g1p, #g1s ADD #v :one"
	}
	t.update(inviteKey(after.OrgID, after.ID), expr, "#v = :v AND #st = :old", ErrInviteChanged, names, values)
}

// spendSecret marks a live secret used: the condition makes it single use.
func (t *tx) spendSecret(hash, kind string) {
	t.update(secretKey(hash), "SET #state = :used", "attribute_exists(#pk) AND #state = :live AND #kind = :kind", ErrInviteSpent,
		map[string]string{"#pk": tabledef.PK, "#state": "state", "#kind": "secretKind"},
		map[string]types.AttributeValue{":used": str(SecretUsed), ":live": str(SecretLive), ":kind": str(kind)})
}

// inviteSecret is the secret item of an invite's current token.
func inviteSecret(i *gatehouse.Invite, state string) *Secret {
	return &Secret{Hash: i.TokenHash, Kind: SecretInvite, State: state, OrgID: i.OrgID, InviteID: i.ID, ExpiresAt: i.ExpiresAt}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// RevokeInvite marks an invite revoked, its secret revoked and releases
// its email marker and the seat it holds: one transaction with its audit
// event.
func (s *Store) RevokeInvite(ctx context.Context, i *gatehouse.Invite, ev gatehouse.AuditEvent) error {
	after := *i
	after.Status = gatehouse.StatusRevoked
	t := s.tx()
	t.updateInvite(i, &after, s.Now())
	if i.TokenHash != "" {
		t.put(secretItem(inviteSecret(i, SecretRevoked)), "", nil, nil, nil)
	}
	if err := s.releaseInviteEmail(ctx, t, i); err != nil {
		return err
	}
	// A pending invite gives its seat back; an expired one did already
	// (the sweep). The invite's status condition makes it once.
	var ch orgChange
	if i.Status == gatehouse.StatusPending {
		var err error
		if ch, err = s.releaseInviteSeat(ctx, t, i); err != nil {
			return fmt.Errorf("revoke invite %s: %w", i.ID, err)
		}
	}
	t.audit(ev)
	if err := s.commitOrg(ctx, t, i.OrgID, ch); err != nil {
		return fmt.Errorf("revoke invite %s: %w", i.ID, err)
	}
	*i = after
	i.Version++
	return nil
}

// ResendInvite gives a pending or expired invite a new token and expiry: the
// old token's secret is deleted (it stops working) and the new one stored,
// and the email's marker is claimed again: one transaction. A pending
// invite keeps the seat it holds; an expired one (its seat given back by
// the sweep), or one stored before invites held seats, takes one again
// under maxMembers and the manager's userLimit.
func (s *Store) ResendInvite(ctx context.Context, before, after *gatehouse.Invite, ev gatehouse.AuditEvent) error {
	t := s.tx()
	after.SeatHeld = true
	var ch orgChange
	if before.Status != gatehouse.StatusPending || !before.SeatHeld {
		var err error
		if ch, err = s.takeInviteSeat(ctx, t, after); err != nil {
			return err
		}
	}
	t.updateInvite(before, after, s.Now())
	if before.TokenHash != "" {
		t.put(secretItem(inviteSecret(before, SecretReplaced)), "", nil, nil, nil)
	}
	t.create(secretItem(inviteSecret(after, SecretLive)),
		gatehouse.Errorf(gatehouse.CodeConflict, "secret collision; retry"))
	s.putInviteEmail(t, after)
	t.audit(ev)
	if err := s.commitOrg(ctx, t, before.OrgID, ch); err != nil {
		return fmt.Errorf("resend invite %s: %w", before.ID, err)
	}
	after.Version = before.Version + 1
	return nil
}

// Acceptance is an invite being accepted by a user.
type Acceptance struct {
	Invite *gatehouse.Invite
	Member *gatehouse.Membership
	Org    *gatehouse.Org
	// MarkEmailVerified sets the accepting user's profile emailVerified
	// (Cognito said verified; the profile was behind).
	MarkEmailVerified bool
	Audit             gatehouse.AuditEvent
	// Profile, when set, fills the fields the accepting account's profile
	// lacks (its own values win), in the same update of the user item.
	Profile *gatehouse.Profile
}

// AcceptInvite creates the membership, marks the invite accepted, spends
// its secret (single use), deletes its email marker and moves the
// counters: one transaction. The seat the invite holds becomes the
// member's (inviteCount and the manager's managedInvites go down, no seat
// is taken); an invite stored before invites held seats takes one now,
// guarded by maxMembers and the manager's userLimit.
func (s *Store) AcceptInvite(ctx context.Context, a Acceptance) error {
	i, m := a.Invite, a.Member
	after := *i
	after.Status = gatehouse.StatusAccepted
	after.AcceptedBy = m.UserID
	t := s.tx()
	t.updateInvite(i, &after, s.Now())
	t.spendSecret(i.TokenHash, SecretInvite)
	if err := s.releaseInviteEmail(ctx, t, i); err != nil {
		return err
	}
	t.create(membershipItem(m), ErrAlreadyMember)
	ch := diffOrg(nil, m, a.Org.Version)
	ch.ancestors = a.Org.Ancestors
	if i.SeatHeld {
		ch.members, ch.invites, ch.quota = 0, -1, false
	}
	t.addOrgChange(m.OrgID, ch)
	switch {
	case i.SeatHeld && i.ManagedBy != "":
		holders, err := s.slotHolders(ctx, m.OrgID, i.ManagedBy)
		if err != nil {
			return fmt.Errorf("accept invite %s: %w", i.ID, err)
		}
		t.addManagedSlots(m.OrgID, holders, 0, -1, false)
	case !i.SeatHeld && m.ManagedBy != "":
		holders, err := s.slotHolders(ctx, m.OrgID, m.ManagedBy)
		if err != nil {
			return fmt.Errorf("accept invite %s: %w", i.ID, err)
		}
		if len(holders) == 0 {
			return ErrMemberChanged
		}
		t.addManagedSlots(m.OrgID, holders, 1, 0, true)
	}
	// One write of the user item at most: emailVerified and the invite's
	// profile defaults (only where the profile has none: if_not_exists).
	sets, names, values := profileDefaults(a.Profile)
	if a.MarkEmailVerified {
		sets = append(sets, "#ev = :t")
		names["#ev"], values[":t"] = "emailVerified", &types.AttributeValueMemberBOOL{Value: true}
	}
	switch {
	case len(sets) > 0:
		cond := "attribute_exists(#pk)"
		names["#pk"] = tabledef.PK
		var onFail error = gatehouse.NotFound("user")
		if UsableOwner(m) {
			// The account must still be what made it a usable owner
			// (rule 9), checked on the item this update writes anyway.
			cond += " AND " + accountUnlimitedCond
			names["#st"], names["#exp"] = attrStatus, attrExpires
			maps.Copy(values, accountUnlimitedValues())
			onFail = ErrAccountChanged
		}
		t.update(userKey(m.UserID), "SET "+strings.Join(sets, ", "), cond, onFail, names, values)
	case UsableOwner(m):
		t.checkAccountUnlimited(m.UserID)
	}
	t.audit(a.Audit)
	if err := s.commitOrg(ctx, t, m.OrgID, ch); err != nil {
		return fmt.Errorf("accept invite %s: %w", i.ID, err)
	}
	return nil
}

// Activate spends an activation secret (single use) and makes the pending account
// active: one transaction with its audit event.
func (s *Store) Activate(ctx context.Context, sec *Secret, ev gatehouse.AuditEvent) error {
	return s.CompleteActivation(ctx, sec, ev, nil)
}

// activateTx is the transaction of Activate (intents.go adds its intent).
func (s *Store) activateTx(sec *Secret, ev gatehouse.AuditEvent) *tx {
	t := s.tx()
	t.spendSecret(sec.Hash, SecretActivation)
	// The link reached its mailbox: activating proves the address.
	t.update(userKey(sec.UserID), "SET #st = :active, #ev = :true, #u = :now ADD #v :one", "#st = :pending",
		gatehouse.Errorf(gatehouse.CodeConflict, "the account is not pending activation"),
		map[string]string{"#st": attrStatus, "#ev": "emailVerified", "#u": attrUpdated, "#v": attrVersion},
		map[string]types.AttributeValue{
			":active": str(string(gatehouse.StatusActive)), ":pending": str(string(gatehouse.StatusPending)),
			":true": &types.AttributeValueMemberBOOL{Value: true},
			":now":  str(s.Now().Format(time.RFC3339Nano)), ":one": num(1),
		})
	t.audit(ev)
	return t
}

// pendingInvitesBy returns the pending invites userID made in an org (rule
// 6: they are revoked with its membership). It queries the org's live
// email markers, one per pending invite (bounded by the seats they hold),
// not the invites, which accumulate, then reads the invites they name.
func (s *Store) pendingInvitesBy(ctx context.Context, orgID, userID string) ([]*gatehouse.Invite, error) {
	in := queryRange(inviteMarkersRange(orgID))
	in.FilterExpression = aws.String("#by = :by AND #st = :pending")
	in.ExpressionAttributeNames["#by"], in.ExpressionAttributeNames["#st"] = "invitedBy", attrStatus
	in.ExpressionAttributeValues[":by"], in.ExpressionAttributeValues[":pending"] = str(userID), str(string(gatehouse.StatusPending))
	items, err := s.queryAll(ctx, in, 0)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	keys := make([]Key, 0, len(items))
	for _, it := range items {
		keys = append(keys, inviteKey(orgID, it.getS("inviteId")))
	}
	var out []*gatehouse.Invite
	for start := 0; start < len(keys); start += 100 {
		got, err := s.batchGet(ctx, keys[start:min(start+100, len(keys))])
		if err != nil {
			return nil, err
		}
		for _, it := range got {
			if i := decodeInvite(it); i.Status == gatehouse.StatusPending && i.InvitedBy == userID {
				out = append(out, i)
			}
		}
	}
	return out, nil
}

// revokeInviteIn adds to t the revocation of a pending invite (the invite,
// its secret and its email marker) and returns the seat it gives back, for
// the caller's org change. Its manager's slot is the caller's business.
func (t *tx) revokeInviteIn(i *gatehouse.Invite, now time.Time) (members, invites int) {
	after := *i
	after.Status = gatehouse.StatusRevoked
	t.updateInvite(i, &after, now)
	if i.TokenHash != "" {
		t.put(secretItem(inviteSecret(i, SecretRevoked)), "", nil, nil, nil)
	}
	t.delete(inviteEmailKey(i.OrgID, i.Email), "#id = :id", ErrInviteChanged,
		map[string]string{"#id": "inviteId"}, map[string]types.AttributeValue{":id": str(i.ID)})
	if i.SeatHeld {
		return -1, -1
	}
	return 0, 0
}

// profileDefaults are the SET clauses that give a profile the fields of p
// it lacks (empty strings are never stored, so a field it lacks is absent).
func profileDefaults(p *gatehouse.Profile) (sets []string, names map[string]string, values map[string]types.AttributeValue) {
	names, values = map[string]string{}, map[string]types.AttributeValue{}
	if p == nil {
		return nil, names, values
	}
	for _, f := range []struct{ attr, val string }{
		{"name", p.Name}, {"phone", p.Phone}, {"timeZone", p.TimeZone}, {"language", p.Language},
	} {
		if f.val == "" {
			continue
		}
		n, v := "#pf_"+f.attr, ":pf_"+f.attr
		sets = append(sets, n+" = if_not_exists("+n+", "+v+")")
		names[n], values[v] = f.attr, str(f.val)
	}
	return sets, names, values
}
