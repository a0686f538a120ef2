package authz

import (
	"slices"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// This file holds the rules that decide over more than one permission: who
// a user is in an org (rules 1, 3 and 5), what a caller may give away (rule
// 6), whom it may act on (rules 6 and 7) and which expiries it may set (rule
// 8). The authorizer, the check API and every service call these; none of
// them derives a role, a flag or a ceiling on its own (docs/rules.md,
// docs/security.md).

// Standing is what the store holds about one user in one org: the account,
// its membership of the org (nil if none) and its memberships of the org's
// ancestors (rule 5).
type Standing struct {
	User       *gatehouse.User
	Membership *gatehouse.Membership
	Ancestors  []*gatehouse.Membership
}

// Refusal is why a user has no standing in an org: a code (forbidden or
// expired) and a reason.
type Refusal struct {
	Code   gatehouse.Code
	Reason string
}

// Err turns the refusal into the error a service returns.
func (r *Refusal) Err() error {
	if r.Code == gatehouse.CodeExpired {
		return &gatehouse.Error{Code: gatehouse.CodeExpired, Reason: r.Reason, Message: "access has expired"}
	}
	return gatehouse.Forbidden(r.Reason, "no access to this org (%s)", r.Reason)
}

// AccountRefusal applies rule 1 to the account alone: a missing, disabled
// or expired account has no standing anywhere. nil when usable.
func AccountRefusal(u *gatehouse.User, now time.Time) *Refusal {
	switch {
	case u == nil:
		return &Refusal{Code: gatehouse.CodeForbidden, Reason: gatehouse.ReasonNoProfile}
	case u.Status != gatehouse.StatusActive:
		return &Refusal{Code: gatehouse.CodeForbidden, Reason: gatehouse.ReasonDisabled}
	case !u.Usable(now):
		return &Refusal{Code: gatehouse.CodeExpired, Reason: gatehouse.ReasonExpired}
	}
	return nil
}

// SubjectOf builds the evaluator's subject for a user in an org, with its
// expiry ceiling, or says why the user has none (rule 1).
//
// Rule 5: an owner or admin of an ancestor org acts as admin here, bound by
// its own flags, status and expiry there and by nothing the sub-org says:
// a disabled, expired or flagged membership of the sub-org itself neither
// cuts nor narrows that authority. The sub-org membership adds its roles and
// groups only while it is usable itself.
func SubjectOf(st Standing, now time.Time) (Subject, *time.Time, *Refusal) {
	inherited := inheritedFrom(st.Ancestors, now)
	m := st.Membership
	if m == nil && inherited == nil {
		// Not even whether an account exists is told to someone asking
		// about a non-member.
		return Subject{}, nil, &Refusal{Code: gatehouse.CodeForbidden, Reason: gatehouse.ReasonNotMember}
	}
	if r := AccountRefusal(st.User, now); r != nil {
		return Subject{}, nil, r
	}
	ownUsable := m != nil && m.Usable(now)
	if inherited == nil {
		switch {
		case m == nil:
			return Subject{}, nil, &Refusal{Code: gatehouse.CodeForbidden, Reason: gatehouse.ReasonNotMember}
		case m.Status != gatehouse.StatusActive:
			return Subject{}, nil, &Refusal{Code: gatehouse.CodeForbidden, Reason: gatehouse.ReasonDisabled}
		case !ownUsable:
			return Subject{}, nil, &Refusal{Code: gatehouse.CodeExpired, Reason: gatehouse.ReasonExpired}
		}
	}
	sub := Subject{UserID: st.User.ID, Groups: []string{GroupAll}}
	var ceiling *time.Time
	if ownUsable {
		sub.Roles = m.Roles
		sub.Groups = append(slices.Clone(m.Groups), GroupAll)
		sub.Readonly, sub.ResourceReadonly = m.Readonly, m.ResourceReadonly
		ceiling = m.ExpiresAt
	}
	if inherited != nil {
		// The inherited authority carries the flags of the ancestor
		// membership it comes from, and only those: the sub-org's flags
		// bind the sub-org's roles (rule 5, rule 3).
		sub.InheritedAdmin = true
		sub.InheritedReadonly, sub.InheritedResourceReadonly = inherited.Readonly, inherited.ResourceReadonly
		ceiling = laterCeiling(ceiling, ownUsable, inherited.ExpiresAt)
	}
	return sub, earliest(st.User.ExpiresAt, ceiling), nil
}

// inheritedFrom picks the ancestor membership that gives rule 5's
// authority: usable, owner or admin there; the least restricted one when
// several do (no flags first, then the latest expiry).
func inheritedFrom(ancestors []*gatehouse.Membership, now time.Time) *gatehouse.Membership {
	var best *gatehouse.Membership
	for _, am := range ancestors {
		if am == nil || !am.Usable(now) || !(am.HasRole(RoleOwner) || am.HasRole(RoleAdmin)) {
			continue
		}
		if best == nil || restriction(am) < restriction(best) ||
			(restriction(am) == restriction(best) && later(am.ExpiresAt, best.ExpiresAt)) {
			best = am
		}
	}
	return best
}

func restriction(m *gatehouse.Membership) int {
	n := 0
	if m.Readonly {
		n += 2
	}
	if m.ResourceReadonly {
		n++
	}
	return n
}

// later reports whether expiry a ends after b (nil: never).
func later(a, b *time.Time) bool {
	switch {
	case a == nil:
		return b != nil
	case b == nil:
		return false
	}
	return a.After(*b)
}

func earliest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.Before(*a):
		return b
	}
	return a
}

