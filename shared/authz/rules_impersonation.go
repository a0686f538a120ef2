package authz

import (
	"slices"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Impersonation ("log in as user", issue 17): who may start a session
// acting as a member, and what a session may use. docs/rules.md,
// "Impersonation"; docs/security.md, "Impersonation".

// MaxImpersonation is the longest an impersonation session lives.
const MaxImpersonation = time.Hour

// StartsImpersonation decides whether c may start a session acting as
// target (a member of the org; managers is its managedBy chain, as ActOn
// takes it):
//   - a person signed in starts it, never an API token or another session
//     (a chain of credentials would outlive the revocation of the first);
//   - never on oneself;
//   - an owner only by an owner of the org: a platform admin or a parent
//     org's admin is no owner here (rule 6: only an owner acts on one);
//   - a platform admin on any other member;
//   - otherwise an owner or admin of the org (directly or by rule 5) that
//     may act on the target (ActOn, rules 6 and 7).
func StartsImpersonation(c *gatehouse.Caller, p *OrgPolicy, target *gatehouse.Membership, managers []*gatehouse.Membership) error {
	switch {
	case c.TokenID != "" || c.ImpersonatedBy != "":
		return gatehouse.Forbidden(gatehouse.ReasonImpersonation, "impersonation is started by a person signed in, not with an API token or another session")
	case target.UserID == c.UserID:
		return gatehouse.Invalid(gatehouse.FieldError{Field: "userId", Message: "you cannot impersonate yourself"})
	case target.HasRole(RoleOwner) && !isOwner(c):
		return gatehouse.Forbidden(gatehouse.ReasonEscalation, "only an owner of the org can impersonate an owner")
	case c.PlatformAdmin:
		return nil
	case !isAdmin(c):
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "only owners and admins of the org, or platform admins, impersonate members")
	}
	return ActOn(c, p, target, managers)
}

// ManagesSessions refuses what is not a person signed in: sessions are
// listed and revoked by people, never with an API token or from within a
// session.
func ManagesSessions(c *gatehouse.Caller) error {
	if c.TokenID != "" || c.ImpersonatedBy != "" {
		return gatehouse.Forbidden(gatehouse.ReasonImpersonation, "sessions are managed by a person signed in")
	}
	return nil
}

// ActsOnImpersonation reports whether c may see and revoke a session
// started by impersonatorID: its own, or any of the org's for owners,
// admins and platform admins; never from within a session or with an API
// token.
func ActsOnImpersonation(c *gatehouse.Caller, impersonatorID string) bool {
	return c.TokenID == "" && c.ImpersonatedBy == "" && (c.PlatformAdmin || impersonatorID == c.UserID || isAdmin(c))
}

// ImpersonationCap is the most a session may use in the org, decided at
// every request: the impersonator's own effective permissions there now
// (rules 2, 3 and 5: its roles, groups, flags and inherited authority),
// and for a platform admin also what the admin role gives (never what only
// an owner holds). The session's effective set is the target's intersected
// with this one (rule 2, as a token's narrowing). ceiling is the
// impersonator's own expiry ceiling (rule 8). A refusal means the
// impersonator has lost its standing: the session opens nothing.
func ImpersonationCap(cat *Catalogue, org *gatehouse.Org, st Standing, now time.Time) (perms []string, ceiling *time.Time, r *Refusal) {
	if r := AccountRefusal(st.User, now); r != nil {
		return nil, nil, r
	}
	set := map[string]bool{}
	sub, ceil, ref := SubjectOf(st, now)
	switch {
	case ref == nil:
		for _, p := range Compile(PolicyOf(cat, org), sub).Permissions() {
			set[p] = true
		}
		ceiling = ceil
	case !st.User.PlatformAdmin:
		return nil, nil, ref
	default:
		ceiling = st.User.ExpiresAt
	}
	if st.User.PlatformAdmin {
		admin, _ := cat.BuiltinRole(RoleAdmin)
		for _, p := range admin {
			set[p] = true
		}
	}
	perms = make([]string, 0, len(set))
	for p := range set {
		perms = append(perms, p)
	}
	slices.Sort(perms)
	return perms, ceiling, nil
}

// ImpersonatedCeiling is a session's expiry ceiling (rule 8): what it
// creates or gives ends at the latest when the target's or the
// impersonator's access does.
func ImpersonatedCeiling(target, impersonator *time.Time) *time.Time {
	return earliest(target, impersonator)
}
