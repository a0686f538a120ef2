package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Impersonation sessions (issue 17, item 1), stored like API tokens: a
// listing item under the org and a secret item keyed by the secret's hash
// that carries everything the authorizer needs (one GetItem), written and
// changed together. Sessions are not swept: they end at their expiresAt,
// which the authorizer checks, or when revoked. See docs/security.md,
// "Impersonation", and docs/data-model.md.

const kindImpersonation = "impersonation"

// The names of the lists of this file, sealed into their cursors.
const (
	listImpersonations = "impersonations"
	listUserAudit      = "user_audit"
	listPlatformAudit  = "platform_audit"
)

func impersonationItems(i *gatehouse.Impersonation, hash string) (listing, secret item) {
	fill := func(it item) item {
		return it.setS(attrKind, kindImpersonation).
			setS("sessionId", i.ID).
			setS("orgId", i.OrgID).
			setS("userId", i.UserID).
			setS("impersonatorId", i.ImpersonatorID).
			setS("reason", i.Reason).
			setS(attrStatus, string(i.Status)).
			setTime(attrExpires, i.ExpiresAt).
			setTime(attrCreated, i.CreatedAt).
			setS("secretHash", hash)
	}
	return secretPair(impersonationKey(i.OrgID, i.ID), hash, kindImpersonation, fill)
}

func decodeImpersonation(it item) *gatehouse.Impersonation {
	return &gatehouse.Impersonation{
		ID:             it.getS("sessionId"),
		OrgID:          it.getS("orgId"),
		UserID:         it.getS("userId"),
		ImpersonatorID: it.getS("impersonatorId"),
		Reason:         it.getS("reason"),
		Status:         gatehouse.Status(it.getS(attrStatus)),
		ExpiresAt:      it.getTime(attrExpires),
		CreatedAt:      it.getTime(attrCreated),
		RevokedAt:      it.getTimePtr("revokedAt"),
		RevokedBy:      it.getS("revokedBy"),
	}
}

// userAudit adds a copy of ev to the account's own audit view.
func (t *tx) userAudit(userID string, ev gatehouse.AuditEvent) *tx {
	it := auditItem(ev)
	k := userAuditKey(userID, ev.Time, ev.ID)
	it.setS(tabledef.PK, k.PK).setS(tabledef.SK, k.SK)
	return t.put(it, "", nil, nil, nil)
}

// CreateImpersonation stores a new active session under its hash, with its
// audit event in the org and in the target's own audit view. The target's
// membership must still be active at commit time.
func (s *Store) CreateImpersonation(ctx context.Context, i *gatehouse.Impersonation, hash string, actor gatehouse.Actor) error {
	listing, secret := impersonationItems(i, hash)
	t := s.tx().
		create(listing, gatehouse.Errorf(gatehouse.CodeConflict, "the session exists")).
		create(secret, gatehouse.Errorf(gatehouse.CodeConflict, "the session exists"))
	t.check(memberKey(i.OrgID, i.UserID), "#st = :active",
		gatehouse.Errorf(gatehouse.CodeConflict, "the member is not active"),
		map[string]string{"#st": attrStatus}, map[string]types.AttributeValue{":active": str(string(gatehouse.StatusActive))})
	after := map[string]any{"sessionId": i.ID, "impersonator": i.ImpersonatorID, "expiresAt": i.ExpiresAt.UTC().Format(time.RFC3339)}
	if i.Reason != "" {
		after["reason"] = i.Reason
	}
	ev := s.NewAudit(actor, i.OrgID, "impersonation.start", i.UserID, nil, after)
	t.audit(ev)
	t.userAudit(i.UserID, ev)
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("create impersonation %s: %w", i.ID, err)
	}
	return nil
}

// ImpersonationBySecret resolves a presented session secret with one
// GetItem on its hash; not_found when no session has it. The caller
// decides what a revoked or expired one means.
func (s *Store) ImpersonationBySecret(ctx context.Context, secret string) (*gatehouse.Impersonation, error) {
	it, err := s.get(ctx, secretKey(ids.Hash(secret)), false, "session")
	if err != nil {
		return nil, err
	}
	if it.getS("secretKind") != kindImpersonation {
		return nil, gatehouse.NotFound("session")
	}
	return decodeImpersonation(it), nil
}

// Impersonation reads a session of an org with the hash of its secret.
func (s *Store) Impersonation(ctx context.Context, orgID, id string) (*gatehouse.Impersonation, string, error) {
	it, err := s.get(ctx, impersonationKey(orgID, id), true, "session")
	if err != nil {
		return nil, "", err
	}
	return decodeImpersonation(it), it.getS("secretHash"), nil
}

