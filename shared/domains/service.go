// Package domains holds the verified domains of an org (docs/domains.md):
// an org admin adds an email domain and proves it by a DNS TXT record or by
// its own verified address there; a verified domain lets the org mint
// accounts under it (rule 11) and, per its join policy, lets people with a
// verified address there join the org (suggest) or joins them at sign-up
// (auto, applied by the PostConfirmation trigger).
package domains

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"golang.org/x/net/publicsuffix"
)

// Store is what the domain use cases read and write (*dynamo.Store).
type Store interface {
	Now() time.Time
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	User(ctx context.Context, userID string) (*gatehouse.User, error)
	Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error)
	Domain(ctx context.Context, orgID, domain string) (*gatehouse.Domain, error)
	DomainsPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.Domain, string, error)
	DomainClaim(ctx context.Context, domain string) (*gatehouse.DomainClaim, error)
	AddDomain(ctx context.Context, d *gatehouse.Domain, ev gatehouse.AuditEvent) error
	VerifyDomain(ctx context.Context, o *gatehouse.Org, before, after *gatehouse.Domain, ev gatehouse.AuditEvent) error
	SetDomainPolicy(ctx context.Context, before, after *gatehouse.Domain, ev gatehouse.AuditEvent) error
	RemoveDomain(ctx context.Context, o *gatehouse.Org, d *gatehouse.Domain, ev gatehouse.AuditEvent) error
	JoinByDomain(ctx context.Context, o *gatehouse.Org, m *gatehouse.Membership, ev gatehouse.AuditEvent) error
	NewAudit(actor gatehouse.Actor, orgID, action, target string, before, after map[string]any) gatehouse.AuditEvent
}

// Service holds the domain use cases.
type Service struct {
	store Store
	cat   *authz.Catalogue
	dns   TXTResolver
}

// NewService returns the service; dns checks TXT challenges.
func NewService(store Store, cat *authz.Catalogue, dns TXTResolver) *Service {
	return &Service{store: store, cat: cat, dns: dns}
}

// ChallengePrefix names the TXT record that proves a domain:
// <ChallengePrefix>.<domain>.
const ChallengePrefix = "_gatehouse-challenge"

// challengeValuePrefix starts the value of the TXT record.
const challengeValuePrefix = "gatehouse-domain-verification="

// isLabel: a DNS label, 1 to 63 lowercase letters, digits and hyphens,
// neither first nor last a hyphen.
func isLabel(s string) bool {
	lower := func(b byte) bool { return 'a' <= b && b <= 'z' || '0' <= b && b <= '9' }
	return gatehouse.Token(s, 63, lower, func(b byte) bool { return lower(b) || b == '-' }) && s[len(s)-1] != '-'
}

// NormalizeDomain returns the canonical form of a domain (lower case, no
// trailing dot), or a validation error: letters, digits and hyphens in
// labels, at most 253 characters, and not a public suffix (com, co.uk...),
// which no org controls.
func NormalizeDomain(field, d string) (string, error) {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	bad := gatehouse.Invalid(gatehouse.FieldError{Field: field, Message: "must be a domain name such as example.com (ASCII; punycode for others), not a public suffix"})
	if len(d) == 0 || len(d) > 253 {
		return "", bad
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", bad
	}
	for _, l := range labels {
		if !isLabel(l) {
			return "", bad
		}
	}
	if _, err := publicsuffix.EffectiveTLDPlusOne(d); err != nil {
		return "", bad
	}
	return d, nil
}

// topLevel reads an org and applies the rule that only top-level orgs hold
// domains.
func (s *Service) topLevel(ctx context.Context, orgID string) (*gatehouse.Org, error) {
	o, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if err := authz.HoldsDomains(o); err != nil {
		return nil, err
	}
	return o, nil
}

// AddInput is the body of POST /v1/orgs/{orgId}/domains.
type AddInput struct {
	Domain string `json:"domain"`
}

// Add adds a pending domain and returns it with its TXT challenge. A
// domain another org has verified is refused (domain_claimed); several
// orgs may hold it pending, and the first to prove it claims it.
func (s *Service) Add(ctx context.Context, c *gatehouse.Caller, orgID string, in AddInput) (*gatehouse.Domain, error) {
	domain, err := NormalizeDomain("domain", in.Domain)
	if err != nil {
		return nil, err
	}
	if _, err := s.topLevel(ctx, orgID); err != nil {
		return nil, err
	}
	if cl, err := s.store.DomainClaim(ctx, domain); err != nil {
		return nil, err
	} else if cl != nil && cl.OrgID != orgID {
		return nil, dynamo.ErrDomainClaimed
	}
	d := &gatehouse.Domain{
		OrgID: orgID, Domain: domain, Status: gatehouse.DomainPending,
		TXTName: ChallengePrefix + "." + domain, TXTValue: challengeValuePrefix + ids.New("ghd"),
		JoinPolicy: gatehouse.JoinNone, JoinRole: authz.RoleViewer,
		CreatedBy: c.UserID, CreatedAt: s.store.Now(), Version: 1,
	}
	ev := s.store.NewAudit(c.Actor, orgID, "domain.add", domain, nil, map[string]any{"domain": domain, "status": d.Status})
	if err := s.store.AddDomain(ctx, d, ev); err != nil {
		return nil, err
	}
	return d, nil
}

