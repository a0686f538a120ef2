// Package members is the membership use case: list, read, create users
// directly, change flags, expiry, roles and limits, remove and leave. It
// enforces the rules of DESIGN.md section 3 that need data (no escalation,
// managers act only on the members they manage, the expiry ceiling); the
// store enforces the ones that need atomicity (last owner, quotas, user
// limits) as conditions of one transaction per mutation.
//
// The rule helpers are exported for the invites and roles use cases, which
// apply the same rules; the shape checks of emails, passwords and role
// lists are the domain's (shared/gatehouse).
package members

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

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