// ImpersonationsPage lists one page of an org's sessions by id; only those
// started by impersonatorID when it is not "".
func (s *Store) ImpersonationsPage(ctx context.Context, orgID, impersonatorID string, limit int, cursor string) ([]*gatehouse.Impersonation, string, error) {
	l := list{name: listImpersonations, org: orgID, rng: impersonationsRange(orgID)}
	if impersonatorID != "" {
		l.filter = filter{expr: "#imp = :imp", names: map[string]string{"#imp": "impersonatorId"},
			values: map[string]types.AttributeValue{":imp": str(impersonatorID)}}
	}
	items, next, err := s.page(ctx, l, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]*gatehouse.Impersonation, len(items))
	for i, it := range items {
		out[i] = decodeImpersonation(it)
	}
	return out, next, nil
}

// RevokeImpersonation ends an active session on both of its items in one
// transaction, audited in the org and in the target's own view. Revoking a
// session that is not active is a no-op.
func (s *Store) RevokeImpersonation(ctx context.Context, orgID, id string, actor gatehouse.Actor) (*gatehouse.Impersonation, error) {
	i, hash, err := s.Impersonation(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if i.Status != gatehouse.StatusActive {
		return i, nil
	}
	now := s.Now()
	names := map[string]string{"#st": attrStatus, "#u": attrUpdated, "#ra": "revokedAt", "#rb": "revokedBy"}
	values := map[string]types.AttributeValue{
		":revoked": str(string(gatehouse.StatusRevoked)), ":active": str(string(gatehouse.StatusActive)),
		":now": str(now.Format(time.RFC3339Nano)), ":by": str(actor.UserID),
	}
	changed := gatehouse.Errorf(gatehouse.CodeConflict, "the session changed meanwhile; retry")
	const set = "SET #st = :revoked, #u = :now, #ra = :now, #rb = :by"
	t := s.tx()
	t.update(impersonationKey(orgID, id), set, "#st = :active", changed, names, values)
	t.update(secretKey(hash), set, "#st = :active", changed, names, values)
	ev := s.NewAudit(actor, orgID, "impersonation.revoke", i.UserID,
		map[string]any{"sessionId": id, "status": i.Status}, map[string]any{"sessionId": id, "status": gatehouse.StatusRevoked})
	t.audit(ev)
	if ev.ImpersonatedBy == "" {
		t.userAudit(i.UserID, ev)
	}
	if err := t.commit(ctx); err != nil {
		return nil, fmt.Errorf("revoke impersonation %s: %w", id, err)
	}
	i.Status, i.RevokedAt, i.RevokedBy = gatehouse.StatusRevoked, &now, actor.UserID
	return i, nil
}

// UserAuditPage lists one page of an account's own audit view, newest
// first, from since when it is set.
func (s *Store) UserAuditPage(ctx context.Context, userID string, since time.Time, limit int, cursor string) ([]gatehouse.AuditEvent, string, error) {
	l := list{name: listUserAudit, org: userID, rng: userAuditRange(userID), desc: true}
	return s.auditList(ctx, l, AuditFilter{Since: since}, limit, cursor)
}

// PlatformAuditPage lists one page of the platform's audit events (those
// of no org: accounts, profiles, the sign-up policy, org deletions),
// newest first, with the filters of an org's audit log.
func (s *Store) PlatformAuditPage(ctx context.Context, f AuditFilter, limit int, cursor string) ([]gatehouse.AuditEvent, string, error) {
	l := list{name: listPlatformAudit, rng: platformAuditRange(), desc: true}
	return s.auditList(ctx, l, f, limit, cursor)
}

// auditList reads one page of audit events of l's range, as AuditPage
// does for an org's.
func (s *Store) auditList(ctx context.Context, l list, f AuditFilter, limit int, cursor string) ([]gatehouse.AuditEvent, string, error) {
	if !f.Since.IsZero() {
		l.from = l.rng.prefix + f.Since.UTC().Format(sortableTime)
	}
	var conds []string
	names, values := map[string]string{}, map[string]types.AttributeValue{}
	if f.Actor != "" {
		names["#actor"], values[":actor"] = "actor", str(f.Actor)
		conds = append(conds, "#actor = :actor")
	}
	if f.Target != "" {
		names["#target"], values[":target"] = "target", str(f.Target)
		conds = append(conds, "#target = :target")
	}
	if len(conds) > 0 {
		l.filter = filter{expr: strings.Join(conds, " AND "), names: names, values: values}
	}
	items, next, err := s.page(ctx, l, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]gatehouse.AuditEvent, len(items))
	for i, it := range items {
		out[i] = decodeAudit(it)
	}
	return out, next, nil
}
