package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Platform admin access patterns: accounts by email prefix (the EMAILS
// partition of the inverse index, sorted by lower-case email), account
// status, expiry and limits, and the pending-invite lookup of the
// invite-only sign-up mode.

// UsersByEmailPrefix lists accounts whose lower-case email starts with
// prefix ("" lists all), in email order, one page at a time.
func (s *Store) UsersByEmailPrefix(ctx context.Context, prefix string, limit int, cursor string) ([]*gatehouse.User, string, error) {
	items, next, err := s.page(ctx, list{name: listUsers, rng: usersByEmailRange(prefix)}, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	users := make([]*gatehouse.User, len(items))
	for i, it := range items {
		users[i] = decodeUser(it)
	}
	return users, next, nil
}

// AccountChanges are the fields a platform admin changes on an account;
// nil leaves a field as it is. ExpiresAt set to a nil *time.Time clears it.
type AccountChanges struct {
	Status        *gatehouse.Status
	ExpiresAt     **time.Time
	ResourceLimit *int
}

// ErrAccountChanged is returned when the account changed between read and
// write.
var ErrAccountChanged = gatehouse.Errorf(gatehouse.CodeConflict, "the account changed meanwhile; retry")

// maxAccountMemberships bounds the memberships an account change moves in
// its one transaction (two items each at most, within DynamoDB's 100).
const maxAccountMemberships = 45

// LastOwnerError is rule 9's refusal of an account change: the account is
// the last usable owner of these orgs (personal orgs aside). A platform
// admin may insist (force).
func LastOwnerError(orgIDs []string) error {
	return &gatehouse.Error{Code: gatehouse.CodeLastOwner,
		Message: "the account is the last usable owner of org(s) " + strings.Join(orgIDs, ", ") +
			"; make someone else owner first, or insist with force"}
}

// UpdateAccount writes an account's status, expiry and resource limit,
// guarded by the version read in before, with its audit event: one
// transaction. The account is in the expiry index exactly when it is active
// with an expiry.
//
// Rule 9: when the account stops (or starts) being one that may hold a
// usable owner (AccountLimited), the same transaction mirrors that on
// every membership (accountLimited, each guarded by its version) and moves
// the ownerCount of every org where it is a usable owner, guarded by
// "ownerCount > 1". Disabling or expiring the last usable owner of an org
// other than a personal one is refused with LastOwnerError naming the orgs,
// unless force, which is audited in each such org.
func (s *Store) UpdateAccount(ctx context.Context, before *gatehouse.User, ch AccountChanges, actor gatehouse.Actor, force bool) (*gatehouse.User, error) {
	after := *before
	b, a := map[string]any{}, map[string]any{}
	names := map[string]string{"#v": attrVersion, "#u": attrUpdated, "#g2pk": tabledef.GSI2PK, "#g2sk": tabledef.GSI2SK}
	now := s.Now()
	values := map[string]types.AttributeValue{":v": num(before.Version), ":one": num(1), ":now": str(now.Format(time.RFC3339Nano))}
	sets := []string{"#u = :now"}
	var removes []string
	if ch.Status != nil && *ch.Status != before.Status {
		names["#st"] = attrStatus
		values[":st"] = str(string(*ch.Status))
		sets = append(sets, "#st = :st")
		b["status"], a["status"] = before.Status, *ch.Status
		after.Status = *ch.Status
	}
	if ch.ExpiresAt != nil && !sameTime(before.ExpiresAt, *ch.ExpiresAt) {
		names["#exp"] = attrExpires
		if *ch.ExpiresAt == nil {
			// "" reads as no expiry; not REMOVE, which minidyn v0.8.2
			// never applies (see ChangeMember).
			values[":exp"] = str("")
		} else {
			values[":exp"] = str((*ch.ExpiresAt).UTC().Format(time.RFC3339Nano))
		}
		sets = append(sets, "#exp = :exp")
		b["expiresAt"], a["expiresAt"] = before.ExpiresAt, *ch.ExpiresAt
		after.ExpiresAt = *ch.ExpiresAt
	}
	if ch.ResourceLimit != nil && *ch.ResourceLimit != before.ResourceLimit {
		names["#rl"] = "resourceLimit"
		values[":rl"] = num(int64(*ch.ResourceLimit))
		sets = append(sets, "#rl = :rl")
		b["resourceLimit"], a["resourceLimit"] = before.ResourceLimit, *ch.ResourceLimit
		after.ResourceLimit = *ch.ResourceLimit
	}
	if len(a) == 0 {
		return &after, nil
	}
	if after.Status == gatehouse.StatusActive && after.ExpiresAt != nil {
		ek := expiryIndexKey(*after.ExpiresAt, kindUser, userKey(before.ID))
		values[":g2pk"], values[":g2sk"] = str(ek.PK), str(ek.SK)
		sets = append(sets, "#g2pk = :g2pk", "#g2sk = :g2sk")
	} else {
		removes = append(removes, "#g2pk", "#g2sk")
	}
	expr := "SET " + strings.Join(sets, ", ")
	if len(removes) > 0 {
		expr += " REMOVE " + strings.Join(removes, ", ")
	}
	expr += " ADD #v :one"
	t := s.tx().update(userKey(before.ID), expr, "#v = :v", ErrAccountChanged, names, values)
	if limited := AccountLimited(&after); limited != AccountLimited(before) {
		forced, err := s.mirrorAccountLimited(ctx, t, before.ID, limited, force, actor)
		if err != nil {
			return nil, err
		}
		if len(forced) > 0 {
			a["force"], a["lastOwnerOf"] = true, forced
		}
	}
	t.audit(s.NewAudit(actor, "", "account.update", before.ID, b, a))
	if err := t.commit(ctx); err != nil {
		if errors.Is(err, errOrgCondition) {
			err = ErrLastOwner
		}
		return nil, fmt.Errorf("update account %s: %w", before.ID, err)
	}
	after.Version++
	after.UpdatedAt = now
	return &after, nil
}

// mirrorAccountLimited adds to t what an account becoming limited (or no
// longer) does to its memberships and their orgs' ownerCount (rule 9), and
// returns the orgs whose last usable owner it forcibly ends.
func (s *Store) mirrorAccountLimited(ctx context.Context, t *tx, userID string, limited, force bool, actor gatehouse.Actor) ([]string, error) {
	items, err := s.queryAll(ctx, queryRange(orgsOfUserRange(userID)), maxAccountMemberships+1)
	if err != nil {
		return nil, fmt.Errorf("memberships of %s: %w", userID, err)
	}
	if len(items) > maxAccountMemberships {
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "the account has more than %d memberships; remove some first", maxAccountMemberships)
	}
	var ms []*gatehouse.Membership
	var ownerOrgs []Key
	for _, it := range items {
		m := decodeMembership(it)
		if m.AccountLimited == limited {
			continue
		}
		ms = append(ms, m)
		if UsableOwner(m) {
			ownerOrgs = append(ownerOrgs, orgKey(m.OrgID))
		}
	}
	orgs, err := s.batchGet(ctx, ownerOrgs)
	if err != nil {
		return nil, fmt.Errorf("orgs of %s: %w", userID, err)
	}
	var last, forced []string
	for _, m := range ms {
		after := *m
		after.AccountLimited = limited
		t.update(memberKey(m.OrgID, m.UserID), "SET #al = :al ADD #v :one", "#v = :v", ErrMemberChanged,
			map[string]string{"#al": attrAccountLimited, "#v": attrVersion},
			map[string]types.AttributeValue{":al": &types.AttributeValueMemberBOOL{Value: limited}, ":v": num(m.Version), ":one": num(1)})
		ch := diffOrg(m, &after, 0)
		if ch.owners == 0 {
			continue
		}
		if ch.ownerGuard {
			it, ok := orgs[orgKey(m.OrgID)]
			if !ok {
				continue // the org is gone: nothing to count
			}
			o := decodeOrg(it)
			switch {
			case o.Personal:
				// Nobody else's org: a disabled account's personal org
				// simply has no usable owner.
				ch.ownerGuard = false
			case o.Usage.Owners <= 1 && !force:
				last = append(last, o.ID)
			case o.Usage.Owners <= 1:
				ch.ownerGuard = false
				forced = append(forced, o.ID)
				t.audit(s.NewAudit(actor, o.ID, "member.last_owner_forced", userID,
					map[string]any{"usableOwners": o.Usage.Owners}, map[string]any{"usableOwners": 0, "force": true}))
			}
		}
		t.addOrgChange(m.OrgID, ch)
	}
	if len(last) > 0 {
		return nil, LastOwnerError(last)
	}
	return forced, nil
}

// HasPendingInvite reports whether an email has a pending, unexpired invite
// in any org (the invite_only sign-up mode). It reads the invite's inverse
// index entry, GSI1PK = INVITED#<lower-case email> (pendingInviteInverse):
// one query, no scan.
func (s *Store) HasPendingInvite(ctx context.Context, email string) (bool, error) {
	items, err := s.queryAll(ctx, queryRange(pendingInvitesRange(email)), 100)
	if err != nil {
		return false, fmt.Errorf("pending invites of %s: %w", NormalizeEmail(email), err)
	}
	now := s.Now()
	for _, it := range items {
		if it.getS(attrKind) != kindInvite {
			continue
		}
		i := decodeInvite(it)
		if i.EffectiveStatus(now) == gatehouse.StatusPending {
			return true, nil
		}
	}
	return false, nil
}

// DeleteAccountRecords deletes an account's profile and email reservation
// with its audit event: one transaction. Memberships and personal orgs are
// removed before (RemoveMember, DeletePersonalOrg).
func (s *Store) DeleteAccountRecords(ctx context.Context, u *gatehouse.User, actor gatehouse.Actor, after map[string]any) error {
	t := s.tx().
		delete(userKey(u.ID), "", nil, nil, nil).
		put(newItem(tombstoneKey(u.ID)).setS("deletedAt", s.Now().Format(time.RFC3339Nano)), "", nil, nil, nil).
		delete(emailKey(u.Email), "#uid = :uid", nil, map[string]string{"#uid": "userId"}, map[string]types.AttributeValue{":uid": str(u.ID)})
	t.audit(s.NewAudit(actor, "", "account.delete", u.ID, map[string]any{"email": u.Email}, after))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("delete account %s: %w", u.ID, err)
	}
	return nil
}

// DeletePersonalOrg deletes a personal org and every item of its partition
// (members, invites, resources, grants, groups, tokens; its audit events
// too, the account's own audit keeps the deletion), 25 items per
// transaction. Secret lookup items of its invites and tokens stay until
// their TTL and resolve to nothing. Rerunnable after a failure.
func (s *Store) DeletePersonalOrg(ctx context.Context, orgID string) error {
	for {
		items, err := s.queryAll(ctx, queryRange(orgPartition(orgID)), 25)
		if err != nil {
			return fmt.Errorf("delete personal org %s: %w", orgID, err)
		}
		if len(items) == 0 {
			return nil
		}
		t := s.tx()
		for _, it := range items {
			t.delete(it.key(), "", nil, nil, nil)
		}
		if err := t.commit(ctx); err != nil {
			return fmt.Errorf("delete personal org %s: %w", orgID, err)
		}
	}
}
