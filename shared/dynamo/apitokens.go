package dynamo

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
)

// An API token is two items written and changed together: the listing item
// under its org (tokenKey) and the secret item keyed by the secret's hash
// (secretKey), which carries everything the authorizer needs so that a token
// is resolved with one GetItem.

// apiTokenItems returns the listing item and the secret item of a token.
func apiTokenItems(t *gatehouse.APIToken, hash string) (listing, secret item) {
	fill := func(it item) item {
		it.setS(attrKind, kindToken).
			setS("tokenId", t.ID).
			setS("orgId", t.OrgID).
			setS("userId", t.UserID).
			setS("name", t.Name).
			setBool("readonly", t.Readonly).
			setS("collectionId", t.CollectionID).
			setS(attrStatus, string(t.Status)).
			setTimePtr(attrExpires, t.ExpiresAt).
			setTime(attrCreated, t.CreatedAt).
			setS("createdBy", t.CreatedBy).
			setS("secretHash", hash)
		if t.Permissions != nil {
			it.setList("permissions", t.Permissions)
		}
		return it
	}
	listing, secret = secretPair(tokenKey(t.OrgID, t.ID), hash, kindToken, fill)
	if t.Status == gatehouse.StatusActive {
		listing.setExpiry(t.ExpiresAt, kindToken)
	}
	return listing, secret
}

func decodeAPIToken(it item) *gatehouse.APIToken {
	t := &gatehouse.APIToken{
		ID:           it.getS("tokenId"),
		OrgID:        it.getS("orgId"),
		UserID:       it.getS("userId"),
		Name:         it.getS("name"),
		Readonly:     it.getBool("readonly"),
		CollectionID: it.getS("collectionId"),
		Status:       gatehouse.Status(it.getS(attrStatus)),
		ExpiresAt:    it.getTimePtr(attrExpires),
		CreatedAt:    it.getTime(attrCreated),
		CreatedBy:    it.getS("createdBy"),
	}
	if _, ok := it["permissions"]; ok {
		t.Permissions = it.getList("permissions")
	}
	return t
}

// APITokenBySecret resolves a presented API token secret: one GetItem on the
// hash. A token that does not exist is not_found; the caller decides what a
// revoked or expired one means.
func (s *Store) APITokenBySecret(ctx context.Context, secret string) (*gatehouse.APIToken, error) {
	it, err := s.get(ctx, secretKey(ids.Hash(secret)), false, "token")
	if err != nil {
		return nil, err
	}
	if it.getS("secretKind") != kindToken {
		return nil, gatehouse.NotFound("token")
	}
	return decodeAPIToken(it), nil
}

// secretPair makes the two items of a record with a secret (an API token,
// a SCIM token, an impersonation session): its listing item under
// listingKey and the item under its secret's hash, which the authorizer
// reads, both filled alike, the latter marked with the secret's kind.
func secretPair(listingKey Key, hash, kind string, fill func(item) item) (listing, secret item) {
	listing = fill(newItem(listingKey))
	secret = fill(newItem(secretKey(hash)))
	secret.setS("secretKind", kind)
	return listing, secret
}
