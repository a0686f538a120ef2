package resources

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
)

// Collections (issue 17, docs/resources.md "Collections"): named sets of
// resources of one org whose grants reach every resource they hold. The
// rules are authz's (rules_collections.go); the evaluator applies a
// collection's grants through authz.ResourceIn.

// CollectionStore is what the collection and lifecycle use cases read and
// write.
type CollectionStore interface {
	CreateCollection(ctx context.Context, c *gatehouse.Collection, actor gatehouse.Actor) error
	Collection(ctx context.Context, orgID, collID string) (*gatehouse.Collection, error)
	CollectionsPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.Collection, string, error)
	UpdateCollection(ctx context.Context, before, after *gatehouse.Collection, actor gatehouse.Actor) error
	DeleteCollection(ctx context.Context, c *gatehouse.Collection, actor gatehouse.Actor) error
	SetCollectionGrants(ctx context.Context, c *gatehouse.Collection, grants []authz.Grant, actor gatehouse.Actor) (*gatehouse.Collection, error)
	FileResource(ctx context.Context, r *gatehouse.Resource, collID string, keep []string, add bool, actor gatehouse.Actor) error
	CollectionRefsAfter(ctx context.Context, orgID, collID, typ, after string, limit int) (*dynamo.ResourcePage, error)
	CollectionRefsPage(ctx context.Context, orgID, collID string, limit int, cursor string) ([]gatehouse.Ref, string, error)
	UpdateResource(ctx context.Context, before, after *gatehouse.Resource, actor gatehouse.Actor) error
	TransferResource(ctx context.Context, r *gatehouse.Resource, counted []string, actor gatehouse.Actor) (*gatehouse.Resource, error)
}

var collectionID = regexp.MustCompile(`^col_[a-z2-7]{26}$`)

// snapshot loads the evaluator's data for a caller: for an API token, the
// token's item comes in the same read (its collection narrowing).
func (s *Service) snapshot(ctx context.Context, caller *gatehouse.Caller, orgID string, userIDs []string, refs []gatehouse.Ref, types []string) (*dynamo.Snapshot, error) {
	return s.store.LoadSnapshotAs(ctx, orgID, caller.APITokenID(), userIDs, refs, types)
}

// collectionSource is the stream of a collection's resources.
func (s *Service) collectionSource(ctx context.Context, orgID, collID, typ string) source {
	return func(after string, limit int) (*dynamo.ResourcePage, error) {
		return s.store.CollectionRefsAfter(ctx, orgID, collID, typ, after, limit)
	}
}

