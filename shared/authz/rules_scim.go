package authz

import (
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// SCIM tokens (docs/scim.md, docs/rules.md rules 2, 6, 8 and 11). A SCIM
// token is a caller of its own: it belongs to no user, and what it may do
// is what an owner or admin gave it when making it, never more than its
// maker held then.

// ScimPermissions are what a SCIM token holds when its maker names
// nothing narrower: provisioning users and groups, no more.
var ScimPermissions = []string{
	"groups:manage", "groups:read",
	"members:create", "members:invite", "members:read", "members:remove", "members:roles", "members:update",
}

// MintsScimToken applies rule 6 to making a SCIM token: only an owner or
// admin, signed in (a token never makes tokens), and only with permissions
// it holds and default member roles it could give itself.
func MintsScimToken(c *gatehouse.Caller, p *OrgPolicy, perms, memberRoles []string) error {
	if err := MintsTokens(c); err != nil {
		return err
	}
	if !isAdmin(c) {
		return gatehouse.Forbidden(gatehouse.ReasonEscalation, "only an owner or an admin makes a SCIM token")
	}
	return Give(c, p, memberRoles, perms)
}

// ScimCaller is the caller a SCIM token is in its org: an admin narrowed
// to the token's permissions (rule 2), so rule 6 lets it give only what
// it holds and act on no owner or admin whose permissions it lacks; in no
// group; with the token's expiry as its ceiling (rule 8). Its identity in
// the audit log is the token's id.
func ScimCaller(cat *Catalogue, org *gatehouse.Org, t *gatehouse.ScimToken, actor gatehouse.Actor) (*gatehouse.Caller, *Effective) {
	perms := t.Permissions
	if perms == nil {
		perms = []string{} // narrowed to nothing, never widened to all
	}
	sub := Subject{UserID: t.ID, Roles: []string{RoleAdmin}, Token: &TokenScope{Permissions: perms}}
	eff := Compile(PolicyOf(cat, org), sub)
	actor.UserID, actor.TokenID, actor.Email, actor.PlatformAdmin = t.ID, t.ID, "", false
	c := CallerOf(actor, org.ID, eff, t.ExpiresAt)
	return &c, eff
}

// ScimMintsAccount applies rule 11 to a user a SCIM client provisions
// with a new email: an account is made only under a domain the org has
// verified; any other address gets an invite, which its reader accepts.
func ScimMintsAccount(c *gatehouse.Caller, email string, verifiedDomains []string) bool {
	return MintsAccounts(c, email, verifiedDomains)
}

// ScimInviterStillGives applies rule 6 at acceptance to an invite a SCIM
// token made: the token must still be usable and still give the roles and
// the membership expiry.
func ScimInviterStillGives(cat *Catalogue, org *gatehouse.Org, t *gatehouse.ScimToken, roles []string, memberExp *time.Time, now time.Time) error {
	if t == nil || !t.Usable(now) || t.OrgID != org.ID {
		return gatehouse.Forbidden(gatehouse.ReasonEscalation, "the SCIM connection that invited you was revoked; ask for a new invite")
	}
	c, _ := ScimCaller(cat, org, t, gatehouse.Actor{})
	if err := Give(c, PolicyOf(cat, org), roles, nil); err != nil {
		return gatehouse.Forbidden(gatehouse.ReasonEscalation, "the SCIM connection that invited you can no longer give this access; ask for a new invite")
	}
	if err := CheckExpiry(c, memberExp); err != nil {
		return gatehouse.Forbidden(gatehouse.ReasonExpiryCeiling, "the SCIM connection that invited you can no longer give this access; ask for a new invite")
	}
	return nil
}