// laterCeiling is the ceiling when authority comes from both the org's own
// membership and an ancestor's: whatever the caller gives under it must end
// when the authority it acted with does, so the later of the two bounds it
// (the caller holds authority until both have ended).
func laterCeiling(own *time.Time, ownUsable bool, inherited *time.Time) *time.Time {
	if !ownUsable || later(inherited, own) {
		return inherited
	}
	return own
}

// GroupAll is the built-in group every member belongs to.
const GroupAll = "all"

// CallerOf is the caller a compiled subject makes: the identity, the
// effective roles and permissions and the ceiling.
func CallerOf(actor gatehouse.Actor, orgID string, e *Effective, ceiling *time.Time) gatehouse.Caller {
	return gatehouse.Caller{
		Actor: actor, OrgID: orgID, Roles: e.Roles(), Permissions: e.Permissions(),
		Inherited: e.subject.InheritedAdmin, ExpiresAt: ceiling,
	}
}

// StandingCaller is the caller a user is in an org now, as the authorizer
// would build it for a signed-in request: what the check API decides for
// the user it is asked about, and what an invite is checked against again
// when it is accepted (rule 6).
func StandingCaller(cat *Catalogue, org *gatehouse.Org, st Standing, now time.Time) (*gatehouse.Caller, *Effective, *Refusal) {
	sub, ceiling, r := SubjectOf(st, now)
	if r != nil {
		return nil, nil, r
	}
	eff := Compile(PolicyOf(cat, org), sub)
	c := CallerOf(gatehouse.Actor{UserID: st.User.ID, Email: st.User.Email, PlatformAdmin: st.User.PlatformAdmin}, org.ID, eff, ceiling)
	return &c, eff, nil
}

// isOwner and isAdmin are the caller's standing as rule 6 reads it: the role
// held, whatever its permissions; what the role lets it give is decided by
// the effective set.
func isOwner(c *gatehouse.Caller) bool { return c.HasRole(RoleOwner) }
func isAdmin(c *gatehouse.Caller) bool { return isOwner(c) || c.HasRole(RoleAdmin) }

