package authz

import (
	"slices"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// The rules of verified domains (docs/domains.md, docs/rules.md rule 11):
// who may hold a domain, how it is proved by email, what a join policy may
// give, and who may join an org by the domain of its address.

// JoinRoleCap is the highest built-in role a join policy gives: people
// who join by their email domain were never chosen by anyone, so they get
// at most what a developer holds.
const JoinRoleCap = RoleDeveloper

// HoldsDomains decides which orgs may add and verify domains: top-level
// orgs only, so that a domain belongs to at most one tree and its sub-orgs
// (customers) cannot claim their provider's domain or each other's.
func HoldsDomains(o *gatehouse.Org) error {
	if len(o.Ancestors) > 0 || o.ParentID != "" {
		return gatehouse.Forbidden(gatehouse.ReasonTopLevelOnly, "domains are verified by top-level orgs; this is a sub-org")
	}
	return nil
}

// JoinRoleWithinCap applies the cap to a join policy's role: it must be a
// role of the org whose permissions are all developer's (viewer,
// developer, or a custom role no wider than developer).
func JoinRoleWithinCap(p *OrgPolicy, role string) error {
	perms, ok := p.RolePermissions(role)
	if !ok {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "joinRole", Message: "not a role of the org"})
	}
	capPerms, _ := p.RolePermissions(JoinRoleCap)
	for _, perm := range perms {
		if !slices.Contains(capPerms, perm) {
			return gatehouse.Forbidden(gatehouse.ReasonJoinRoleCap,
				"people who join by their email domain get at most what %s gives; %q gives %s", JoinRoleCap, role, perm)
		}
	}
	return nil
}

// ProvesByEmail decides the email proof of a domain (as Clerk allows it):
// the caller itself, signed in (an API token proves no mailbox), with a
// verified address at exactly that domain.
func ProvesByEmail(c *gatehouse.Caller, u *gatehouse.User, domain string) error {
	if c.TokenID != "" || u == nil || u.ID != c.UserID || !u.EmailVerified || gatehouse.EmailDomain(u.Email) != domain {
		return gatehouse.ConflictReason(gatehouse.ReasonDomainUnproven,
			"proving %s by email needs the signed-in caller's own verified address at %s", domain, domain)
	}
	return nil
}

// JoinsByDomain decides whether a user may join the org that verified the
// domain of its address (rule 11: its own act): an active account, a
// verified address at exactly that domain, and a policy that offers it
// (suggest or auto). auto additionally joins at sign-up (AutoJoins).
func JoinsByDomain(u *gatehouse.User, cl *gatehouse.DomainClaim, now time.Time) error {
	if u == nil || cl == nil || !u.Usable(now) || !u.EmailVerified || gatehouse.EmailDomain(u.Email) != cl.Domain ||
		(cl.JoinPolicy != gatehouse.JoinSuggest && cl.JoinPolicy != gatehouse.JoinAuto) {
		return gatehouse.Forbidden(gatehouse.ReasonNotSuggested, "this org does not offer to join it by your email's domain")
	}
	return nil
}

// AutoJoins reports whether a new account joins the org of its domain at
// sign-up: JoinsByDomain, with the auto policy.
func AutoJoins(u *gatehouse.User, cl *gatehouse.DomainClaim, now time.Time) bool {
	return cl != nil && cl.JoinPolicy == gatehouse.JoinAuto && JoinsByDomain(u, cl, now) == nil
}
