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

// Account administration by a platform admin (issue 17, item 5): the
// profile, the email (its uniqueness item moves in the same transaction)
// and a new activation link for a pending account. docs/data-model.md.

// AccountEdit is a platform admin's edit of an account; nil fields stay.
type AccountEdit struct {
	Profile ProfileChanges
	// Email is the new email (validated, another one than the account's);
	// the account's email is verified with it (rule 11: a platform admin
	// may mint a verified address).
	Email *string
	// PasswordSet records in the audit that a new password was set.
	PasswordSet bool
	// Activate makes a pending account active (its password was set).
	Activate bool
}

// EditAccount writes an edit with its audit event (in the platform audit
// and in the account's own view) in one transaction, guarded by the
// version read in before. A new email takes its reservation
// (attribute_not_exists: conflict when taken) and frees the old one.
func (s *Store) EditAccount(ctx context.Context, before *gatehouse.User, e AccountEdit, actor gatehouse.Actor) (*gatehouse.User, error) {
	after := *before
	now := s.Now()
	names := map[string]string{"#v": attrVersion, "#u": attrUpdated}
	values := map[string]types.AttributeValue{":v": num(before.Version), ":one": num(1), ":now": str(now.Format(time.RFC3339Nano))}
	sets := []string{"#u = :now"}
	b, a := map[string]any{}, map[string]any{}
	for _, f := range []struct {
		name string
		val  *string
		old  string
		dst  *string
	}{
		{"name", e.Profile.Name, before.Name, &after.Name},
		{"phone", e.Profile.Phone, before.Phone, &after.Phone},
		{"timeZone", e.Profile.TimeZone, before.TimeZone, &after.TimeZone},
		{"language", e.Profile.Language, before.Language, &after.Language},
	} {
		if f.val == nil || *f.val == f.old {
			continue
		}
		// "" clears, as UpdateProfile does (no REMOVE: see UpdateAccount).
		names["#"+f.name], values[":"+f.name] = f.name, str(*f.val)
		sets = append(sets, "#"+f.name+" = :"+f.name)
		b[f.name], a[f.name], *f.dst = f.old, *f.val, *f.val
	}
	t := s.tx()
	if e.Email != nil && NormalizeEmail(*e.Email) != NormalizeEmail(before.Email) {
		names["#em"], names["#eml"], names["#ev"] = "email", "emailLower", "emailVerified"
		names["#g1pk"], names["#g1sk"] = tabledef.GSI1PK, tabledef.GSI1SK
		inv := Key{gsiEmails, NormalizeEmail(*e.Email) + "#" + before.ID}
		values[":em"], values[":eml"], values[":t"] = str(*e.Email), str(NormalizeEmail(*e.Email)), &types.AttributeValueMemberBOOL{Value: true}
		values[":g1pk"], values[":g1sk"] = str(inv.PK), str(inv.SK)
		sets = append(sets, "#em = :em", "#eml = :eml", "#ev = :t", "#g1pk = :g1pk", "#g1sk = :g1sk")
		t.create(emailItem(*e.Email, before.ID), ErrEmailTaken)
		t.delete(emailKey(before.Email), "#uid = :uid", ErrAccountChanged,
			map[string]string{"#uid": "userId"}, map[string]types.AttributeValue{":uid": str(before.ID)})
		b["email"], a["email"] = before.Email, *e.Email
		after.Email, after.EmailVerified = *e.Email, true
	}
	if e.PasswordSet {
		a["password"] = "set"
	}
	if e.Activate && before.Status == gatehouse.StatusPending {
		names["#st"], values[":st"] = attrStatus, str(string(gatehouse.StatusActive))
		sets = append(sets, "#st = :st")
		b["status"], a["status"] = before.Status, gatehouse.StatusActive
		after.Status = gatehouse.StatusActive
		if after.ExpiresAt != nil {
			// Active with an expiry: into the expiry index (as UpdateAccount).
			ek := expiryIndexKey(*after.ExpiresAt, kindUser, userKey(before.ID))
			names["#g2pk"], names["#g2sk"] = tabledef.GSI2PK, tabledef.GSI2SK
			values[":g2pk"], values[":g2sk"] = str(ek.PK), str(ek.SK)
			sets = append(sets, "#g2pk = :g2pk", "#g2sk = :g2sk")
		}
	}
	if len(a) == 0 {
		return &after, nil
	}
	expr := "SET " + strings.Join(sets, ", ") + " ADD #v :one"
	t.update(userKey(before.ID), expr, "#v = :v", ErrAccountChanged, names, values)
	ev := s.NewAudit(actor, "", "account.update", before.ID, b, a)
	t.audit(ev)
	if ev.ImpersonatedBy == "" {
		t.userAudit(before.ID, ev)
	}
	if err := t.commit(ctx); err != nil {
		return nil, fmt.Errorf("edit account %s: %w", before.ID, err)
	}
	after.Version++
	after.UpdatedAt = now
	return &after, nil
}

// ErrNotPending refuses a new activation link for an account that is not
// pending activation.
var ErrNotPending = gatehouse.Errorf(gatehouse.CodeConflict, "the account is not pending activation")

// ReissueActivation stores a new activation secret for a pending account,
// with its audit event, in one transaction; the account must still be
// pending at commit time.
func (s *Store) ReissueActivation(ctx context.Context, sec *Secret, actor gatehouse.Actor) error {
	t := s.tx().create(secretItem(sec), gatehouse.Errorf(gatehouse.CodeConflict, "secret collision; retry"))
	t.check(userKey(sec.UserID), "#st = :pending", ErrNotPending,
		map[string]string{"#st": attrStatus}, map[string]types.AttributeValue{":pending": str(string(gatehouse.StatusPending))})
	ev := s.NewAudit(actor, "", "account.activation_reissue", sec.UserID, nil,
		map[string]any{"expiresAt": sec.ExpiresAt.UTC().Format(time.RFC3339)})
	t.audit(ev)
	if err := t.commit(ctx); err != nil {
		if errors.Is(err, ErrNotPending) {
			return ErrNotPending
		}
		return fmt.Errorf("reissue activation for %s: %w", sec.UserID, err)
	}
	return nil
}
