package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Collections: named sets of resources of one org whose grants apply to
// every resource they hold (docs/resources.md, "Collections").
//
// Items:
//   - the collection, collectionKey(org, id): name, description, version;
//   - the org's collection grants, collectionGrantsKey(org): one attribute
//     "cg_<id>" per existing collection holding its grants as JSON ("[]"
//     when none). Its presence is the collection's existence for the
//     evaluator, and the snapshot reads it in the same BatchGetItem as the
//     rest, so a collection grant costs a check no round trip and no read
//     per collection;
//   - one member item per resource filed, collectionMemberKey(org, id,
//     type, rid), so a collection's resources are a range in type#id order
//     (the listing's stream for a collection granted to the member);
//   - the resource's "collections" list, denormalised, so that one read of
//     a resource tells which collection grants reach it.

const (
	kindCollection       = "collection"
	kindCollectionMember = "collectionmember"
	attrCollGrantsPrefix = "cg_"
	attrCollectionCount  = "collectionCount"
	listCollections      = "collections"
	listCollectionRes    = "collection_resources"

	// MaxCollections bounds an org's collections, so that the one item
	// holding their grants stays far under DynamoDB's 400 KB (100
	// collections of at most MaxCollectionGrantPrincipals grants).
	MaxCollections = 100
	// MaxCollectionsPerResource bounds the collections holding one
	// resource: what the evaluator and unregistering read and write per
	// resource stays constant.
	MaxCollectionsPerResource = 10
	// MaxCollectionGrantPrincipals bounds the principals of one
	// collection's grants (a check per principal in the transaction).
	MaxCollectionGrantPrincipals = 10
	// collectionCleanupBatch is how many member items the deletion's
	// transaction (4 more items) and each later cleanup one delete.
	collectionCleanupBatch = 90
)

func collGrantsAttr(collID string) string { return attrCollGrantsPrefix + collID }

func collectionItem(c *gatehouse.Collection) item {
	return newItem(collectionKey(c.OrgID, c.ID)).
		setS(attrKind, kindCollection).
		setS("orgId", c.OrgID).
		setS("collectionId", c.ID).
		setS("name", c.Name).
		setS("description", c.Description).
		setS("createdBy", c.CreatedBy).
		setTime(attrCreated, c.CreatedAt).
		setTime(attrUpdated, c.UpdatedAt).
		setN(attrVersion, c.Version)
}

func decodeCollection(it item) *gatehouse.Collection {
	return &gatehouse.Collection{
		OrgID:       it.getS("orgId"),
		ID:          it.getS("collectionId"),
		Name:        it.getS("name"),
		Description: it.getS("description"),
		CreatedBy:   it.getS("createdBy"),
		CreatedAt:   it.getTime(attrCreated),
		UpdatedAt:   it.getTime(attrUpdated),
		Version:     it.getN(attrVersion),
	}
}

// decodeCollectionGrants reads the org's collection grants item: every
// existing collection's grants by id.
func decodeCollectionGrants(it item) map[string][]authz.Grant {
	out := map[string][]authz.Grant{}
	for name := range it {
		if id, ok := strings.CutPrefix(name, attrCollGrantsPrefix); ok {
			var g []authz.Grant
			it.getJSON(name, &g)
			out[id] = nonNilGrants(g)
		}
	}
	return out
}

// CollectionGrants reads every existing collection's grants, by id.
func (s *Store) CollectionGrants(ctx context.Context, orgID string) (map[string][]authz.Grant, error) {
	it, err := s.find(ctx, collectionGrantsKey(orgID), true)
	if err != nil {
		return nil, fmt.Errorf("collection grants of %s: %w", orgID, err)
	}
	return decodeCollectionGrants(it), nil
}

