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
	"unicode"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

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

// membershipReader reads one membership.
type membershipReader interface {
	Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error)
}

// managers reads the target's managedBy chain upwards, as far as rule 7
// looks (authz.MaxManagerDepth), stopping at the caller: what authz.ActOn
// needs to decide whether the caller manages the target. The memberships
// read are returned to pin at commit.
func managers(ctx context.Context, st membershipReader, callerID string, target *gatehouse.Membership) ([]*gatehouse.Membership, error) {
	var chain []*gatehouse.Membership
	id := target.ManagedBy
	for depth := 0; depth < authz.MaxManagerDepth && id != "" && id != callerID && id != target.UserID; depth++ {
		m, err := st.Membership(ctx, target.OrgID, id)
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
			break
		}
		if err != nil {
			return nil, err
		}
		chain = append(chain, m)
		id = m.ManagedBy
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
