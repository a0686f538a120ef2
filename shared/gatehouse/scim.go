package gatehouse

import "time"

// ScimToken is an org's credential for an identity provider's SCIM 2.0
// client (Okta, Microsoft Entra ID): bound to one org, with the
// permissions an owner or admin gave it when creating it (capped by the
// creator's own, rule 6) and the roles members it provisions get by
// default. It belongs to no user: it acts as itself, so it outlives its
// creator's membership and is revoked by an admin. Only its hash is
// stored; the secret is shown once (docs/scim.md).
type ScimToken struct {
	ID    string `json:"id"`
	OrgID string `json:"orgId"`
	Name  string `json:"name"`
	// Permissions is what the token may do in the org, fixed at creation.
	Permissions []string `json:"permissions"`
	// MemberRoles are the roles a user provisioned without roles gets.
	MemberRoles []string   `json:"memberRoles"`
	Status      Status     `json:"status"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	CreatedAt   time.Time  `json:"createdAt"`
	CreatedBy   string     `json:"createdBy"`
}

// Usable reports whether the token may be used at time now.
func (t *ScimToken) Usable(now time.Time) bool {
	return t.Status == StatusActive && !pastExpiry(t.ExpiresAt, now)
}
