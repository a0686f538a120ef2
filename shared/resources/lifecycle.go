package resources

import (
	"context"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Resource lifecycle (issue 17, docs/resources.md "Lifecycle"): read one,
// rename and change metadata, transfer to another member. Unregistering is
// Unregister (rule 10: <type>:delete and access, so an owner deletes its
// own even at resourceLimit 0).

// Metadata bounds.
const (
	MaxMetadataKeys     = 20
	maxMetadataValueLen = 500
)

// isMetadataKey: 1 to 64 letters, digits and . _ -, starting with a
// letter.
func isMetadataKey(s string) bool {
	return gatehouse.Token(s, 64, gatehouse.IsAlpha, gatehouse.AlnumOr("_.-"))
}

// Get reads one resource the caller may read (or share).
func (s *Service) Get(ctx context.Context, caller *gatehouse.Caller, orgID string, ref gatehouse.Ref) (*View, error) {
	snap, eff, r, err := s.loadOne(ctx, caller, orgID, ref)
	if err != nil {
		return nil, err
	}
	return s.viewOf(r, eff.IsAdmin() || r.OwnerID == caller.UserID, snap), nil
}

// UpdateInput is the body of PATCH .../resources/{type}/{resourceId}: what
// is sent changes, what is omitted stays. Metadata replaces the whole map
// (an empty object clears it).
type UpdateInput struct {
	Name     *string            `json:"name,omitempty"`
	Metadata *map[string]string `json:"metadata,omitempty"`
}

// Update renames a resource or replaces its metadata: <type>:update and
// access (rule 4); an owner at resourceLimit 0 still does (rule 10).
func (s *Service) Update(ctx context.Context, caller *gatehouse.Caller, orgID string, ref gatehouse.Ref, in UpdateInput) (*View, error) {
	var v gatehouse.Validator
	v.Check(in.Name != nil || in.Metadata != nil, "name", "give name and/or metadata")
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		v.Check(n != "" && gatehouse.PrintableText(n, 200), "name", "must be 1 to 200 printable characters")
		in.Name = &n
	}
	if in.Metadata != nil {
		m := *in.Metadata
		v.Check(len(m) <= MaxMetadataKeys, "metadata", "at most %d keys", MaxMetadataKeys)
		for k, val := range m {
			v.Check(isMetadataKey(k), "metadata", "key %q must be 1 to 64 letters, digits, . _ - starting with a letter", k)
			v.Check(gatehouse.PrintableText(val, maxMetadataValueLen), "metadata", "the value of %q must be at most %d printable characters", k, maxMetadataValueLen)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	snap, eff, r, err := s.loadOne(ctx, caller, orgID, ref)
	if err != nil {
		return nil, err
	}
	if err := eff.UpdatesResource(authz.ResourceIn(r, snap.TypeGrants[ref.Type], snap.Collections), s.store.Now()); err != nil {
		return nil, err
	}
	after := *r
	if in.Name != nil {
		after.Name = *in.Name
	}
	if in.Metadata != nil {
		after.Metadata = *in.Metadata
		if len(after.Metadata) == 0 {
			after.Metadata = nil
		}
	}
	if err := s.store.UpdateResource(ctx, r, &after, caller.Actor); err != nil {
		return nil, err
	}
	return s.viewOf(&after, eff.IsAdmin() || after.OwnerID == caller.UserID, snap), nil
}

// TransferInput is the body of POST .../resources/{type}/{resourceId}/transfer.
type TransferInput struct {
	OwnerID string `json:"ownerId"`
}

// Transfer gives a resource to another active member of the org: owners
// and admins only (rule 10), within the recipient's resourceLimit (and its
// managers', as a registration counts; 409 limit_exceeded).
func (s *Service) Transfer(ctx context.Context, caller *gatehouse.Caller, orgID string, ref gatehouse.Ref, in TransferInput) (*View, error) {
	var v gatehouse.Validator
	v.Check(strings.TrimSpace(in.OwnerID) != "", "ownerId", "is required")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !s.catalogue.IsResourceType(ref.Type) {
		return nil, gatehouse.NotFound("resource type")
	}
	snap, err := s.snapshot(ctx, caller, orgID, unique(caller.UserID, in.OwnerID), []gatehouse.Ref{ref}, []string{ref.Type})
	if err != nil {
		return nil, err
	}
	eff, err := s.callerEffective(snap, caller)
	if err != nil {
		return nil, err
	}
	r := snap.Resources[ref]
	now := s.store.Now()
	if r == nil || !eff.CheckResource(authz.ActionRead, authz.ResourceIn(r, snap.TypeGrants[ref.Type], snap.Collections), now).Allowed {
		return nil, gatehouse.NotFound("resource")
	}
	if err := eff.TransfersResource(authz.ResourceIn(r, snap.TypeGrants[ref.Type], snap.Collections), now); err != nil {
		return nil, err
	}
	if in.OwnerID == r.OwnerID {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "ownerId", Message: "already owns the resource"})
	}
	to := snap.Members[in.OwnerID]
	if to == nil || !to.Usable(now) {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "ownerId", Message: "is not an active member of the org"})
	}
	managers, err := s.store.ManagerChain(ctx, orgID, to)
	if err != nil {
		return nil, err
	}
	counted := []string{to.UserID}
	for _, m := range managers {
		counted = append(counted, m.UserID)
	}
	after, err := s.store.TransferResource(ctx, r, counted, caller.Actor)
	if err != nil {
		return nil, err
	}
	return s.viewOf(after, true, snap), nil
}
