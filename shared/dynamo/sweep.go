package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// The expiration sweep reads the sparse expiry index (GSI2): every item with
// a pending expiry carries GSI2PK = EXP#<hour bucket> and GSI2SK =
// <time>#<kind>#<PK>#<SK> (see expiryIndexKey). A bucket is read with one
// key-condition query bounded by "now", so the sweep reads only entries
// that are already due: items read per run track items expired, whatever
// the size of the table. Expiring an item removes its GSI2 attributes in the
// same conditional transaction as its status change and audit event, so a
// second run finds nothing and a rerun after a crash resumes where the
// first stopped.

// SweepActor is the actor of the sweep's audit events.
var SweepActor = gatehouse.Actor{UserID: "system:sweep"}

// Expiry kinds the sweep handles (the "kind" in GSI2SK).
const (
	ExpiryKindUser   = kindUser
	ExpiryKindMember = kindMember
	ExpiryKindInvite = kindInvite
	ExpiryKindToken  = kindToken
	// ExpiryKindResource and ExpiryKindTypeGrants are grants items (a
	// resource, a type's grants) at their earliest grant expiry: the sweep
	// prunes the expired grants instead of expiring the item.
	ExpiryKindResource   = kindResource
	ExpiryKindTypeGrants = kindTypeGrants
)

// ExpiryEntry is one due entry of the expiry index.
type ExpiryEntry struct {
	Kind      string
	ExpiresAt time.Time
	OrgID     string // memberships, invites, tokens
	UserID    string // accounts, memberships, tokens
	Email     string // accounts and invites
	ID        string // invite or token id; resource id (TypeWide for type grants)
	Type      string // resource type of resource and type-grant entries
	it        item
}

// ExpiryPage is one page of due entries of one bucket.
type ExpiryPage struct {
	Entries []ExpiryEntry
	// Read is the number of items DynamoDB read for the page (the index
	// entries returned; the index projects whole items, so no further read
	// is needed to act on them).
	Read int
	more bool
	last string // GSI2SK of the last entry
}

// More reports whether the bucket may have more due entries after this
// page.
func (p *ExpiryPage) More() bool { return p.more }

// DueExpiries reads up to limit entries of the expiry bucket that contains
// bucket whose expiry is at or before now, continuing after a previous page
// when after is not nil. It never scans: one query of one index partition.
//
// A next page starts after the previous page's last sort key (a key
// condition), not at its LastEvaluatedKey: the entries just processed have
// left the index, and a start key need not exist in DynamoDB but must in
// the local emulator.
func (s *Store) DueExpiries(ctx context.Context, bucket, now time.Time, limit int, after *ExpiryPage) (*ExpiryPage, error) {
	in := &dynamodb.QueryInput{
		IndexName:              aws.String(tabledef.ExpiryIndex),
		KeyConditionExpression: aws.String("#pk = :pk AND #sk < :upper"),
		ExpressionAttributeNames: map[string]string{
			"#pk": tabledef.GSI2PK, "#sk": tabledef.GSI2SK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(ExpiryBucket(bucket)),
			// "<now>#~" sorts after every entry "<now>#<kind>#..." and
			// before every later time.
			":upper": str(now.UTC().Format(sortableTime) + "#~"),
		},
		Limit: aws.Int32(int32(max(limit, 1))),
	}
	if after != nil && after.last != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :upper")
		// The smallest string after the last one read.
		in.ExpressionAttributeValues[":lo"] = str(after.last + "\x00")
	}
	out, err := s.query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("due expiries in %s: %w", ExpiryBucket(bucket), err)
	}
	// DynamoDB reports the items it read in ScannedCount; emulators may
	// leave it zero, and no fewer items than returned were read.
	p := &ExpiryPage{Read: max(int(out.ScannedCount), len(out.Items)), more: len(out.LastEvaluatedKey) > 0}
	for _, raw := range out.Items {
		it := item(raw)
		p.last = it.getS(tabledef.GSI2SK)
		e := ExpiryEntry{
			Kind:   it.getS(attrKind),
			OrgID:  it.getS("orgId"),
			UserID: it.getS("userId"),
			Email:  it.getS("email"),
			it:     it,
		}
		if t := it.getTimePtr(attrExpires); t != nil {
			e.ExpiresAt = *t
		}
		switch e.Kind {
		case kindToken:
			e.ID = it.getS("tokenId")
		case kindInvite:
			e.ID = it.getS("inviteId")
		case kindResource, kindTypeGrants:
			e.ID, e.Type = it.getS("resourceId"), it.getS("type")
		}
		p.Entries = append(p.Entries, e)
	}
	return p, nil
}

// ErrExpiryChanged is returned by ExpireEntry when the item no longer is
// what the index entry said (its status, expiry or version changed, or it
// is gone): there is nothing to expire, or a later run will see the new
// entry.
var ErrExpiryChanged = errors.New("the item changed since the expiry index was read")

