package invites

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// An invite made by a SCIM token (docs/scim.md) names the token as its
// inviter: at acceptance the token, not a user, must still give what the
// invite gives (rule 6).

// scimTokenStore reads a SCIM token (*dynamo.Store).
type scimTokenStore interface {
	ScimToken(ctx context.Context, orgID, tokenID string) (*gatehouse.ScimToken, string, error)
}

// madeByScimToken reports whether an inviter id is a SCIM token's.
func madeByScimToken(invitedBy string) bool { return strings.HasPrefix(invitedBy, "sct_") }

func (s *Service) scimInviterStillGives(ctx context.Context, org *gatehouse.Org, inv *gatehouse.Invite, roles []string, now time.Time) error {
	var tok *gatehouse.ScimToken
	if st, ok := s.store.(scimTokenStore); ok {
		t, _, err := st.ScimToken(ctx, inv.OrgID, inv.InvitedBy)
		if err != nil && gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
			return err
		}
		tok = t
	}
	return authz.ScimInviterStillGives(s.cat, org, tok, roles, inv.MemberExpiresAt, now)
}