// List returns one page of the org's domains.
func (s *Service) List(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.Domain, string, error) {
	return s.store.DomainsPage(ctx, orgID, limit, cursor)
}

func (s *Service) domain(ctx context.Context, orgID, raw string) (*gatehouse.Org, *gatehouse.Domain, error) {
	domain, err := NormalizeDomain("domain", raw)
	if err != nil {
		return nil, nil, gatehouse.NotFound("domain")
	}
	o, err := s.topLevel(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.store.Domain(ctx, orgID, domain)
	if err != nil {
		return nil, nil, err
	}
	return o, d, nil
}

// VerifyInput is the body of POST .../domains/{domain}/verify.
type VerifyInput struct {
	// Method is "dns" (the TXT record is published) or "email" (the
	// caller's own verified address is at the domain).
	Method string `json:"method" jsonschema:"enum=dns,enum=email"`
}

// Verify proves a domain, by its TXT record or by the caller's own
// verified address, and claims it for the org. Verifying a verified
// domain again changes nothing.
func (s *Service) Verify(ctx context.Context, c *gatehouse.Caller, orgID, raw string, in VerifyInput) (*gatehouse.Domain, error) {
	if in.Method != gatehouse.DomainByDNS && in.Method != gatehouse.DomainByEmail {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "method", Message: `must be "dns" or "email"`})
	}
	o, d, err := s.domain(ctx, orgID, raw)
	if err != nil {
		return nil, err
	}
	if d.Status == gatehouse.DomainVerified {
		return d, nil
	}
	if cl, err := s.store.DomainClaim(ctx, d.Domain); err != nil {
		return nil, err
	} else if cl != nil && cl.OrgID != orgID {
		return nil, dynamo.ErrDomainClaimed
	}
	switch in.Method {
	case gatehouse.DomainByDNS:
		if err := s.checkTXT(ctx, d); err != nil {
			return nil, err
		}
	case gatehouse.DomainByEmail:
		u, err := s.store.User(ctx, c.UserID)
		if err != nil {
			return nil, err
		}
		if err := authz.ProvesByEmail(c, u, d.Domain); err != nil {
			return nil, err
		}
	}
	after := *d
	now := s.store.Now()
	after.Status, after.VerifiedBy, after.VerifiedAt = gatehouse.DomainVerified, in.Method, &now
	ev := s.store.NewAudit(c.Actor, orgID, "domain.verify", d.Domain,
		map[string]any{"status": d.Status}, map[string]any{"status": after.Status, "verifiedBy": in.Method})
	if err := s.store.VerifyDomain(ctx, o, d, &after, ev); err != nil {
		return nil, err
	}
	return &after, nil
}

// checkTXT looks for the domain's challenge among the TXT records at its
// challenge name.
func (s *Service) checkTXT(ctx context.Context, d *gatehouse.Domain) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	records, err := s.dns.LookupTXT(ctx, d.TXTName)
	var dnsErr *net.DNSError
	switch {
	case err == nil:
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		records = nil
	default:
		return &gatehouse.Error{Code: gatehouse.CodeUnavailable, Message: "DNS could not be queried; retry later",
			Err: fmt.Errorf("lookup TXT %s: %w", d.TXTName, err)}
	}
	for _, r := range records {
		if strings.TrimSpace(r) == d.TXTValue {
			return nil
		}
	}
	return gatehouse.ConflictReason(gatehouse.ReasonDomainUnproven,
		"no TXT record %q found at %s (DNS changes may take a while to propagate)", d.TXTValue, d.TXTName)
}

// PolicyInput is the body of PUT .../domains/{domain}/policy.
type PolicyInput struct {
	// JoinPolicy is "none", "suggest" or "auto".
	JoinPolicy string `json:"joinPolicy" jsonschema:"enum=none,enum=suggest,enum=auto"`
	// JoinRole is the role joiners get: viewer by default, at most what
	// developer gives.
	JoinRole string `json:"joinRole,omitempty"`
}

// SetPolicy sets a domain's join policy and role. The role is capped at
// developer (authz.JoinRoleWithinCap) and must be one the caller may give
// (rule 6).
func (s *Service) SetPolicy(ctx context.Context, c *gatehouse.Caller, orgID, raw string, in PolicyInput) (*gatehouse.Domain, error) {
	switch in.JoinPolicy {
	case gatehouse.JoinNone, gatehouse.JoinSuggest, gatehouse.JoinAuto:
	default:
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "joinPolicy", Message: `must be "none", "suggest" or "auto"`})
	}
	if in.JoinRole == "" {
		in.JoinRole = authz.RoleViewer
	}
	o, d, err := s.domain(ctx, orgID, raw)
	if err != nil {
		return nil, err
	}
	p := authz.PolicyOf(s.cat, o)
	if err := authz.JoinRoleWithinCap(p, in.JoinRole); err != nil {
		return nil, err
	}
	if err := authz.Give(c, p, []string{in.JoinRole}, nil); err != nil {
		return nil, err
	}
	after := *d
	after.JoinPolicy, after.JoinRole = in.JoinPolicy, in.JoinRole
	ev := s.store.NewAudit(c.Actor, orgID, "domain.policy", d.Domain,
		map[string]any{"joinPolicy": d.JoinPolicy, "joinRole": d.JoinRole},
		map[string]any{"joinPolicy": after.JoinPolicy, "joinRole": after.JoinRole})
	if err := s.store.SetDomainPolicy(ctx, d, &after, ev); err != nil {
		return nil, err
	}
	return &after, nil
}

