package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// API token lifecycle on the two items of apitokens.go: the listing item
// under the org and the secret item under the secret's hash. Every change
// writes both in one transaction, so the authorizer's one-read lookup on the
// secret item always agrees with what the org lists.

// CreateAPIToken stores a new active token under its hash. The owner's
// membership must exist and be active at commit time: a token is never
// created for someone who just lost the org; its version moves with it.
func (s *Store) CreateAPIToken(ctx context.Context, t *gatehouse.APIToken, hash string, actor gatehouse.Actor) error {
	listing, secret := apiTokenItems(t, hash)
	tx := s.tx().
		create(listing, gatehouse.Errorf(gatehouse.CodeConflict, "the token exists")).
		create(secret, gatehouse.Errorf(gatehouse.CodeConflict, "the token exists"))
	// The membership's version moves: a removal read before this token
	// existed fails its version condition instead of leaving the token
	// alive for a later re-join (rule 6, RemoveMember).
	cond, names := "#st = :active", map[string]string{"#st": attrStatus, "#v": attrVersion}
	values := map[string]types.AttributeValue{":active": str(string(gatehouse.StatusActive)), ":one": num(1)}
	onFail := gatehouse.Forbidden(gatehouse.ReasonNotMember, "the membership is not active")
	if t.UserID != t.CreatedBy {
		// A token made for another member: it must still be read-only
		// (the embedded view, docs/resources.md).
		cond += " AND #ro = :true"
		names["#ro"] = "readonly"
		values[":true"] = &types.AttributeValueMemberBOOL{Value: true}
		onFail = gatehouse.Forbidden(gatehouse.ReasonNotReadonly, "the member is no longer active and read-only")
	}
	tx.update(memberKey(t.OrgID, t.UserID), "ADD #v :one", cond, onFail, names, values)
	after := map[string]any{"name": t.Name, "userId": t.UserID, "readonly": t.Readonly}
	if t.CollectionID != "" {
		after["collectionId"] = t.CollectionID
	}
	if t.Permissions != nil {
		after["permissions"] = t.Permissions
	}
	if t.ExpiresAt != nil {
		after["expiresAt"] = t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	tx.audit(s.NewAudit(actor, t.OrgID, "token.create", t.ID, nil, after))
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("create api token %s: %w", t.ID, err)
	}
	return nil
}

// APIToken reads a token of an org with the hash that keys its secret item.
func (s *Store) APIToken(ctx context.Context, orgID, tokenID string) (*gatehouse.APIToken, string, error) {
	it, err := s.get(ctx, tokenKey(orgID, tokenID), true, "token")
	if err != nil {
		return nil, "", err
	}
	return decodeAPIToken(it), it.getS("secretHash"), nil
}

// APITokensPage lists one page of an org's tokens by id; only those of
// userID when it is not "". The secret hash is never returned.
func (s *Store) APITokensPage(ctx context.Context, orgID, userID string, limit int, cursor string) ([]*gatehouse.APIToken, string, error) {
	l := list{name: listTokens, org: orgID, rng: tokensRange(orgID)}
	if userID != "" {
		l.filter = filter{expr: "#uid = :uid", names: map[string]string{"#uid": "userId"}, values: map[string]types.AttributeValue{":uid": str(userID)}}
	}
	items, next, err := s.page(ctx, l, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]*gatehouse.APIToken, len(items))
	for i, it := range items {
		out[i] = decodeAPIToken(it)
	}
	return out, next, nil
}

// RevokeAPIToken marks a token revoked on both of its items in one
// transaction and takes it out of the expiry index. Revoking a token that is
// not active is a no-op.
func (s *Store) RevokeAPIToken(ctx context.Context, orgID, tokenID string, actor gatehouse.Actor) (*gatehouse.APIToken, error) {
	t, hash, err := s.APIToken(ctx, orgID, tokenID)
	if err != nil {
		return nil, err
	}
	if t.Status != gatehouse.StatusActive {
		return t, nil
	}
	now := str(s.Now().Format(time.RFC3339Nano))
	names := map[string]string{"#st": attrStatus, "#u": attrUpdated}
	values := map[string]types.AttributeValue{":revoked": str(string(gatehouse.StatusRevoked)), ":active": str(string(gatehouse.StatusActive)), ":now": now}
	changed := gatehouse.Errorf(gatehouse.CodeConflict, "the token changed meanwhile; retry")
	tx := s.tx()
	tx.update(tokenKey(orgID, tokenID), "SET #st = :revoked, #u = :now REMOVE #g2pk, #g2sk", "#st = :active", changed,
		map[string]string{"#st": attrStatus, "#u": attrUpdated, "#g2pk": tabledef.GSI2PK, "#g2sk": tabledef.GSI2SK}, values)
	tx.update(secretKey(hash), "SET #st = :revoked, #u = :now", "attribute_exists(#st)", changed,
		names, map[string]types.AttributeValue{":revoked": values[":revoked"], ":now": now})
	tx.audit(s.NewAudit(actor, orgID, "token.revoke", tokenID, map[string]any{"status": t.Status}, map[string]any{"status": gatehouse.StatusRevoked}))
	if err := tx.commit(ctx); err != nil {
		return nil, fmt.Errorf("revoke api token %s: %w", tokenID, err)
	}
	t.Status = gatehouse.StatusRevoked
	return t, nil
}

// heldToken is an active API token of a member: its id and secret hash.
type heldToken struct{ id, hash string }

// activeTokensOf returns the active API tokens of userID in an org (rule
// 6: they are revoked with its membership).
func (s *Store) activeTokensOf(ctx context.Context, orgID, userID string) ([]heldToken, error) {
	in := queryRange(tokensRange(orgID))
	in.FilterExpression = aws.String("#uid = :uid AND #st = :active")
	in.ExpressionAttributeNames["#uid"], in.ExpressionAttributeNames["#st"] = "userId", attrStatus
	in.ExpressionAttributeValues[":uid"], in.ExpressionAttributeValues[":active"] = str(userID), str(string(gatehouse.StatusActive))
	items, err := s.queryAll(ctx, in, 0)
	if err != nil {
		return nil, fmt.Errorf("tokens of %s in %s: %w", userID, orgID, err)
	}
	out := make([]heldToken, 0, len(items))
	for _, it := range items {
		out = append(out, heldToken{id: it.getS("tokenId"), hash: it.getS("secretHash")})
	}
	return out, nil
}

// revokeTokenIn adds to t the revocation of an active token on both of its
// items (the RevokeAPIToken writes).
func (t *tx) revokeTokenIn(orgID string, h heldToken, now time.Time) {
	at := str(now.Format(time.RFC3339Nano))
	revoked := str(string(gatehouse.StatusRevoked))
	changed := gatehouse.Errorf(gatehouse.CodeConflict, "a token of the member changed meanwhile; retry")
	t.update(tokenKey(orgID, h.id), "SET #st = :revoked, #u = :now REMOVE #g2pk, #g2sk", "#st = :active", changed,
		map[string]string{"#st": attrStatus, "#u": attrUpdated, "#g2pk": tabledef.GSI2PK, "#g2sk": tabledef.GSI2SK},
		map[string]types.AttributeValue{":revoked": revoked, ":active": str(string(gatehouse.StatusActive)), ":now": at})
	if h.hash != "" {
		t.update(secretKey(h.hash), "SET #st = :revoked, #u = :now", "attribute_exists(#st)", changed,
			map[string]string{"#st": attrStatus, "#u": attrUpdated}, map[string]types.AttributeValue{":revoked": revoked, ":now": at})
	}
}