// CreateCollection stores a new collection (no grants yet), counted
// against MaxCollections on the org item.
func (s *Store) CreateCollection(ctx context.Context, c *gatehouse.Collection, actor gatehouse.Actor) error {
	c.Version = 1
	t := s.tx()
	t.create(collectionItem(c), gatehouse.Errorf(gatehouse.CodeConflict, "the collection exists"))
	t.update(collectionGrantsKey(c.OrgID), "SET #cg = :none", "", nil,
		map[string]string{"#cg": collGrantsAttr(c.ID)}, map[string]types.AttributeValue{":none": jsonAV([]authz.Grant{})})
	t.update(orgKey(c.OrgID), "ADD #n :one", "attribute_exists(#pk) AND (attribute_not_exists(#n) OR #n < :max)",
		gatehouse.LimitExceeded("collections", "an org holds at most %d collections", MaxCollections),
		map[string]string{"#pk": tabledef.PK, "#n": attrCollectionCount},
		map[string]types.AttributeValue{":one": num(1), ":max": num(MaxCollections)})
	t.audit(s.NewAudit(actor, c.OrgID, "collection.create", c.ID, nil,
		map[string]any{"name": c.Name, "description": c.Description}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("create collection %s: %w", c.ID, err)
	}
	return nil
}

// Collection reads one collection with its grants.
func (s *Store) Collection(ctx context.Context, orgID, collID string) (*gatehouse.Collection, error) {
	got, err := s.batchGet(ctx, []Key{collectionKey(orgID, collID), collectionGrantsKey(orgID)})
	if err != nil {
		return nil, fmt.Errorf("collection %s: %w", collID, err)
	}
	it, ok := got[collectionKey(orgID, collID)]
	if !ok {
		return nil, gatehouse.NotFound("collection")
	}
	c := decodeCollection(it)
	c.Grants = decodeCollectionGrants(got[collectionGrantsKey(orgID)])[collID]
	c.Grants = nonNilGrants(c.Grants)
	return c, nil
}

// CollectionsPage lists an org's collections with their grants.
func (s *Store) CollectionsPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.Collection, string, error) {
	items, next, err := s.page(ctx, list{name: listCollections, org: orgID, rng: collectionsRange(orgID)}, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	grants, err := s.CollectionGrants(ctx, orgID)
	if err != nil {
		return nil, "", err
	}
	out := make([]*gatehouse.Collection, 0, len(items))
	for _, it := range items {
		c := decodeCollection(it)
		c.Grants = nonNilGrants(grants[c.ID])
		out = append(out, c)
	}
	return out, next, nil
}

// UpdateCollection renames a collection or changes its description
// (before as read: its version guards the change).
func (s *Store) UpdateCollection(ctx context.Context, before, after *gatehouse.Collection, actor gatehouse.Actor) error {
	after.Version = before.Version + 1
	after.UpdatedAt = s.Now()
	t := s.tx()
	t.put(collectionItem(after), "#v = :v", gatehouse.Errorf(gatehouse.CodeConflict, "the collection changed meanwhile; retry"),
		map[string]string{"#v": attrVersion}, map[string]types.AttributeValue{":v": num(before.Version)})
	t.audit(s.NewAudit(actor, after.OrgID, "collection.update", after.ID,
		map[string]any{"name": before.Name, "description": before.Description},
		map[string]any{"name": after.Name, "description": after.Description}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("update collection %s: %w", after.ID, err)
	}
	return nil
}

// DeleteCollection deletes a collection and its grants in one transaction
// with its audit event and the first collectionCleanupBatch of its member
// items: from then on it gives nothing and narrows nothing (the evaluator
// honours only collections with grants; ids left on resources count for
// nothing). A larger collection's remaining member items are deleted in
// further transactions (housekeeping: nothing reads the members of a
// collection that does not exist).
func (s *Store) DeleteCollection(ctx context.Context, c *gatehouse.Collection, actor gatehouse.Actor) error {
	members, err := s.queryAll(ctx, collectionMembersQuery(c), collectionCleanupBatch)
	if err != nil {
		return fmt.Errorf("delete collection %s: %w", c.ID, err)
	}
	t := s.tx()
	t.delete(collectionKey(c.OrgID, c.ID), "#v = :v", gatehouse.Errorf(gatehouse.CodeConflict, "the collection changed meanwhile; retry"),
		map[string]string{"#v": attrVersion}, map[string]types.AttributeValue{":v": num(c.Version)})
	t.update(collectionGrantsKey(c.OrgID), "REMOVE #cg", "", nil, map[string]string{"#cg": collGrantsAttr(c.ID)}, nil)
	t.update(orgKey(c.OrgID), "ADD #n :minus", "attribute_exists(#pk)", gatehouse.NotFound("org"),
		map[string]string{"#pk": tabledef.PK, "#n": attrCollectionCount}, map[string]types.AttributeValue{":minus": num(-1)})
	for _, it := range members {
		t.delete(it.key(), "", nil, nil, nil)
	}
	t.audit(s.NewAudit(actor, c.OrgID, "collection.delete", c.ID,
		map[string]any{"name": c.Name, "grants": c.Grants}, nil))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("delete collection %s: %w", c.ID, err)
	}
	for len(members) == collectionCleanupBatch {
		members, err = s.queryAll(ctx, collectionMembersQuery(c), collectionCleanupBatch)
		if err != nil {
			return fmt.Errorf("clean up collection %s: %w", c.ID, err)
		}
		if len(members) == 0 {
			return nil
		}
		t := s.tx()
		for _, it := range members {
			t.delete(it.key(), "", nil, nil, nil)
		}
		if err := t.commit(ctx); err != nil {
			return fmt.Errorf("clean up collection %s: %w", c.ID, err)
		}
	}
	return nil
}

// collectionMembersQuery reads the first collectionCleanupBatch member
// items of a collection (no more: Limit).
func collectionMembersQuery(c *gatehouse.Collection) *dynamodb.QueryInput {
	in := queryRange(collectionMembersRange(c.OrgID, c.ID, ""))
	in.Limit = aws.Int32(collectionCleanupBatch)
	return in
}

// SetCollectionGrants replaces a collection's grants (c as read: its
// version guards the change), checking that every principal is a member
// or a group of the org.
func (s *Store) SetCollectionGrants(ctx context.Context, c *gatehouse.Collection, grants []authz.Grant, actor gatehouse.Actor) (*gatehouse.Collection, error) {
	if len(principalsOf(grants)) > MaxCollectionGrantPrincipals {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "grants", Message: fmt.Sprintf("at most %d principals per collection", MaxCollectionGrantPrincipals)})
	}
	after := *c
	after.Grants = nonNilGrants(grants)
	after.Version = c.Version + 1
	after.UpdatedAt = s.Now()
	gone := gatehouse.NotFound("collection")
	t := s.tx()
	t.put(collectionItem(&after), "#v = :v", gatehouse.Errorf(gatehouse.CodeConflict, "the collection changed meanwhile; retry"),
		map[string]string{"#v": attrVersion}, map[string]types.AttributeValue{":v": num(c.Version)})
	t.update(collectionGrantsKey(c.OrgID), "SET #cg = :g", "attribute_exists(#cg)", gone,
		map[string]string{"#cg": collGrantsAttr(c.ID)}, map[string]types.AttributeValue{":g": jsonAV(after.Grants)})
	principalChecks(t, c.OrgID, grants)
	t.audit(s.NewAudit(actor, c.OrgID, "collection.grants", c.ID,
		map[string]any{"grants": c.Grants}, map[string]any{"grants": after.Grants}))
	if err := t.commit(ctx); err != nil {
		return nil, fmt.Errorf("set grants of collection %s: %w", c.ID, err)
	}
	return &after, nil
}

