package tokens

import (
	"context"
	"regexp"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// The embedded view, Traccar's way (issue 17 item 8, DESIGN section 5):
// an admin makes a member read-only and creates a read-only token for it;
// ?token= then shows exactly what that member may see. A token may also be
// narrowed to one collection (a share link for one customer's devices).

var collectionID = regexp.MustCompile(`^col_[a-z2-7]{26}$`)

// embedded checks the parts of a creation that make an embedded-view
// token and returns the user the token is for. Rules are authz's:
// MintsTokenFor (rules 6 and 7, the member read-only, the token
// read-only) and CollectionTokenPermissions (a collection token only reads
// resources). The store's transaction checks the member is still active
// and, for another member, still read-only.
func (s *Service) embedded(ctx context.Context, caller *gatehouse.Caller, orgID string, in *Input) (string, error) {
	owner := caller.UserID
	if in.UserID != "" && in.UserID != caller.UserID {
		org, err := s.store.Org(ctx, orgID)
		if err != nil {
			return "", err
		}
		target, err := s.store.Membership(ctx, orgID, in.UserID)
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
			return "", gatehouse.Invalid(gatehouse.FieldError{Field: "userId", Message: "is not a member of the org"})
		}
		if err != nil {
			return "", err
		}
		managers, err := s.store.ManagerChain(ctx, orgID, target)
		if err != nil {
			return "", err
		}
		if err := authz.MintsTokenFor(caller, authz.PolicyOf(s.catalogue, org), target, managers, in.Readonly); err != nil {
			return "", err
		}
		owner = target.UserID
	}
	if in.CollectionID != "" {
		if !in.Readonly {
			return "", gatehouse.Invalid(gatehouse.FieldError{Field: "readonly", Message: "must be true for a token narrowed to a collection"})
		}
		if !collectionID.MatchString(in.CollectionID) {
			return "", gatehouse.Invalid(gatehouse.FieldError{Field: "collectionId", Message: "is not a collection of the org"})
		}
		ok, err := s.store.CollectionExists(ctx, orgID, in.CollectionID)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", gatehouse.Invalid(gatehouse.FieldError{Field: "collectionId", Message: "is not a collection of the org"})
		}
		perms, err := authz.CollectionTokenPermissions(s.catalogue, in.Permissions)
		if err != nil {
			return "", err
		}
		in.Permissions = perms
	}
	return owner, nil
}