// Remove deletes a domain; a verified one stops letting the org mint
// accounts or take joiners under it at once. Members who joined by it stay.
func (s *Service) Remove(ctx context.Context, c *gatehouse.Caller, orgID, raw string) error {
	o, d, err := s.domain(ctx, orgID, raw)
	if err != nil {
		return err
	}
	ev := s.store.NewAudit(c.Actor, orgID, "domain.remove", d.Domain, map[string]any{"status": d.Status, "joinPolicy": d.JoinPolicy}, nil)
	return s.store.RemoveDomain(ctx, o, d, ev)
}

// SuggestedOrg is an org the caller may join by its email's domain.
type SuggestedOrg struct {
	OrgID      string `json:"orgId"`
	OrgName    string `json:"orgName"`
	Domain     string `json:"domain"`
	JoinPolicy string `json:"joinPolicy"`
	JoinRole   string `json:"joinRole"`
}

// SuggestedOrgs lists the orgs the caller may join by the domain of its
// verified address (at most one: a domain belongs to one org), unless it is
// a member already.
func (s *Service) SuggestedOrgs(ctx context.Context, c *gatehouse.Caller) ([]SuggestedOrg, error) {
	u, cl, err := s.claimOf(ctx, c)
	if err != nil || cl == nil || authz.JoinsByDomain(u, cl, s.store.Now()) != nil {
		return []SuggestedOrg{}, err
	}
	if _, err := s.store.Membership(ctx, cl.OrgID, u.ID); err == nil {
		return []SuggestedOrg{}, nil
	} else if gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		return nil, err
	}
	o, err := s.store.Org(ctx, cl.OrgID)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return []SuggestedOrg{}, nil
	} else if err != nil {
		return nil, err
	}
	return []SuggestedOrg{{OrgID: o.ID, OrgName: o.Name, Domain: cl.Domain, JoinPolicy: cl.JoinPolicy, JoinRole: cl.JoinRole}}, nil
}

func (s *Service) claimOf(ctx context.Context, c *gatehouse.Caller) (*gatehouse.User, *gatehouse.DomainClaim, error) {
	u, err := s.store.User(ctx, c.UserID)
	if err != nil {
		return nil, nil, err
	}
	cl, err := s.store.DomainClaim(ctx, gatehouse.EmailDomain(u.Email))
	return u, cl, err
}

// JoinInput is the body of POST /v1/me/suggested-orgs/join.
type JoinInput struct {
	OrgID string `json:"orgId"`
}

// Join makes the caller a member of a suggested org, with the domain's
// join role, within the org's quotas.
func (s *Service) Join(ctx context.Context, c *gatehouse.Caller, in JoinInput) (*gatehouse.Membership, error) {
	u, cl, err := s.claimOf(ctx, c)
	if err != nil {
		return nil, err
	}
	now := s.store.Now()
	if cl == nil || cl.OrgID != in.OrgID {
		cl = nil
	}
	if err := authz.JoinsByDomain(u, cl, now); err != nil {
		return nil, err
	}
	o, err := s.store.Org(ctx, cl.OrgID)
	if err != nil {
		return nil, err
	}
	m, err := JoinMembership(s.cat, o, u, cl, now)
	if err != nil {
		return nil, err
	}
	ev := s.store.NewAudit(c.Actor, o.ID, "member.join_domain", u.ID, nil,
		map[string]any{"email": u.Email, "roles": m.Roles, "domain": cl.Domain, "at": "join"})
	if err := s.store.JoinByDomain(ctx, o, m, ev); err != nil {
		return nil, err
	}
	return m, nil
}

// JoinMembership is the membership a user gets by joining an org through
// its email domain: the domain's join role, checked again against the cap
// (a custom role may have grown since the policy was set), no user limit,
// and the account's default resource limit (as at sign-up).
func JoinMembership(cat *authz.Catalogue, o *gatehouse.Org, u *gatehouse.User, cl *gatehouse.DomainClaim, now time.Time) (*gatehouse.Membership, error) {
	if err := authz.JoinRoleWithinCap(authz.PolicyOf(cat, o), cl.JoinRole); err != nil {
		return nil, err
	}
	return &gatehouse.Membership{
		OrgID: o.ID, UserID: u.ID, Roles: []string{cl.JoinRole}, Status: gatehouse.StatusActive,
		UserLimit: 0, ResourceLimit: u.ResourceLimit, CreatedAt: now, UpdatedAt: now,
		AccountLimited: dynamo.AccountLimited(u),
	}, nil
}