// ExpireEntry marks one due item expired: its status becomes expired and
// it leaves the expiry index, with its audit event, in one transaction
// conditioned on the item still being active with the same expiry (and
// version, where the kind has one). A membership that was an active owner
// also leaves the org's ownerCount. Resource and type-grant entries have
// their expired grants pruned instead (PruneExpiredGrants, acting on the
// item the index returned, so no further read): the item moves to its next
// grant expiry or leaves the index, with a resource.grants_expire (or
// resource.type_grants_expire) audit event. Entries of kinds the sweep does
// not know are left alone (ErrExpiryChanged is not returned for them;
// changed is false).
func (s *Store) ExpireEntry(ctx context.Context, e ExpiryEntry) (changed bool, err error) {
	if e.Kind == kindResource || e.Kind == kindTypeGrants {
		changed, err := s.pruneGrants(ctx, e.it, SweepActor)
		if errors.Is(err, ErrGrantsChanged) {
			return false, ErrExpiryChanged
		}
		return changed, err
	}
	k := e.it.key()
	names := map[string]string{
		"#st": attrStatus, "#exp": attrExpires, "#u": attrUpdated,
		"#g2pk": tabledef.GSI2PK, "#g2sk": tabledef.GSI2SK,
	}
	values := map[string]types.AttributeValue{
		":expired": str(string(gatehouse.StatusExpired)),
		":exp":     e.it[attrExpires],
		":now":     str(s.Now().Format(time.RFC3339Nano)),
	}
	if values[":exp"] == nil {
		return false, nil
	}
	cond := "#st = :active AND #exp = :exp"
	update := "SET #st = :expired, #u = :now REMOVE #g2pk, #g2sk"
	if _, ok := e.it[attrVersion]; ok {
		names["#v"] = attrVersion
		values[":v"] = e.it[attrVersion]
		values[":one"] = num(1)
		cond += " AND #v = :v"
		update += " ADD #v :one"
	}
	after := map[string]any{"status": gatehouse.StatusExpired}
	before := map[string]any{"status": e.it.getS(attrStatus), "expiresAt": e.ExpiresAt}
	t := s.tx()
	switch e.Kind {
	case kindUser:
		values[":active"] = str(string(gatehouse.StatusActive))
		t.update(k, update, cond, ErrExpiryChanged, names, values)
		t.audit(s.NewAudit(SweepActor, "", "account.expire", e.UserID, before, after))
	case kindMember:
		values[":active"] = str(string(gatehouse.StatusActive))
		t.update(k, update, cond, ErrExpiryChanged, names, values)
		m := decodeMembership(e.it)
		if m.HasRole(authz.RoleOwner) {
			// ownerCount counts active owners (members.go). Time is not
			// refused: the guard ran when the expiry was set.
			t.update(orgKey(e.OrgID), "ADD #oc :d", "attribute_exists(#pk)", ErrExpiryChanged,
				map[string]string{"#oc": "ownerCount", "#pk": tabledef.PK}, map[string]types.AttributeValue{":d": num(-1)})
			after["ownerExpired"] = true
		}
		t.audit(s.NewAudit(SweepActor, e.OrgID, "member.expire", e.UserID, before, after))
	case kindInvite:
		values[":active"] = str(string(gatehouse.StatusPending))
		// It also leaves the inverse index (invite-only sign-up) and gives
		// back the seat it holds, once: the status condition (invites.go).
		names["#g1pk"], names["#g1sk"] = tabledef.GSI1PK, tabledef.GSI1SK
		t.update(k, withoutInviteInverse(update), cond, ErrExpiryChanged, names, values)
		if _, err := s.releaseInviteSeat(ctx, t, decodeInvite(e.it)); err != nil {
			return false, fmt.Errorf("expire invite %s: %w", e.ID, err)
		}
		t.audit(s.NewAudit(SweepActor, e.OrgID, "invite.expire", e.ID, before, after))
	case kindToken:
		values[":active"] = str(string(gatehouse.StatusActive))
		t.update(k, update, cond, ErrExpiryChanged, names, values)
		// The secret item is what the authorizer reads: it follows.
		if h := e.it.getS("secretHash"); h != "" {
			t.update(secretKey(h), "SET #st = :expired", "attribute_exists(#pk)", ErrExpiryChanged,
				map[string]string{"#st": attrStatus, "#pk": tabledef.PK},
				map[string]types.AttributeValue{":expired": str(string(gatehouse.StatusExpired))})
		}
		t.audit(s.NewAudit(SweepActor, e.OrgID, "token.expire", e.ID, before, after))
	default:
		return false, nil
	}
	if err := t.commit(ctx); err != nil {
		if errors.Is(err, ErrExpiryChanged) {
			return false, ErrExpiryChanged
		}
		return false, fmt.Errorf("expire %s %s/%s: %w", e.Kind, k.PK, k.SK, err)
	}
	return true, nil
}

// UserActive reports whether an account is active and not past its expiry
// now (the sweep undoes a Cognito disable when an account was extended
// while it was being expired).
func (s *Store) UserActive(ctx context.Context, userID string) (bool, error) {
	u, err := s.User(ctx, userID)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return u.Usable(s.Now()), nil
}

// SweepCursor returns the first expiry bucket that may still hold entries
// the sweep has not processed; ok is false before the first run.
func (s *Store) SweepCursor(ctx context.Context) (bucket time.Time, ok bool, err error) {
	it, err := s.find(ctx, sweepCursorKey(), true)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("sweep cursor: %w", err)
	}
	if it == nil {
		return time.Time{}, false, nil
	}
	t := it.getTime("bucket")
	return t, !t.IsZero(), nil
}

// AdvanceSweepCursor moves the sweep cursor forward to bucket; it never
// moves it back (two overlapping runs cannot undo each other's progress).
// The cursor is bookkeeping, not a domain change: no audit event.
func (s *Store) AdvanceSweepCursor(ctx context.Context, bucket time.Time) error {
	b := bucket.UTC().Truncate(time.Hour).Format(time.RFC3339)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       keyAV(sweepCursorKey()),
		UpdateExpression:          aws.String("SET #b = :b, #u = :now"),
		ConditionExpression:       aws.String("attribute_not_exists(#b) OR #b < :b"),
		ExpressionAttributeNames:  map[string]string{"#b": "bucket", "#u": attrUpdated},
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(b), ":now": str(s.Now().Format(time.RFC3339Nano))},
	})
	if err != nil && !IsConditionFailed(err) {
		return fmt.Errorf("advance sweep cursor: %w", err)
	}
	return nil
}
