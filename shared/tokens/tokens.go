// Package tokens manages API tokens: secrets bound to (user, org), shown
// once, stored as a hash, optionally narrowed to a subset of the user's
// permissions and to read-only, and never outliving the user's own expiry.
//
// The authorizer resolves a token with one read of its secret item
// (dynamo.APITokenBySecret) and evaluates the user's current membership
// intersected with the token's narrowing, so a token loses whatever its user
// loses; revocation writes both of the token's items in one transaction.
package tokens

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// SecretKind is the prefix of API token secrets ("gha_...").
const SecretKind = "gha"

// Store is what the token use cases read and write.
type Store interface {
	Now() time.Time
	CreateAPIToken(ctx context.Context, t *gatehouse.APIToken, hash string, actor gatehouse.Actor) error
	APIToken(ctx context.Context, orgID, tokenID string) (*gatehouse.APIToken, string, error)
	APITokensPage(ctx context.Context, orgID, userID string, limit int, cursor string) ([]*gatehouse.APIToken, string, error)
	RevokeAPIToken(ctx context.Context, orgID, tokenID string, actor gatehouse.Actor) (*gatehouse.APIToken, error)
	// Tokens for another member and narrowed to a collection (embedded.go).
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error)
	ManagerChain(ctx context.Context, orgID string, m *gatehouse.Membership) ([]*gatehouse.Membership, error)
	CollectionExists(ctx context.Context, orgID, collID string) (bool, error)
}

// Service holds the token use cases.
type Service struct {
	store     Store
	catalogue *authz.Catalogue
}

// NewService returns the service.
func NewService(store Store, catalogue *authz.Catalogue) *Service {
	return &Service{store: store, catalogue: catalogue}
}

var tokenID = regexp.MustCompile(`^tok_[a-z2-7]{26}$`)

// Input is the body of POST /v1/orgs/{orgId}/tokens.
type Input struct {
	Name string `json:"name"`
	// Permissions narrows the token; absent means all the user's
	// permissions (always the current ones).
	Permissions []string   `json:"permissions,omitempty"`
	Readonly    bool       `json:"readonly,omitempty"`
	ExpiresAt   *time.Time `json:"expiresAt"`
	// UserID makes the token for another member (the caller's own when
	// empty): a read-only member the caller may act on, and the token only
	// reads (DESIGN section 5, the embedded view).
	UserID string `json:"userId,omitempty"`
	// CollectionID narrows the token to the resources of one collection
	// (a share link): read-only, <type>:read permissions only.
	CollectionID string `json:"collectionId,omitempty"`
}

// Created is the answer of a creation: the token and its secret, which is
// shown this once and never again.
type Created struct {
	*gatehouse.APIToken
	Secret string `json:"secret"`
}

// Create makes a token for the caller in the org. Rule 6: the narrowing may
// only name permissions the caller holds; rule 8: the token expires at the
// latest when the caller's account or membership does (by default exactly
// then). A token cannot mint tokens: what a token may do is bounded by a
// person signing in, and a chain of tokens would outlive a revocation.
func (s *Service) Create(ctx context.Context, caller *gatehouse.Caller, orgID string, in Input) (*Created, error) {
	if err := authz.MintsTokens(caller); err != nil {
		return nil, err
	}
	now := s.store.Now()
	var v gatehouse.Validator
	in.Name = strings.TrimSpace(in.Name)
	v.Check(in.Name != "" && gatehouse.PrintableText(in.Name, 100), "name", "must be 1 to 100 printable characters")
	if in.Permissions != nil {
		v.Check(len(in.Permissions) > 0, "permissions", "must name at least one permission (leave it out for all of the user's)")
		for _, p := range in.Permissions {
			v.Check(s.catalogue.Known(p), "permissions", "%q is not a permission of the catalogue", p)
		}
	}
	if in.ExpiresAt != nil {
		v.Check(in.ExpiresAt.After(now), "expiresAt", "must be in the future")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	owner, err := s.embedded(ctx, caller, orgID, &in)
	if err != nil {
		return nil, err
	}
	var perms []string
	if in.Permissions != nil {
		perms = slices.Clone(in.Permissions)
		slices.Sort(perms)
		perms = slices.Compact(perms)
		// Rule 6: a token is narrowed to what its maker holds.
		if err := authz.Give(caller, &authz.OrgPolicy{Catalogue: s.catalogue}, nil, perms); err != nil {
			return nil, err
		}
	}
	// Rule 8: a token ends at the latest with its maker's access.
	expires := authz.DefaultExpiry(caller, in.ExpiresAt)
	if err := authz.CheckExpiry(caller, expires); err != nil {
		return nil, err
	}
	t := &gatehouse.APIToken{
		ID: ids.New("tok"), OrgID: orgID, UserID: owner, Name: in.Name, CollectionID: in.CollectionID,
		Permissions: perms, Readonly: in.Readonly, Status: gatehouse.StatusActive,
		ExpiresAt: expires, CreatedAt: now, CreatedBy: caller.UserID,
	}
	secret := ids.Secret(SecretKind)
	if err := s.store.CreateAPIToken(ctx, t, ids.Hash(secret), caller.Actor); err != nil {
		return nil, err
	}
	return &Created{APIToken: t, Secret: secret}, nil
}

// List returns the org's tokens for owners and admins, the caller's own for
// everyone else. Secrets are never listed.
func (s *Service) List(ctx context.Context, caller *gatehouse.Caller, orgID string, limit int, cursor string) ([]*gatehouse.APIToken, string, error) {
	user := caller.UserID
	if authz.ActsOnToken(caller, "") {
		user = "" // every member's
	}
	items, next, err := s.store.APITokensPage(ctx, orgID, user, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	return items, next, nil
}

// Revoke revokes a token: the caller's own, or any of the org's for owners
// and admins. Another member's token is not found for anyone else.
func (s *Service) Revoke(ctx context.Context, caller *gatehouse.Caller, orgID, id string) error {
	if !tokenID.MatchString(id) {
		return gatehouse.NotFound("token")
	}
	t, _, err := s.store.APIToken(ctx, orgID, id)
	if err != nil {
		return err
	}
	if !authz.ActsOnToken(caller, t.UserID) {
		return gatehouse.NotFound("token")
	}
	_, err = s.store.RevokeAPIToken(ctx, orgID, id, caller.Actor)
	return err
}

// NewMux returns the `tokens` function's routes.
func NewMux(s *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnTokens, log)
	const base = "/v1/orgs/{orgId}/tokens"
	apigw.Handle(m, "POST "+base, http.StatusCreated, func(ctx context.Context, r *apigw.Request, in Input) (*Created, error) {
		return s.Create(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.List(m, "GET "+base, func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]*gatehouse.APIToken, string, error) {
		return s.List(ctx, r.Caller, r.Param("orgId"), q.Limit, q.Cursor)
	})
	apigw.Handle(m, "DELETE "+base+"/{tokenId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, s.Revoke(ctx, r.Caller, r.Param("orgId"), r.Param("tokenId"))
	})
	return m
}
