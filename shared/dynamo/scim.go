package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
)

// SCIM tokens (docs/scim.md): like an API token, two items written and
// changed together: the listing item under its org (scimTokenKey) and the
// secret item under the secret's hash (secretKey), which carries what the
// authorizer needs. Neither is in the expiry index: the authorizer checks
// a token's expiry on every request, and an expired token needs no sweep.

const (
	kindScimToken  = "scimtoken"
	listScimTokens = "scimtokens"
)

func scimTokenItems(t *gatehouse.ScimToken, hash string) (listing, secret item) {
	fill := func(it item) item {
		return it.setS(attrKind, kindScimToken).
			setS("tokenId", t.ID).
			setS("orgId", t.OrgID).
			setS("name", t.Name).
			setList("permissions", t.Permissions).
			setList("memberRoles", t.MemberRoles).
			setS(attrStatus, string(t.Status)).
			setTimePtr(attrExpires, t.ExpiresAt).
			setTime(attrCreated, t.CreatedAt).
			setS("createdBy", t.CreatedBy).
			setS("secretHash", hash)
	}
	return secretPair(scimTokenKey(t.OrgID, t.ID), hash, kindScimToken, fill)
}

func decodeScimToken(it item) *gatehouse.ScimToken {
	return &gatehouse.ScimToken{
		ID:          it.getS("tokenId"),
		OrgID:       it.getS("orgId"),
		Name:        it.getS("name"),
		Permissions: it.getList("permissions"),
		MemberRoles: it.getList("memberRoles"),
		Status:      gatehouse.Status(it.getS(attrStatus)),
		ExpiresAt:   it.getTimePtr(attrExpires),
		CreatedAt:   it.getTime(attrCreated),
		CreatedBy:   it.getS("createdBy"),
	}
}

// CreateScimToken stores a new active SCIM token under its hash, with its
// audit event: one transaction.
func (s *Store) CreateScimToken(ctx context.Context, t *gatehouse.ScimToken, hash string, actor gatehouse.Actor) error {
	listing, secret := scimTokenItems(t, hash)
	exists := gatehouse.Errorf(gatehouse.CodeConflict, "the token exists")
	after := map[string]any{"name": t.Name, "permissions": t.Permissions, "memberRoles": t.MemberRoles}
	if t.ExpiresAt != nil {
		after["expiresAt"] = t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	tx := s.tx().create(listing, exists).create(secret, exists)
	tx.audit(s.NewAudit(actor, t.OrgID, "scim_token.create", t.ID, nil, after))
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("create scim token %s: %w", t.ID, err)
	}
	return nil
}

// ScimToken reads a SCIM token of an org with the hash that keys its
// secret item.
func (s *Store) ScimToken(ctx context.Context, orgID, tokenID string) (*gatehouse.ScimToken, string, error) {
	it, err := s.get(ctx, scimTokenKey(orgID, tokenID), true, "token")
	if err != nil {
		return nil, "", err
	}
	return decodeScimToken(it), it.getS("secretHash"), nil
}

// ScimTokensPage lists one page of an org's SCIM tokens by id.
func (s *Store) ScimTokensPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.ScimToken, string, error) {
	items, next, err := s.page(ctx, list{name: listScimTokens, org: orgID, rng: scimTokensRange(orgID)}, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]*gatehouse.ScimToken, len(items))
	for i, it := range items {
		out[i] = decodeScimToken(it)
	}
	return out, next, nil
}

// RevokeScimToken marks a token revoked on both of its items in one
// transaction; revoking one that is not active is a no-op.
func (s *Store) RevokeScimToken(ctx context.Context, orgID, tokenID string, actor gatehouse.Actor) error {
	t, hash, err := s.ScimToken(ctx, orgID, tokenID)
	if err != nil {
		return err
	}
	if t.Status != gatehouse.StatusActive {
		return nil
	}
	names := map[string]string{"#st": attrStatus, "#u": attrUpdated}
	values := map[string]types.AttributeValue{
		":revoked": str(string(gatehouse.StatusRevoked)), ":active": str(string(gatehouse.StatusActive)),
		":now": str(s.Now().Format(time.RFC3339Nano)),
	}
	changed := gatehouse.Errorf(gatehouse.CodeConflict, "the token changed meanwhile; retry")
	tx := s.tx()
	tx.update(scimTokenKey(orgID, tokenID), "SET #st = :revoked, #u = :now", "#st = :active", changed, names, values)
	tx.update(secretKey(hash), "SET #st = :revoked, #u = :now", "#st = :active", changed, names, values)
	tx.audit(s.NewAudit(actor, orgID, "scim_token.revoke", tokenID,
		map[string]any{"status": t.Status}, map[string]any{"status": gatehouse.StatusRevoked}))
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("revoke scim token %s: %w", tokenID, err)
	}
	return nil
}

// ScimAuth resolves a presented SCIM token secret and the org of the
// route in one BatchGetItem: what the authorizer needs to decide a SCIM
// request. A secret that is not a SCIM token's is not_found; org is nil
// when the org does not exist.
func (s *Store) ScimAuth(ctx context.Context, secret, orgID string) (*gatehouse.ScimToken, *gatehouse.Org, error) {
	sk, ok := secretKey(ids.Hash(secret)), orgKey(orgID)
	got, err := s.batchGet(ctx, []Key{sk, ok})
	if err != nil {
		return nil, nil, fmt.Errorf("load scim auth: %w", err)
	}
	it, found := got[sk]
	if !found || it.getS("secretKind") != kindScimToken {
		return nil, nil, gatehouse.NotFound("token")
	}
	var org *gatehouse.Org
	if o, found := got[ok]; found {
		org = decodeOrg(o)
	}
	return decodeScimToken(it), org, nil
}

// PendingInviteFor returns the live invite of an email in an org (the one
// its marker names), or not_found: how SCIM finds a user it provisioned
// as an invite by its userName.
func (s *Store) PendingInviteFor(ctx context.Context, orgID, email string) (*gatehouse.Invite, error) {
	it, err := s.find(ctx, inviteEmailKey(orgID, email), true)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, gatehouse.NotFound("invite")
	}
	return s.Invite(ctx, orgID, it.getS("inviteId"))
}