// collectionsAllowingRead lists the collections with a live grant allowing
// read to one of principals, in id order (a stable set of streams). The
// evaluator still decides every candidate (a deny elsewhere wins).
func collectionsAllowingRead(collections map[string][]authz.Grant, principals []string, now time.Time) []string {
	var out []string
	for id, grants := range collections {
		if typeGrantAllowsRead(grants, principals, now) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// CollectionInput is the body of POST .../collections and of PATCH
// .../collections/{collectionId} (where omitted fields stay).
type CollectionInput struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

func validCollection(in CollectionInput, create bool) (name, desc *string, err error) {
	var v gatehouse.Validator
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		v.Check(n != "" && gatehouse.PrintableText(n, 100), "name", "must be 1 to 100 printable characters")
		name = &n
	} else if create {
		v.Add("name", "is required")
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		v.Check(gatehouse.PrintableText(d, 500), "description", "must be at most 500 printable characters")
		desc = &d
	}
	return name, desc, v.Err()
}

// collectionCaller compiles the caller's permissions for a collection use
// case (no resource involved).
func (s *Service) collectionCaller(ctx context.Context, caller *gatehouse.Caller, orgID string) (*dynamo.Snapshot, *authz.Effective, error) {
	snap, err := s.snapshot(ctx, caller, orgID, []string{caller.UserID}, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	eff, err := s.callerEffective(snap, caller)
	if err != nil {
		return nil, nil, err
	}
	return snap, eff, nil
}

// CreateCollection makes an empty collection (owners and admins).
func (s *Service) CreateCollection(ctx context.Context, caller *gatehouse.Caller, orgID string, in CollectionInput) (*gatehouse.Collection, error) {
	name, desc, err := validCollection(in, true)
	if err != nil {
		return nil, err
	}
	_, eff, err := s.collectionCaller(ctx, caller, orgID)
	if err != nil {
		return nil, err
	}
	if err := eff.ManagesCollections(s.catalogue); err != nil {
		return nil, err
	}
	now := s.store.Now()
	c := &gatehouse.Collection{OrgID: orgID, ID: ids.New("col"), Name: *name, Grants: []authz.Grant{},
		CreatedBy: caller.UserID, CreatedAt: now, UpdatedAt: now}
	if desc != nil {
		c.Description = *desc
	}
	if err := s.store.CreateCollection(ctx, c, caller.Actor); err != nil {
		return nil, err
	}
	return c, nil
}

// collection reads one collection; an id that cannot be one is not found.
func (s *Service) collection(ctx context.Context, orgID, id string) (*gatehouse.Collection, error) {
	if !collectionID.MatchString(id) {
		return nil, gatehouse.NotFound("collection")
	}
	return s.store.Collection(ctx, orgID, id)
}

// GetCollection reads one collection with its grants.
func (s *Service) GetCollection(ctx context.Context, caller *gatehouse.Caller, orgID, id string) (*gatehouse.Collection, error) {
	_, eff, err := s.collectionCaller(ctx, caller, orgID)
	if err != nil {
		return nil, err
	}
	if err := eff.ReadsCollections(s.catalogue); err != nil {
		return nil, err
	}
	return s.collection(ctx, orgID, id)
}

// ListCollections lists the org's collections.
func (s *Service) ListCollections(ctx context.Context, caller *gatehouse.Caller, orgID string, limit int, cursor string) ([]*gatehouse.Collection, string, error) {
	_, eff, err := s.collectionCaller(ctx, caller, orgID)
	if err != nil {
		return nil, "", err
	}
	if err := eff.ReadsCollections(s.catalogue); err != nil {
		return nil, "", err
	}
	return s.store.CollectionsPage(ctx, orgID, limit, cursor)
}

// UpdateCollection renames a collection or changes its description.
func (s *Service) UpdateCollection(ctx context.Context, caller *gatehouse.Caller, orgID, id string, in CollectionInput) (*gatehouse.Collection, error) {
	name, desc, err := validCollection(in, false)
	if err != nil {
		return nil, err
	}
	_, eff, err := s.collectionCaller(ctx, caller, orgID)
	if err != nil {
		return nil, err
	}
	if err := eff.ManagesCollections(s.catalogue); err != nil {
		return nil, err
	}
	before, err := s.collection(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	after := *before
	if name != nil {
		after.Name = *name
	}
	if desc != nil {
		after.Description = *desc
	}
	if err := s.store.UpdateCollection(ctx, before, &after, caller.Actor); err != nil {
		return nil, err
	}
	return &after, nil
}

// DeleteCollection deletes a collection: its grants stop applying at once;
// its resources stay.
func (s *Service) DeleteCollection(ctx context.Context, caller *gatehouse.Caller, orgID, id string) error {
	_, eff, err := s.collectionCaller(ctx, caller, orgID)
	if err != nil {
		return err
	}
	if err := eff.ManagesCollections(s.catalogue); err != nil {
		return err
	}
	c, err := s.collection(ctx, orgID, id)
	if err != nil {
		return err
	}
	return s.store.DeleteCollection(ctx, c, caller.Actor)
}

// SetCollectionGrants replaces a collection's grants (rules 4 and 6:
// owners and admins, giving only what they hold).
func (s *Service) SetCollectionGrants(ctx context.Context, caller *gatehouse.Caller, orgID, id string, in GrantsInput) (*gatehouse.Collection, error) {
	grants, err := s.validGrants(in, s.store.Now())
	if err != nil {
		return nil, err
	}
	_, eff, err := s.collectionCaller(ctx, caller, orgID)
	if err != nil {
		return nil, err
	}
	if err := eff.GivesOnCollection(s.catalogue, grants); err != nil {
		return nil, err
	}
	c, err := s.collection(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	return s.store.SetCollectionGrants(ctx, c, grants, caller.Actor)
}

// CollectionResources lists the references of a collection's resources.
func (s *Service) CollectionResources(ctx context.Context, caller *gatehouse.Caller, orgID, id string, limit int, cursor string) ([]ResourceRef, string, error) {
	if _, err := s.GetCollection(ctx, caller, orgID, id); err != nil {
		return nil, "", err
	}
	refs, next, err := s.store.CollectionRefsPage(ctx, orgID, id, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]ResourceRef, len(refs))
	for i, r := range refs {
		out[i] = ResourceRef{Type: r.Type, ID: r.ID}
	}
	return out, next, nil
}

// FileResource adds a resource to a collection (add) or takes it out. It
// needs share on the resource (authz FilesInCollection); the collection
// must be of the same org (a collection id of another org is not found
// here: every key is under the path's org).
func (s *Service) FileResource(ctx context.Context, caller *gatehouse.Caller, orgID, collID string, ref gatehouse.Ref, add bool) (*View, error) {
	if !collectionID.MatchString(collID) {
		return nil, gatehouse.NotFound("collection")
	}
	snap, eff, r, err := s.loadOne(ctx, caller, orgID, ref)
	if err != nil {
		return nil, err
	}
	if _, ok := snap.Collections[collID]; !ok {
		return nil, gatehouse.NotFound("collection")
	}
	if err := eff.FilesInCollection(authz.ResourceIn(r, snap.TypeGrants[ref.Type], snap.Collections), snap.Collections[collID], add, s.store.Now()); err != nil {
		return nil, err
	}
	keep := dynamo.LiveCollections(r.Collections, snap.Collections)
	in := slices.Contains(keep, collID)
	switch {
	case add && in, !add && !in:
		return s.viewOf(r, true, snap), nil // already so: nothing to write
	case add:
		keep = append(keep, collID)
	default:
		keep = slices.DeleteFunc(keep, func(id string) bool { return id == collID })
	}
	if err := s.store.FileResource(ctx, r, collID, keep, add, caller.Actor); err != nil {
		return nil, err
	}
	return s.viewOf(r, true, snap), nil
}
