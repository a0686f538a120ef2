package scim

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
)

// TokenSecretKind is the prefix of SCIM token secrets ("ghs_..."), the
// authorizer's authorizer.ScimTokenPrefix.
const TokenSecretKind = "ghs"

var scimTokenID = regexp.MustCompile(`^sct_[a-z2-7]{26}$`)

// TokenInput is the body of POST /v1/orgs/{orgId}/scim/tokens.
type TokenInput struct {
	Name string `json:"name"`
	// Permissions is what the token may do; left out, what provisioning
	// needs (members and groups, authz.ScimPermissions). The permissions
	// of MemberRoles are added: the token gives those roles.
	Permissions []string `json:"permissions,omitempty"`
	// MemberRoles are the roles a user provisioned without roles gets
	// (default viewer).
	MemberRoles []string   `json:"memberRoles,omitempty"`
	ExpiresAt   *time.Time `json:"expiresAt"`
}

// TokenCreated is the answer of a creation: the token and its secret,
// shown this once.
type TokenCreated struct {
	*gatehouse.ScimToken
	Secret string `json:"secret"`
}

// CreateToken makes a SCIM token for the org. Rule 6: only an owner or
// admin signed in, and the token holds only permissions its maker holds;
// rule 8: it expires at the latest with its maker (by default exactly
// then, and members it provisions too, so a maker without expiry is the
// one to use).
func (s *Service) CreateToken(ctx context.Context, c *gatehouse.Caller, orgID string, in TokenInput) (*TokenCreated, error) {
	now := s.store.Now()
	var v gatehouse.Validator
	in.Name = strings.TrimSpace(in.Name)
	v.Check(in.Name != "" && gatehouse.PrintableText(in.Name, 100), "name", "must be 1 to 100 printable characters")
	if in.Permissions != nil {
		v.Check(len(in.Permissions) > 0, "permissions", "must name at least one permission (leave it out for provisioning's)")
		for _, p := range in.Permissions {
			v.Check(s.cat.Known(p), "permissions", "%q is not a permission of the catalogue", p)
		}
	}
	if in.MemberRoles == nil {
		in.MemberRoles = []string{authz.RoleViewer}
	}
	gatehouse.ValidateRoles(&v, in.MemberRoles)
	if in.ExpiresAt != nil {
		v.Check(in.ExpiresAt.After(now), "expiresAt", "must be in the future")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	pol := authz.PolicyOf(s.cat, org)
	perms := in.Permissions
	if perms == nil {
		perms = authz.ScimPermissions
	}
	perms = slices.Clone(perms)
	for _, r := range in.MemberRoles {
		rp, _ := pol.RolePermissions(r)
		perms = append(perms, rp...)
	}
	slices.Sort(perms)
	perms = slices.Compact(perms)
	if err := authz.MintsScimToken(c, pol, perms, in.MemberRoles); err != nil {
		return nil, err
	}
	expires := authz.DefaultExpiry(c, in.ExpiresAt)
	if err := authz.CheckExpiry(c, expires); err != nil {
		return nil, err
	}
	t := &gatehouse.ScimToken{
		ID: ids.New("sct"), OrgID: orgID, Name: in.Name, Permissions: perms, MemberRoles: in.MemberRoles,
		Status: gatehouse.StatusActive, ExpiresAt: expires, CreatedAt: now, CreatedBy: c.UserID,
	}
	secret := ids.Secret(TokenSecretKind)
	if err := s.store.CreateScimToken(ctx, t, ids.Hash(secret), c.Actor); err != nil {
		return nil, err
	}
	return &TokenCreated{ScimToken: t, Secret: secret}, nil
}

// ListTokens lists the org's SCIM tokens; secrets are never listed.
func (s *Service) ListTokens(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.ScimToken, string, error) {
	items, next, err := s.store.ScimTokensPage(ctx, orgID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	now := s.store.Now()
	for _, t := range items {
		if t.Status == gatehouse.StatusActive && !t.Usable(now) {
			t.Status = gatehouse.StatusExpired
		}
	}
	return items, next, nil
}

// RevokeToken revokes a SCIM token: it opens nothing from the next
// request on, and the invites it made can no longer be accepted (rule 6).
func (s *Service) RevokeToken(ctx context.Context, c *gatehouse.Caller, orgID, id string) error {
	if !scimTokenID.MatchString(id) {
		return gatehouse.NotFound("token")
	}
	if err := authz.MintsScimToken(c, authz.PolicyOf(s.cat, &gatehouse.Org{}), nil, nil); err != nil {
		return err
	}
	return s.store.RevokeScimToken(ctx, orgID, id, c.Actor)
}