// FileResource adds a resource (r as read: its version guards the change)
// to a collection, or takes it out (add false). keep is the resource's new
// list of collections (the service drops ids of deleted collections from
// it). The collection must exist; at most MaxCollectionsPerResource.
func (s *Store) FileResource(ctx context.Context, r *gatehouse.Resource, collID string, keep []string, add bool, actor gatehouse.Actor) error {
	if len(keep) > MaxCollectionsPerResource {
		return gatehouse.LimitExceeded("collectionsPerResource", "a resource is in at most %d collections", MaxCollectionsPerResource)
	}
	changed := gatehouse.Errorf(gatehouse.CodeConflict, "the resource changed meanwhile; retry")
	now := s.Now()
	names := map[string]string{"#v": attrVersion, "#c": "collections", "#u": attrUpdated}
	values := map[string]types.AttributeValue{":v": num(r.Version), ":one": num(1), ":now": str(now.Format(time.RFC3339Nano))}
	update := "SET #u = :now ADD #v :one REMOVE #c"
	if len(keep) > 0 {
		values[":c"] = strList(keep)
		update = "SET #c = :c, #u = :now ADD #v :one"
	}
	t := s.tx()
	t.update(resourceKey(r.OrgID, r.Type, r.ID), update, "#v = :v", changed, names, values)
	mk := collectionMemberKey(r.OrgID, collID, r.Type, r.ID)
	action := "collection.remove"
	if add {
		action = "collection.add"
		t.put(newItem(mk).setS(attrKind, kindCollectionMember).setS("type", r.Type).setS("resourceId", r.ID).setTime(attrCreated, now), "", nil, nil, nil)
		t.check(collectionKey(r.OrgID, collID), "attribute_exists(#pk)", gatehouse.NotFound("collection"),
			map[string]string{"#pk": tabledef.PK}, nil)
	} else {
		t.delete(mk, "", nil, nil, nil)
	}
	t.audit(s.NewAudit(actor, r.OrgID, action, collID,
		map[string]any{"resource": r.Type + "/" + r.ID, "collections": r.Collections},
		map[string]any{"resource": r.Type + "/" + r.ID, "collections": keep}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("file %s/%s in collection %s: %w", r.Type, r.ID, collID, err)
	}
	r.Collections, r.Version, r.UpdatedAt = keep, r.Version+1, now
	return nil
}

// CollectionRefsAfter lists the references of the resources of a
// collection (of one type, or all for ""), in "type#id" order after the
// position after: one of the listing's streams.
func (s *Store) CollectionRefsAfter(ctx context.Context, orgID, collID, typ, after string, limit int) (*ResourcePage, error) {
	items, more, err := s.stream(ctx, collectionMembersRange(orgID, collID, typ), afterPosition(collectionMembersRange(orgID, collID, ""), after), limit)
	if err != nil {
		return nil, fmt.Errorf("resources of collection %s: %w", collID, err)
	}
	p := &ResourcePage{More: more}
	for _, it := range items {
		ref := gatehouse.Ref{Type: it.getS("type"), ID: it.getS("resourceId")}
		p.Refs = append(p.Refs, ref)
		p.Last = ref.SortKey()
	}
	return p, nil
}

// CollectionRefsPage lists the references of a collection's resources, a
// page at a time (GET .../collections/{id}/resources).
func (s *Store) CollectionRefsPage(ctx context.Context, orgID, collID string, limit int, cursor string) ([]gatehouse.Ref, string, error) {
	items, next, err := s.page(ctx, list{name: listCollectionRes, org: orgID, rng: collectionMembersRange(orgID, collID, "")}, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]gatehouse.Ref, 0, len(items))
	for _, it := range items {
		out = append(out, gatehouse.Ref{Type: it.getS("type"), ID: it.getS("resourceId")})
	}
	return out, next, nil
}

// LiveCollections keeps the ids of ids that name existing collections.
func LiveCollections(ids []string, existing map[string][]authz.Grant) []string {
	var out []string
	for _, id := range ids {
		if _, ok := existing[id]; ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// CollectionExists reports whether a collection exists (one GetItem).
func (s *Store) CollectionExists(ctx context.Context, orgID, collID string) (bool, error) {
	it, err := s.find(ctx, collectionKey(orgID, collID), true)
	if err != nil {
		return false, fmt.Errorf("collection %s: %w", collID, err)
	}
	return it != nil, nil
}
