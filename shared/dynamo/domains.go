package dynamo

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Verified domains (docs/domains.md). An org's domains live in its
// partition (DOMAIN#<domain>); a verified one also has a claim item
// (DOMAIN#<domain> / CLAIM) naming its org and join policy, created under
// attribute_not_exists so that a domain belongs to at most one org, and
// the org item's verifiedDomains list (what rule 11 reads, on the item
// every member creation reads anyway) changes in the same transaction.

const (
	kindDomain      = "domain"
	kindDomainClaim = "domainclaim"
	attrVerifiedDom = "verifiedDomains"
)

// Errors of domain writes.
var (
	ErrDomainExists  = gatehouse.Errorf(gatehouse.CodeConflict, "the org has already added this domain")
	ErrDomainChanged = gatehouse.Errorf(gatehouse.CodeConflict, "the domain changed meanwhile; retry")
	ErrDomainClaimed = gatehouse.ConflictReason(gatehouse.ReasonDomainClaimed, "another org has verified this domain")
)

func domainItem(d *gatehouse.Domain) item {
	it := newItem(domainKey(d.OrgID, d.Domain)).
		setS(attrKind, kindDomain).
		setS("orgId", d.OrgID).
		setS("domain", d.Domain).
		setS(attrStatus, d.Status).
		setS("verifiedBy", d.VerifiedBy).
		setS("txtName", d.TXTName).
		setS("txtValue", d.TXTValue).
		setS("joinPolicy", d.JoinPolicy).
		setS("joinRole", d.JoinRole).
		setS("createdBy", d.CreatedBy).
		setTime(attrCreated, d.CreatedAt).
		setTimePtr("verifiedAt", d.VerifiedAt).
		setN(attrVersion, d.Version)
	return it
}

func decodeDomain(it item) *gatehouse.Domain {
	return &gatehouse.Domain{
		OrgID: it.getS("orgId"), Domain: it.getS("domain"), Status: it.getS(attrStatus),
		VerifiedBy: it.getS("verifiedBy"), TXTName: it.getS("txtName"), TXTValue: it.getS("txtValue"),
		JoinPolicy: it.getS("joinPolicy"), JoinRole: it.getS("joinRole"), CreatedBy: it.getS("createdBy"),
		CreatedAt: it.getTime(attrCreated), VerifiedAt: it.getTimePtr("verifiedAt"), Version: it.getN(attrVersion),
	}
}

func claimItem(d *gatehouse.Domain) item {
	return newItem(domainClaimKey(d.Domain)).
		setS(attrKind, kindDomainClaim).
		setS("domain", d.Domain).
		setS("orgId", d.OrgID).
		setS("joinPolicy", d.JoinPolicy).
		setS("joinRole", d.JoinRole)
}

// Domain reads one domain of an org.
func (s *Store) Domain(ctx context.Context, orgID, domain string) (*gatehouse.Domain, error) {
	it, err := s.get(ctx, domainKey(orgID, domain), true, "domain")
	if err != nil {
		return nil, err
	}
	return decodeDomain(it), nil
}

// DomainsPage lists an org's domains, in domain order.
func (s *Store) DomainsPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.Domain, string, error) {
	items, next, err := s.page(ctx, list{name: listDomains, org: orgID, rng: domainsRange(orgID)}, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]*gatehouse.Domain, len(items))
	for i, it := range items {
		out[i] = decodeDomain(it)
	}
	return out, next, nil
}

// DomainClaim returns the org that verified a domain and its join policy,
// nil when no org has.
func (s *Store) DomainClaim(ctx context.Context, domain string) (*gatehouse.DomainClaim, error) {
	it, err := s.find(ctx, domainClaimKey(domain), true)
	if err != nil || it == nil {
		return nil, err
	}
	return &gatehouse.DomainClaim{Domain: it.getS("domain"), OrgID: it.getS("orgId"),
		JoinPolicy: it.getS("joinPolicy"), JoinRole: it.getS("joinRole")}, nil
}

// AddDomain stores a pending domain of an org, with its audit event.
func (s *Store) AddDomain(ctx context.Context, d *gatehouse.Domain, ev gatehouse.AuditEvent) error {
	t := s.tx().create(domainItem(d), ErrDomainExists)
	t.check(orgKey(d.OrgID), "attribute_exists(#pk)", gatehouse.NotFound("org"), map[string]string{"#pk": tabledef.PK}, nil)
	t.audit(ev)
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("add domain %s to %s: %w", d.Domain, d.OrgID, err)
	}
	return nil
}

// setOrgDomains writes the org item's verified domains, guarded by the
// version it was read at.
func (t *tx) setOrgDomains(o *gatehouse.Org, domains []string) {
	names := map[string]string{"#v": attrVersion, "#vd": attrVerifiedDom}
	values := map[string]types.AttributeValue{":v": num(o.Version), ":one": num(1)}
	update := "REMOVE #vd ADD #v :one"
	if len(domains) > 0 {
		values[":vd"] = strList(domains)
		update = "SET #vd = :vd ADD #v :one"
	}
	t.update(orgKey(o.ID), update, "#v = :v", ErrOrgChanged, names, values)
}