// Give applies rule 6, the one rule of no escalation, to anything a caller
// puts into a membership, a group, a custom role, an invite or a token:
// every role must exist in the org (400 otherwise); only an owner gives
// owner and only an owner or admin gives admin; and every permission given,
// by a role or one by one, must be in the caller's effective set (rule 2:
// a narrowed token or a read-only flag gives no more than it holds).
func Give(c *gatehouse.Caller, p *OrgPolicy, roles, perms []string) error {
	var v gatehouse.Validator
	for _, r := range roles {
		if _, ok := p.RolePermissions(r); !ok {
			v.Add("roles", "unknown role %q", r)
		}
	}
	for _, perm := range perms {
		if !p.Catalogue.Known(perm) {
			v.Add("permissions", "unknown permission %q", perm)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	for _, r := range roles {
		switch r {
		case RoleOwner:
			if !isOwner(c) {
				return gatehouse.Forbidden(gatehouse.ReasonEscalation, "only an owner can make an owner")
			}
		case RoleAdmin:
			if !isAdmin(c) {
				return gatehouse.Forbidden(gatehouse.ReasonEscalation, "only an owner or an admin can make an admin")
			}
		}
		rp, _ := p.RolePermissions(r)
		for _, perm := range rp {
			if !c.Has(perm) {
				return gatehouse.Forbidden(gatehouse.ReasonEscalation, "role %q gives %s, which you do not hold here", r, perm)
			}
		}
	}
	for _, perm := range perms {
		if !c.Has(perm) {
			return gatehouse.Forbidden(gatehouse.ReasonEscalation, "you cannot give %s: you do not hold it here", perm)
		}
	}
	return nil
}

// MaxManagerDepth bounds the walk up a managedBy chain (rule 7).
const MaxManagerDepth = 16

// ActOn applies rules 6 and 7 to acting on an existing member (changing,
// disabling, removing, reading it as a manager): only an owner acts on an
// owner and only an owner or admin on an admin, each holding what that role
// gives (a narrowed token does not); below admin, the caller acts only on
// members it manages, directly or through the managers it manages, and only
// on members whose roles it could give. managers is the target's managedBy
// chain upwards, as far as the store could follow it.
func ActOn(c *gatehouse.Caller, p *OrgPolicy, target *gatehouse.Membership, managers []*gatehouse.Membership) error {
	for _, r := range []string{RoleOwner, RoleAdmin} {
		if target.HasRole(r) {
			if err := Give(c, p, []string{r}, nil); err != nil {
				return gatehouse.Forbidden(gatehouse.ReasonEscalation, "only someone who can make an %s can act on one", r)
			}
		}
	}
	if isAdmin(c) {
		return nil
	}
	if !Manages(c.UserID, target, managers) {
		return gatehouse.Forbidden(gatehouse.ReasonNotManaged, "you do not manage this member")
	}
	if err := Give(c, p, target.Roles, nil); err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.CodeForbidden {
			return gatehouse.Forbidden(gatehouse.ReasonEscalation, "the member holds permissions you do not hold")
		}
		return err
	}
	return nil
}

// Manages reports whether userID manages target, directly or through a
// chain of managers it manages (rule 7). managers is target's managedBy
// chain upwards: managers[i] is the membership of the manager of the member
// before it.
func Manages(userID string, target *gatehouse.Membership, managers []*gatehouse.Membership) bool {
	id := target.ManagedBy
	for depth := 0; depth <= MaxManagerDepth && id != "" && id != target.UserID; depth++ {
		if id == userID {
			return true
		}
		if depth >= len(managers) || managers[depth] == nil || managers[depth].UserID != id {
			return false
		}
		id = managers[depth].ManagedBy
	}
	return false
}

// HasManagedRoom reports whether a manager's userLimit (-1 unlimited)
// leaves room for one more managed slot (rule 7). The store's transaction
// decides, over the manager and every manager above it; this refuses early,
// before anything outside the table is touched.
func HasManagedRoom(own *gatehouse.Membership) bool {
	return own.UserLimit < 0 || own.ManagedCount+own.PendingInvites < own.UserLimit
}

// ReadsOnlyManaged reports whether the caller reads only the members it
// manages and itself (rule 7): a manager below admin, whatever other role
// gives it members:read.
func ReadsOnlyManaged(c *gatehouse.Caller) bool { return c.HasRole(RoleManager) && !isAdmin(c) }

// SetsLimits applies rule 7 to member limits: owners and admins set any;
// below admin a caller hands down at most its own limits (its own
// membership, own).
func SetsLimits(c *gatehouse.Caller, own *gatehouse.Membership, userLimit, resourceLimit int) error {
	if isAdmin(c) {
		return nil
	}
	if own == nil || !within(userLimit, own.UserLimit) || !within(resourceLimit, own.ResourceLimit) {
		return gatehouse.Forbidden(gatehouse.ReasonEscalation, "limits cannot exceed your own")
	}
	return nil
}

func within(v, own int) bool {
	if own == -1 {
		return true
	}
	return v != -1 && v <= own
}

// ActsOnInvite applies rules 6 and 7 to a pending invite: owners and
// admins act on every invite of the org, anyone else only on its own.
func ActsOnInvite(c *gatehouse.Caller, invitedBy string) error {
	if isAdmin(c) || invitedBy == c.UserID {
		return nil
	}
	return gatehouse.Forbidden(gatehouse.ReasonNotManaged, "you can only act on your own invites")
}

// SetsQuotas decides who sets an org's quotas (docs/limits-and-expiry.md):
// a platform admin signed in (no API token) for any org; for a sub-org, an
// owner or admin of an ancestor (rule 5; ancestors are the caller's
// memberships of the org's ancestors) who may write there, never the
// sub-org's own members as such.
func SetsQuotas(c *gatehouse.Caller, o *gatehouse.Org, ancestors []*gatehouse.Membership, now time.Time) error {
	switch {
	case c.PlatformAdmin && c.TokenID == "":
		return nil
	case len(o.Ancestors) == 0:
		return gatehouse.Forbidden(gatehouse.ReasonNotPlatformAdmin, "the quotas of a top-level org are set by a platform admin")
	}
	if in := inheritedFrom(ancestors, now); in == nil || in.Readonly || !c.Has("limits:update") {
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm,
			"only an owner or admin of a parent org, or a platform admin, may change an org's quotas")
	}
	return nil
}

// ActsOnToken reports whether the caller may see and revoke an API token of
// userID: its own, or any of the org's for owners and admins.
func ActsOnToken(c *gatehouse.Caller, userID string) bool {
	return userID == c.UserID || isAdmin(c)
}

