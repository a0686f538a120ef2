package gatehouse

import "time"

// Verified domains (docs/domains.md): an org proves it controls an email
// domain, by a DNS TXT record or by its admin's own verified address there,
// and then may mint accounts under it (rule 11) and let people who sign up
// with an address there join it (its join policy).

// Domain statuses.
const (
	DomainPending  = "pending"
	DomainVerified = "verified"
)

// How a domain was proved.
const (
	DomainByDNS   = "dns"
	DomainByEmail = "email"
)

// Join policies of a verified domain.
const (
	// JoinNone: the domain lets the org mint accounts, nothing more.
	JoinNone = "none"
	// JoinSuggest: a signed-up user with a verified address there sees the
	// org among its suggested orgs and may join it.
	JoinSuggest = "suggest"
	// JoinAuto: such a user joins at sign-up (and may join later too).
	JoinAuto = "auto"
)

// Domain is an email domain an org added, pending until proved.
type Domain struct {
	OrgID  string `json:"orgId"`
	Domain string `json:"domain"`
	// Status is "pending" until proved, then "verified".
	Status string `json:"status" jsonschema:"enum=pending,enum=verified"`
	// VerifiedBy says how it was proved: "dns" or "email".
	VerifiedBy string `json:"verifiedBy,omitempty" jsonschema:"enum=dns,enum=email"`
	// TXTName and TXTValue are the DNS TXT record that proves the domain:
	// publish TXTValue at TXTName, then verify.
	TXTName  string `json:"txtName"`
	TXTValue string `json:"txtValue"`
	// JoinPolicy is what people with a verified address there may do:
	// "none", "suggest" or "auto" (docs/domains.md).
	JoinPolicy string `json:"joinPolicy" jsonschema:"enum=none,enum=suggest,enum=auto"`
	// JoinRole is the role they get when they join (never above developer).
	JoinRole   string     `json:"joinRole"`
	CreatedBy  string     `json:"createdBy,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	VerifiedAt *time.Time `json:"verifiedAt,omitempty"`
	Version    int64      `json:"-"`
}

// DomainClaim is the one org a verified domain belongs to, with the join
// policy people with an address there meet.
type DomainClaim struct {
	Domain     string
	OrgID      string
	JoinPolicy string
	JoinRole   string
}

// Reasons of the domain routes (docs/errors.md).
const (
	// ReasonTopLevelOnly: domains belong to top-level orgs only.
	ReasonTopLevelOnly = "top_level_only"
	// ReasonDomainClaimed: another org has verified the domain.
	ReasonDomainClaimed = "domain_claimed"
	// ReasonDomainUnproven: the TXT record is not there (or holds another
	// value), or the caller's own verified email is not at the domain.
	ReasonDomainUnproven = "domain_unproven"
	// ReasonJoinRoleCap: a join policy's role may give at most what
	// developer gives.
	ReasonJoinRoleCap = "join_role_cap"
	// ReasonNotSuggested: the org does not offer the caller to join it by
	// its email domain.
	ReasonNotSuggested = "not_suggested"
)

// ConflictReason builds a conflict error with a reason (a domain's state
// forbids the change).
func ConflictReason(reason, format string, args ...any) *Error {
	e := Errorf(CodeConflict, format, args...)
	e.Reason = reason
	return e
}
