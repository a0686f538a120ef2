// Package members is the membership use case: list, read, create users
// directly, change flags, expiry, roles and limits, remove and leave. It
// enforces the rules of DESIGN.md section 3 that need data (no escalation,
// managers act only on the members they manage, the expiry ceiling); the
// store enforces the ones that need atomicity (last owner, quotas, user
// limits) as conditions of one transaction per mutation.
//
// The rule helpers are exported for the invites and roles use cases, which
// apply the same rules.
package members

import (
	"context"
	"slices"
	"time"
	"unicode"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Caller is who makes a request, with what the authorizer established in
// the org of the path: effective roles and permissions, and the expiry
// ceiling (the earliest of its account's and membership's expiry).
type Caller struct {
	gatehouse.Actor
	OrgID       string
	Roles       []string
	Permissions []string
	ExpiresAt   *time.Time
}

// CallerFrom reads the caller from the authorizer's context. An expiry
// ceiling that does not parse is treated as already passed (fail closed).
func CallerFrom(c apigw.Caller) Caller {
	out := Caller{Actor: c.Actor(), OrgID: c.OrgID, Roles: c.Roles, Permissions: c.Permissions}
	if c.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339Nano, c.ExpiresAt)
		if err != nil {
			t = time.Unix(0, 0).UTC()
		}
		out.ExpiresAt = &t
	}
	return out
}

// IsOwner reports whether the caller holds the owner role in the org.
func (c Caller) IsOwner() bool { return slices.Contains(c.Roles, authz.RoleOwner) }

// IsAdmin reports whether the caller is owner or admin in the org
// (directly, by a group or inherited from an ancestor org).
func (c Caller) IsAdmin() bool { return c.IsOwner() || slices.Contains(c.Roles, authz.RoleAdmin) }

// Holds reports whether the caller holds perm in the org.
func (c Caller) Holds(perm string) bool { return slices.Contains(c.Permissions, perm) }

// MaxRoles bounds the roles of one membership or invite.
const MaxRoles = 20

// ValidateRoles checks a role list's shape: at least one role, no
// duplicates, at most MaxRoles.
func ValidateRoles(v *gatehouse.Validator, roles []string) {
	v.Check(len(roles) > 0, "roles", "at least one role is required")
	v.Check(len(roles) <= MaxRoles, "roles", "at most %d roles", MaxRoles)
	seen := map[string]bool{}
	for _, r := range roles {
		if seen[r] {
			v.Add("roles", "role %q is listed twice", r)
		}
		seen[r] = true
	}
}

// CheckAssignable applies rule 6 to giving roles: each role must exist in
// the org (400 otherwise); only an owner gives owner, only owner/admin give
// admin, and nobody gives a role with a permission it does not hold (403
// escalation).
func CheckAssignable(c Caller, p *authz.OrgPolicy, roles []string) error {
	var v gatehouse.Validator
	for _, r := range roles {
		if _, ok := p.RolePermissions(r); !ok {
			v.Add("roles", "unknown role %q", r)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	for _, r := range roles {
		perms, _ := p.RolePermissions(r)
		switch r {
		case authz.RoleOwner:
			if !c.IsOwner() {
				return gatehouse.Forbidden(gatehouse.ReasonEscalation, "only an owner can make an owner")
			}
			continue
		case authz.RoleAdmin:
			if !c.IsAdmin() {
				return gatehouse.Forbidden(gatehouse.ReasonEscalation, "only an owner or an admin can make an admin")
			}
			continue
		}
		for _, perm := range perms {
			if !c.Holds(perm) {
				return gatehouse.Forbidden(gatehouse.ReasonEscalation, "role %q gives %s, which you do not hold", r, perm)
			}
		}
	}
	return nil
}

// CheckCeiling applies rule 8 to an expiry the caller sets: a caller with
// an expiry ceiling cannot set anyone's expiry later than it, nor none.
func CheckCeiling(c Caller, exp *time.Time) error {
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

// DefaultExpiry is the expiry of a member the caller creates or invites:
// the one asked for, else exactly the caller's ceiling (rule 8).
func DefaultExpiry(c Caller, exp *time.Time) *time.Time {
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

// maxManagerDepth bounds the walk up the managedBy chain.
const maxManagerDepth = 16

// CanActOn applies rules 6 and 7 to acting on an existing member: only an
// owner acts on an owner, only owner/admin on an admin; below admin the
// caller acts only on members it manages, directly or through managers it
// manages, and only on members whose roles it could give. It returns the
// memberships of the chain, to pin at commit.
func CanActOn(ctx context.Context, st *dynamo.Store, c Caller, p *authz.OrgPolicy, target *gatehouse.Membership) ([]*gatehouse.Membership, error) {
	if target.HasRole(authz.RoleOwner) && !c.IsOwner() {
		return nil, gatehouse.Forbidden(gatehouse.ReasonEscalation, "only an owner can change an owner")
	}
	if target.HasRole(authz.RoleAdmin) && !c.IsAdmin() {
		return nil, gatehouse.Forbidden(gatehouse.ReasonEscalation, "only an owner or an admin can change an admin")
	}
	if c.IsAdmin() {
		return nil, nil
	}
	var chain []*gatehouse.Membership
	id := target.ManagedBy
	for depth := 0; ; depth++ {
		if id == "" || depth >= maxManagerDepth || id == target.UserID {
			return nil, gatehouse.Forbidden(gatehouse.ReasonNotManaged, "you do not manage this member")
		}
		if id == c.UserID {
			break
		}
		m, err := st.Membership(ctx, target.OrgID, id)
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
			return nil, gatehouse.Forbidden(gatehouse.ReasonNotManaged, "you do not manage this member")
		}
		if err != nil {
			return nil, err
		}
		chain = append(chain, m)
		id = m.ManagedBy
	}
	if err := CheckAssignable(c, p, target.Roles); err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.CodeForbidden {
			return nil, gatehouse.Forbidden(gatehouse.ReasonEscalation, "the member holds permissions you do not hold")
		}
		return nil, err
	}
	return chain, nil
}

// ValidPassword checks the pool's password policy: 8 to 256 characters with
// at least one letter and one digit.
func ValidPassword(pw string) bool {
	if len(pw) < 8 || len(pw) > 256 {
		return false
	}
	var letter, digit bool
	for _, r := range pw {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	return letter && digit
}

// ValidEmail is a deliberately small check: one @, a dot in the domain, no
// spaces, at most 254 characters.
func ValidEmail(e string) bool {
	if len(e) < 3 || len(e) > 254 {
		return false
	}
	at := -1
	for i, r := range e {
		if unicode.IsSpace(r) || r == ',' || r == ';' || r == '<' || r == '>' {
			return false
		}
		if r == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at <= 0 || at == len(e)-1 {
		return false
	}
	dom := e[at+1:]
	for i := 1; i < len(dom)-1; i++ {
		if dom[i] == '.' {
			return true
		}
	}
	return false
}