// VerifyDomain records a domain as proved: the claim item (refused with
// ErrDomainClaimed when another org holds the domain), the domain's new
// state (guarded by its version) and the org's verifiedDomains, with the
// audit event: one transaction.
func (s *Store) VerifyDomain(ctx context.Context, o *gatehouse.Org, before, after *gatehouse.Domain, ev gatehouse.AuditEvent) error {
	t := s.tx()
	t.put(claimItem(after), "attribute_not_exists(#pk) OR #org = :org", ErrDomainClaimed,
		map[string]string{"#pk": tabledef.PK, "#org": "orgId"}, map[string]types.AttributeValue{":org": str(o.ID)})
	after.Version = before.Version + 1
	t.put(domainItem(after), "#v = :v", ErrDomainChanged, map[string]string{"#v": attrVersion},
		map[string]types.AttributeValue{":v": num(before.Version)})
	domains := slices.Clone(o.VerifiedDomains)
	if !slices.Contains(domains, after.Domain) {
		domains = append(domains, after.Domain)
	}
	t.setOrgDomains(o, domains)
	t.audit(ev)
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("verify domain %s of %s: %w", after.Domain, o.ID, err)
	}
	return nil
}

// SetDomainPolicy changes a domain's join policy and role, on the domain
// and (when verified) on its claim, with the audit event.
func (s *Store) SetDomainPolicy(ctx context.Context, before, after *gatehouse.Domain, ev gatehouse.AuditEvent) error {
	t := s.tx()
	after.Version = before.Version + 1
	t.put(domainItem(after), "#v = :v", ErrDomainChanged, map[string]string{"#v": attrVersion},
		map[string]types.AttributeValue{":v": num(before.Version)})
	if after.Status == gatehouse.DomainVerified {
		t.put(claimItem(after), "#org = :org", ErrDomainChanged, map[string]string{"#org": "orgId"},
			map[string]types.AttributeValue{":org": str(after.OrgID)})
	}
	t.audit(ev)
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("set policy of domain %s of %s: %w", after.Domain, after.OrgID, err)
	}
	return nil
}

// RemoveDomain deletes a domain of an org; a verified one also gives up
// its claim and leaves the org's verifiedDomains: one transaction.
func (s *Store) RemoveDomain(ctx context.Context, o *gatehouse.Org, d *gatehouse.Domain, ev gatehouse.AuditEvent) error {
	t := s.tx()
	t.delete(domainKey(o.ID, d.Domain), "#v = :v", ErrDomainChanged, map[string]string{"#v": attrVersion},
		map[string]types.AttributeValue{":v": num(d.Version)})
	if d.Status == gatehouse.DomainVerified || slices.Contains(o.VerifiedDomains, d.Domain) {
		t.releaseClaim(o.ID, d.Domain)
		t.setOrgDomains(o, slices.DeleteFunc(slices.Clone(o.VerifiedDomains), func(v string) bool { return v == d.Domain }))
	}
	t.audit(ev)
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("remove domain %s of %s: %w", d.Domain, o.ID, err)
	}
	return nil
}

// releaseClaim deletes the claim of a domain if it is the org's (an absent
// claim passes: nothing to release).
func (t *tx) releaseClaim(orgID, domain string) {
	t.delete(domainClaimKey(domain), "attribute_not_exists(#pk) OR #org = :org", ErrDomainChanged,
		map[string]string{"#pk": tabledef.PK, "#org": "orgId"}, map[string]types.AttributeValue{":org": str(orgID)})
}

// JoinByDomain makes an existing, active account a member of the org that
// verified its email domain (its own act, rule 11): the membership, the
// org's counters under maxMembers (and its ancestors'), a check that the
// account is still active, and the audit event: one transaction.
func (s *Store) JoinByDomain(ctx context.Context, o *gatehouse.Org, m *gatehouse.Membership, ev gatehouse.AuditEvent) error {
	t := s.tx()
	t.create(membershipItem(m), ErrAlreadyMember)
	t.check(userKey(m.UserID), "#st = :active", gatehouse.Forbidden(gatehouse.ReasonDisabled, "the account is not active"),
		map[string]string{"#st": attrStatus}, map[string]types.AttributeValue{":active": str(string(gatehouse.StatusActive))})
	ch := diffOrg(nil, m, o.Version)
	ch.ancestors = o.Ancestors
	t.addOrgChange(m.OrgID, ch)
	t.audit(ev)
	if err := s.commitOrg(ctx, t, m.OrgID, ch); err != nil {
		return fmt.Errorf("join %s by domain: %w", m.OrgID, err)
	}
	return nil
}

// CreateAccountJoining is CreateAccount for a sign-up that joins the org
// of its email domain (the auto join policy) instead of getting a personal
// org: the email reservation, the profile, the tombstone check (rule 12),
// the membership with the org's counters under maxMembers, and the audit
// events: one transaction. A full org fails it with ErrMaxMembers.
func (s *Store) CreateAccountJoining(ctx context.Context, u *gatehouse.User, o *gatehouse.Org, m *gatehouse.Membership, actor gatehouse.Actor) error {
	t := s.tx().
		create(emailItem(u.Email, u.ID), ErrEmailTaken).
		create(userItem(u), gatehouse.Errorf(gatehouse.CodeConflict, "the account already exists")).
		check(tombstoneKey(u.ID), "attribute_not_exists(#pk)", ErrAccountDeleted, map[string]string{"#pk": tabledef.PK}, nil)
	t.create(membershipItem(m), ErrAlreadyMember)
	ch := diffOrg(nil, m, o.Version)
	ch.ancestors = o.Ancestors
	t.addOrgChange(m.OrgID, ch)
	t.audit(s.NewAudit(actor, "", "account.create", u.ID, nil, map[string]any{"email": u.Email, "status": u.Status}))
	t.audit(s.NewAudit(actor, o.ID, "member.join_domain", u.ID, nil,
		map[string]any{"email": u.Email, "roles": m.Roles, "domain": gatehouse.EmailDomain(u.Email), "at": "signup"}))
	if err := s.commitOrg(ctx, t, o.ID, ch); err != nil {
		return fmt.Errorf("create account %s joining %s: %w", u.ID, o.ID, err)
	}
	return nil
}