// MintsAccounts applies rule 11 to creating an account directly: an org may
// mint one it can sign in to (a password, a displayed activation link, a
// verified address) only under a domain it has verified, or when a platform
// admin does it. Anyone else's creation sends the activation link to the
// mailbox, whose reader alone can verify the address.
func MintsAccounts(c *gatehouse.Caller, email string, verifiedDomains []string) bool {
	if c.PlatformAdmin && c.TokenID == "" {
		return true
	}
	return slices.Contains(verifiedDomains, gatehouse.EmailDomain(email))
}

// PlatformAdminMFA applies the platform admins' MFA rule: where the
// deployment requires it (every stage but dev), a platform admin acts only
// with a TOTP authenticator enabled, so that its sign-in asked for it.
// Cognito cannot require MFA of some users only; Gatehouse does.
func PlatformAdminMFA(required, hasTOTP bool) error {
	if required && !hasTOTP {
		return gatehouse.Forbidden(gatehouse.ReasonMFARequired, "platform admins must enable a TOTP authenticator (MFA) before acting")
	}
	return nil
}

// GroupBindable reports whether a group may carry role: every role but
// owner, which is given to members directly so that the org's count of
// usable owners (rule 9) stays exact.
func GroupBindable(role string) bool { return role != RoleOwner }

// MintsTokens applies rule 6 to API tokens: a token is made by a person
// signed in, never by another token, whose chain would outlive a
// revocation of the first.
func MintsTokens(c *gatehouse.Caller) error {
	if c.TokenID != "" {
		return gatehouse.Forbidden(gatehouse.ReasonTokenNarrowing, "API tokens are created by a signed-in user, not by another token")
	}
	return nil
}

// CreatesManaged reports whether a member the caller creates or invites is
// managed by it (rule 7): below admin, it is, with no limits of its own.
func CreatesManaged(c *gatehouse.Caller) bool { return !isAdmin(c) }

// CheckExpiry applies rule 8 to an expiry the caller sets on someone: with
// a ceiling of its own, the caller can neither set a later one nor none.
func CheckExpiry(c *gatehouse.Caller, exp *time.Time) error {
	if c.ExpiresAt == nil {
		return nil
	}
	if exp == nil {
		return gatehouse.Forbidden(gatehouse.ReasonExpiryCeiling, "you cannot set no expiry: your own access expires at %s", c.ExpiresAt.Format(time.RFC3339))
	}
	if exp.After(*c.ExpiresAt) {
		return gatehouse.Forbidden(gatehouse.ReasonExpiryCeiling, "the expiry cannot be later than your own (%s)", c.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// CheckOwnExpiry applies rule 8 to the caller's own membership: earlier is
// always allowed; later, or none, only for an owner or admin without a
// ceiling.
func CheckOwnExpiry(c *gatehouse.Caller, before, after *time.Time) error {
	if !later(after, before) {
		return nil
	}
	if isAdmin(c) && c.ExpiresAt == nil {
		return nil
	}
	return gatehouse.Forbidden(gatehouse.ReasonExpiryCeiling, "you cannot extend your own expiry")
}

// DefaultExpiry is the expiry of what the caller creates, invites or gets
// through its own acts (rule 8): the one asked for, else exactly the
// caller's ceiling.
func DefaultExpiry(c *gatehouse.Caller, exp *time.Time) *time.Time {
	if exp != nil {
		t := exp.UTC()
		return &t
	}
	if c.ExpiresAt != nil {
		t := c.ExpiresAt.UTC()
		return &t
	}
	return nil
}

// MayExpireLastOwner applies rule 9's exception: an org meant to end (a
// subscription) may have its last usable owner given an expiry, but only
// by a platform admin signed in (no API token) or by an owner or admin of
// a parent org acting with that inherited authority (rule 5). Inside the
// org nobody may: removing, demoting or disabling that owner, or its
// leaving, stays refused for everyone (the store's ownerCount guard).
func MayExpireLastOwner(c *gatehouse.Caller) bool {
	return (c.PlatformAdmin && c.TokenID == "") || c.Inherited
}

// ActOnExpiry applies rules 6 and 7 to setting a member's expiry to exp,
// with rule 9's exception: a caller that may end an org's last owner
// (MayExpireLastOwner: a platform admin, or a parent org's owner or admin
// acting here as admin under rule 5) may give any member an expiry, owners
// included, so that an org meant to end does end. The exception only ends
// access sooner: extending or clearing an expiry gives access back, which
// rule 6 leaves to whoever could give it (ActOn).
func ActOnExpiry(c *gatehouse.Caller, p *OrgPolicy, target *gatehouse.Membership, managers []*gatehouse.Membership, exp *time.Time) error {
	sooner := exp != nil && !later(exp, target.ExpiresAt)
	if sooner && MayExpireLastOwner(c) && c.Has("members:update") {
		return nil
	}
	return ActOn(c, p, target, managers)
}
