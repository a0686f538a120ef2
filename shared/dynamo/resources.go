package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Resources, grants and the resource snapshot of the evaluator.
//
// Items (docs/resources.md has the full picture):
//   - the resource item, resourceKey(org, type, id): name, owner, its grants
//     as JSON, the memberships whose counters it counts against ("counted"),
//     a version; indexed under its owner (GSI1 = ownerInverse) and, when a
//     grant has an expiry, in the expiry index at the earliest one;
//   - one grantee item per principal of its grants, granteeKey(org,
//     principal, type, id), so "what is granted to me" is a range query;
//   - the type-grants item, typeGrantsKey(org, type): grants on every
//     resource of a type;
//   - counters: resCount_<type> on the org item, resourceCount on the
//     memberships in "counted".

const (
	kindGrantee = "grantee"

	// MaxGrantPrincipals bounds the principals of one resource's grants so
	// that replacing them (old grantee items out, new ones in, a check per
	// principal, the resource and the audit event) fits in one transaction
	// of at most 100 items.
	MaxGrantPrincipals = 30
	// MaxTypeGrantPrincipals bounds the principals of a type's grants (one
	// item plus a check per principal).
	MaxTypeGrantPrincipals = 90
	// maxManagerChain bounds the walk up managedBy links.
	maxManagerChain = 10
)

func resourceItem(r *gatehouse.Resource) item {
	it := newItem(resourceKey(r.OrgID, r.Type, r.ID)).
		setS(attrKind, kindResource).
		setS("orgId", r.OrgID).
		setS("type", r.Type).
		setS("resourceId", r.ID).
		setS("name", r.Name).
		setS("ownerId", r.OwnerID).
		setJSON("grants", nonNilGrants(r.Grants)).
		setList("counted", r.Counted).
		setS("createdBy", r.CreatedBy).
		setTime(attrCreated, r.CreatedAt).
		setTime(attrUpdated, r.UpdatedAt).
		setN(attrVersion, r.Version).
		setInverse(ownerInverse(r.OrgID, r.OwnerID, r.Type, r.ID))
	it.setExpiry(earliestGrantExpiry(r.Grants), kindResource)
	// Collections and metadata (issue 17): absent when empty.
	it.setList("collections", r.Collections)
	if len(r.Metadata) > 0 {
		it.setJSON("metadata", r.Metadata)
	}
	return it
}

func decodeResource(it item) *gatehouse.Resource {
	r := &gatehouse.Resource{
		OrgID:     it.getS("orgId"),
		Type:      it.getS("type"),
		ID:        it.getS("resourceId"),
		Name:      it.getS("name"),
		OwnerID:   it.getS("ownerId"),
		Counted:   it.getList("counted"),
		CreatedBy: it.getS("createdBy"),
		CreatedAt: it.getTime(attrCreated),
		UpdatedAt: it.getTime(attrUpdated),
		Version:   it.getN(attrVersion),
	}
	it.getJSON("grants", &r.Grants)
	r.Collections = it.getList("collections")
	if _, ok := it["metadata"]; ok {
		it.getJSON("metadata", &r.Metadata)
	}
	return r
}

func nonNilGrants(g []authz.Grant) []authz.Grant {
	if g == nil {
		return []authz.Grant{}
	}
	return g
}

func earliestGrantExpiry(grants []authz.Grant) *time.Time {
	var out *time.Time
	for _, g := range grants {
		if g.ExpiresAt != nil && (out == nil || g.ExpiresAt.Before(*out)) {
			out = g.ExpiresAt
		}
	}
	return out
}

func granteeItem(orgID, principal string, r gatehouse.Ref) item {
	return newItem(granteeKey(orgID, principal, r.Type, r.ID)).
		setS(attrKind, kindGrantee).
		setS("type", r.Type).
		setS("resourceId", r.ID)
}

func typeGrantsItem(orgID, typ string, grants []authz.Grant, now time.Time) item {
	it := newItem(typeGrantsKey(orgID, typ)).
		setS(attrKind, kindTypeGrants).
		setS("orgId", orgID).
		setS("type", typ).
		setS("resourceId", TypeWide).
		setJSON("grants", nonNilGrants(grants)).
		setTime(attrUpdated, now)
	it.setExpiry(earliestGrantExpiry(grants), kindTypeGrants)
	return it
}

// TypeWide is the resource id that names every resource of a type in
// grants ("PUT .../resources/device/*/grants").
const TypeWide = "*"

// Snapshot is the data the evaluator needs for decisions in one org, read
// beforehand so that the evaluation itself does no I/O.
type Snapshot struct {
	Org *gatehouse.Org
	// Users holds the requested accounts that exist, by user id.
	Users map[string]*gatehouse.User
	// Members holds the requested memberships that exist, by user id.
	Members map[string]*gatehouse.Membership
	// Ancestors holds the requested users' memberships of the org's
	// ancestors, by user id (rule 5).
	Ancestors map[string][]*gatehouse.Membership
	// Resources holds the requested resources that exist. When they do not
	// fit one BatchGetItem with the rest (a check batch), only what the
	// evaluator reads is loaded: identity, owner and grants (batchget.go).
	Resources map[gatehouse.Ref]*gatehouse.Resource
	// TypeGrants holds the grants on whole types, for every configured type.
	TypeGrants map[string][]authz.Grant
	// Collections holds every existing collection's grants, by id (one
	// item, read in the same BatchGetItem: docs/resources.md).
	Collections map[string][]authz.Grant
	// Token is the caller's API token as stored now, when the snapshot was
	// loaded for one (LoadSnapshotAs): its collection narrowing.
	Token *gatehouse.APIToken
}

// LoadSnapshot reads an org's policy, the accounts and memberships of
// users, the resources refs and the type grants of types: one BatchGetItem
// (per 100 keys), and one more for ancestor memberships when the org is a
// sub-org.
func (s *Store) LoadSnapshot(ctx context.Context, orgID string, userIDs []string, refs []gatehouse.Ref, resourceTypes []string) (*Snapshot, error) {
	return s.LoadSnapshotAs(ctx, orgID, "", userIDs, refs, resourceTypes)
}

// LoadSnapshotAs is LoadSnapshot for a caller using the API token tokenID
// ("" for none): the token's item comes in the same BatchGetItem.
func (s *Store) LoadSnapshotAs(ctx context.Context, orgID, tokenID string, userIDs []string, refs []gatehouse.Ref, resourceTypes []string) (*Snapshot, error) {
	keys := []Key{orgKey(orgID), collectionGrantsKey(orgID)}
	if tokenID != "" {
		keys = append(keys, tokenKey(orgID, tokenID))
	}
	for _, u := range userIDs {
		keys = append(keys, userKey(u), memberKey(orgID, u))
	}
	for _, r := range refs {
		keys = append(keys, resourceKey(orgID, r.Type, r.ID))
	}
	for _, t := range resourceTypes {
		keys = append(keys, typeGrantsKey(orgID, t))
	}
	got, err := s.batchGetSnapshot(ctx, keys, len(keys)-len(refs)-len(resourceTypes), len(refs))
	if err != nil {
		return nil, fmt.Errorf("load snapshot of %s: %w", orgID, err)
	}
	it, ok := got[orgKey(orgID)]
	if !ok {
		return nil, gatehouse.NotFound("org")
	}
	snap := &Snapshot{
		Org:         decodeOrg(it),
		Users:       map[string]*gatehouse.User{},
		Members:     map[string]*gatehouse.Membership{},
		Ancestors:   map[string][]*gatehouse.Membership{},
		Resources:   map[gatehouse.Ref]*gatehouse.Resource{},
		TypeGrants:  map[string][]authz.Grant{},
		Collections: decodeCollectionGrants(got[collectionGrantsKey(orgID)]),
	}
	if it, ok := got[tokenKey(orgID, tokenID)]; ok && tokenID != "" {
		snap.Token = decodeAPIToken(it)
	}
	for _, u := range userIDs {
		if it, ok := got[userKey(u)]; ok {
			snap.Users[u] = decodeUser(it)
		}
		if it, ok := got[memberKey(orgID, u)]; ok {
			snap.Members[u] = decodeMembership(it)
		}
	}
	for _, r := range refs {
		if it, ok := got[resourceKey(orgID, r.Type, r.ID)]; ok {
			res := decodeResource(it)
			// A projected read (batchget.go) leaves out what the key says.
			res.OrgID, res.Type, res.ID = orgID, r.Type, r.ID
			snap.Resources[r] = res
		}
	}
	for _, t := range resourceTypes {
		if it, ok := got[typeGrantsKey(orgID, t)]; ok {
			var g []authz.Grant
			it.getJSON("grants", &g)
			snap.TypeGrants[t] = g
		}
	}
	if len(snap.Org.Ancestors) > 0 && len(userIDs) > 0 {
		// Rule 5 holds whether or not the user is also a member here, so
		// the ancestors are read for members too.
		var aks []Key
		for _, u := range userIDs {
			for _, a := range snap.Org.Ancestors {
				aks = append(aks, memberKey(a, u))
			}
		}
		anc, err := s.batchGetAll(ctx, aks)
		if err != nil {
			return nil, fmt.Errorf("load ancestor memberships of %s: %w", orgID, err)
		}
		for _, k := range aks {
			if it, ok := anc[k]; ok {
				m := decodeMembership(it)
				snap.Ancestors[m.UserID] = append(snap.Ancestors[m.UserID], m)
			}
		}
	}
	return snap, nil
}

// batchGetAll reads any number of keys, 100 per BatchGetItem, the calls
// in parallel: a check batch of 100 resources (two calls) waits for one
// round trip, not two.
func (s *Store) batchGetAll(ctx context.Context, keys []Key) (map[Key]item, error) {
	return s.batchGetGroups(ctx, batchGroup{keys: keys})
}

// uniqueKeys drops repeated keys (BatchGetItem refuses them), keeping the
// first of each in order.
func uniqueKeys(keys []Key) []Key {
	seen := make(map[Key]bool, len(keys))
	out := keys[:0:0]
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// Resource reads one resource.
func (s *Store) Resource(ctx context.Context, orgID string, ref gatehouse.Ref) (*gatehouse.Resource, error) {
	it, err := s.get(ctx, resourceKey(orgID, ref.Type, ref.ID), true, "resource")
	if err != nil {
		return nil, err
	}
	return decodeResource(it), nil
}

// ResourcesByRef reads resources by reference; absent ones are left out.
func (s *Store) ResourcesByRef(ctx context.Context, orgID string, refs []gatehouse.Ref) (map[gatehouse.Ref]*gatehouse.Resource, error) {
	keys := make([]Key, len(refs))
	for i, r := range refs {
		keys[i] = resourceKey(orgID, r.Type, r.ID)
	}
	got, err := s.batchGetAll(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("resources of %s: %w", orgID, err)
	}
	out := make(map[gatehouse.Ref]*gatehouse.Resource, len(got))
	for _, it := range got {
		r := decodeResource(it)
		out[r.Ref()] = r
	}
	return out, nil
}

// ManagerChain returns the managers above a member, nearest first, following
// managedBy links (bounded, and stopping at a cycle or a missing member).
func (s *Store) ManagerChain(ctx context.Context, orgID string, m *gatehouse.Membership) ([]*gatehouse.Membership, error) {
	var out []*gatehouse.Membership
	seen := map[string]bool{m.UserID: true}
	next := m.ManagedBy
	for len(out) < maxManagerChain && next != "" && !seen[next] {
		seen[next] = true
		mm, err := s.Membership(ctx, orgID, next)
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("manager chain of %s: %w", m.UserID, err)
		}
		out = append(out, mm)
		next = mm.ManagedBy
	}
	return out, nil
}

// RegisterResource stores a new resource, counting it against the org's
// quota maxRes_<type> and the resourceLimit of every membership in
// r.Counted (the owner first, then its managers): one transaction whose
// conditions are the limits, so concurrent registrations never exceed them.
// It fails with conflict when the resource exists and limit_exceeded naming
// "maxResources.<type>" or "resourceLimit" when a limit is reached.
func (s *Store) RegisterResource(ctx context.Context, r *gatehouse.Resource, actor gatehouse.Actor) error {
	if len(r.Counted) == 0 || r.Counted[0] != r.OwnerID {
		return fmt.Errorf("register resource %s: counted must start with the owner", r.ID)
	}
	r.Version = 1
	t := s.tx()
	t.create(resourceItem(r), gatehouse.Errorf(gatehouse.CodeConflict, "a %s with id %q is already registered", r.Type, r.ID))
	t.update(orgKey(r.OrgID), "ADD #cnt :one, #tr :one", "attribute_exists(#pk) AND "+resQuotaCond,
		gatehouse.LimitExceeded("maxResources."+r.Type, "the org's quota of %s resources is reached", r.Type),
		resQuotaNames(r.Type), map[string]types.AttributeValue{":one": num(1), ":zero": num(0)})
	for _, a := range r.OrgAncestors {
		t.update(orgKey(a), "ADD #tr :one", "attribute_exists(#pk) AND "+resQuotaCond,
			gatehouse.LimitExceeded("maxResources."+r.Type, "a parent org's quota of %s resources is reached (its quota counts its sub-orgs)", r.Type),
			resQuotaNames(r.Type), map[string]types.AttributeValue{":one": num(1), ":zero": num(0)})
	}
	for i, uid := range r.Counted {
		onFail := gatehouse.LimitExceeded("resourceLimit", "the owner's resource limit is reached")
		if i > 0 {
			onFail = gatehouse.LimitExceeded("resourceLimit", "the resource limit of the owner's manager is reached")
		}
		cond := "attribute_exists(#pk) AND (#rl < :zero OR #rc < #rl)"
		names := map[string]string{"#pk": tabledef.PK, "#rl": "resourceLimit", "#rc": "resourceCount"}
		values := map[string]types.AttributeValue{":one": num(1), ":zero": num(0)}
		if i == 0 {
			// Only an active owner registers resources.
			cond += " AND #st = :active"
			names["#st"] = attrStatus
			values[":active"] = str(string(gatehouse.StatusActive))
		}
		t.update(memberKey(r.OrgID, uid), "ADD #rc :one", cond, onFail, names, values)
	}
	t.audit(s.NewAudit(actor, r.OrgID, "resource.register", r.Type+"/"+r.ID, nil,
		map[string]any{"name": r.Name, "ownerId": r.OwnerID}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("register resource %s/%s: %w", r.Type, r.ID, err)
	}
	return nil
}

// resQuotaCond requires room under an org's maxRes_<type> (absent or
// negative is unlimited) for one more resource in its subtree (treeRes_;
// an org written before it existed falls back to its own resCount_).
const resQuotaCond = "(attribute_not_exists(#max) OR #max < :zero OR #tr < #max OR " +
	"(attribute_not_exists(#tr) AND ((attribute_not_exists(#cnt) AND #max > :zero) OR #cnt < #max)))"

func resQuotaNames(typ string) map[string]string {
	return map[string]string{"#pk": tabledef.PK, "#max": attrMaxResPrefix + typ, "#cnt": attrResCountPrefix + typ, "#tr": attrTreeResPrefix + typ}
}

// UnregisterResource deletes a resource read before (its version guards
// against a concurrent grant change), its grantee items, and gives back what
// it counted: the org's counter and the resourceCount of the memberships it
// was counted against that still exist.
func (s *Store) UnregisterResource(ctx context.Context, r *gatehouse.Resource, actor gatehouse.Actor) error {
	changed := gatehouse.Errorf(gatehouse.CodeConflict, "the resource changed meanwhile; retry")
	t := s.tx()
	t.delete(resourceKey(r.OrgID, r.Type, r.ID), "#v = :v", changed,
		map[string]string{"#v": attrVersion}, map[string]types.AttributeValue{":v": num(r.Version)})
	for _, p := range principalsOf(r.Grants) {
		t.delete(granteeKey(r.OrgID, p, r.Type, r.ID), "", nil, nil, nil)
	}
	// Its places in collections go with it (at most
	// MaxCollectionsPerResource items).
	for _, c := range r.Collections {
		t.delete(collectionMemberKey(r.OrgID, c, r.Type, r.ID), "", nil, nil, nil)
	}
	t.update(orgKey(r.OrgID), "ADD #cnt :minus, #tr :minus", "attribute_exists(#pk)", gatehouse.NotFound("org"),
		map[string]string{"#cnt": attrResCountPrefix + r.Type, "#tr": attrTreeResPrefix + r.Type, "#pk": tabledef.PK},
		map[string]types.AttributeValue{":minus": num(-1)})
	for _, a := range r.OrgAncestors {
		t.addTreeRes(a, r.Type, -1)
	}
	keys := make([]Key, len(r.Counted))
	for i, uid := range r.Counted {
		keys[i] = memberKey(r.OrgID, uid)
	}
	present, err := s.batchGetAll(ctx, keys)
	if err != nil {
		return fmt.Errorf("unregister resource %s/%s: %w", r.Type, r.ID, err)
	}
	for _, k := range keys {
		if _, ok := present[k]; !ok {
			continue // a removed member has no counter to give back to
		}
		// attribute_exists keeps a member removed meanwhile from coming back
		// as a stub item holding only a counter.
		t.update(k, "ADD #rc :minus", "attribute_exists(#pk)", changed,
			map[string]string{"#rc": "resourceCount", "#pk": tabledef.PK},
			map[string]types.AttributeValue{":minus": num(-1)})
	}
	t.audit(s.NewAudit(actor, r.OrgID, "resource.unregister", r.Type+"/"+r.ID,
		map[string]any{"name": r.Name, "ownerId": r.OwnerID}, nil))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("unregister resource %s/%s: %w", r.Type, r.ID, err)
	}
	return nil
}

// addTreeRes moves an ancestor's subtree count of a type without a guard
// (a resource given back).
func (t *tx) addTreeRes(orgID, typ string, delta int) {
	t.update(orgKey(orgID), "ADD #tr :d", "attribute_exists(#pk)", ErrOrgChanged,
		map[string]string{"#pk": tabledef.PK, "#tr": attrTreeResPrefix + typ},
		map[string]types.AttributeValue{":d": num(int64(delta))})
}

func principalsOf(grants []authz.Grant) []string {
	var out []string
	for _, g := range grants {
		if !slices.Contains(out, g.Principal) {
			out = append(out, g.Principal)
		}
	}
	return out
}

// principalChecks adds a condition per principal: a user must be a member
// of the org and a group must exist (the built-in "all" always does).
func principalChecks(t *tx, orgID string, grants []authz.Grant) {
	for _, p := range principalsOf(grants) {
		kind, id, _ := authz.ParsePrincipal(p)
		switch {
		case kind == "user":
			t.check(memberKey(orgID, id), "attribute_exists(#pk)",
				gatehouse.Invalid(gatehouse.FieldError{Field: "grants", Message: p + " is not a member of the org"}),
				map[string]string{"#pk": tabledef.PK}, nil)
		case kind == "group" && id != GroupAll:
			t.check(groupKey(orgID, id), "attribute_exists(#pk)",
				gatehouse.Invalid(gatehouse.FieldError{Field: "grants", Message: p + " is not a group of the org"}),
				map[string]string{"#pk": tabledef.PK}, nil)
		}
	}
}

// SetResourceGrants replaces a resource's grants (r as read before; its
// version guards the change) and keeps the grantee index in step, checking
// that every principal is a member or a group of the org.
func (s *Store) SetResourceGrants(ctx context.Context, r *gatehouse.Resource, grants []authz.Grant, actor gatehouse.Actor) (*gatehouse.Resource, error) {
	if len(principalsOf(grants)) > MaxGrantPrincipals {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "grants", Message: fmt.Sprintf("at most %d principals per resource", MaxGrantPrincipals)})
	}
	after := *r
	after.Grants = grants
	after.Version = r.Version + 1
	after.UpdatedAt = s.Now()
	t := s.tx()
	t.put(resourceItem(&after), "#v = :v", gatehouse.Errorf(gatehouse.CodeConflict, "the resource changed meanwhile; retry"),
		map[string]string{"#v": attrVersion}, map[string]types.AttributeValue{":v": num(r.Version)})
	newPs := principalsOf(grants)
	for _, p := range principalsOf(r.Grants) {
		if !slices.Contains(newPs, p) {
			t.delete(granteeKey(r.OrgID, p, r.Type, r.ID), "", nil, nil, nil)
		}
	}
	for _, p := range newPs {
		t.put(granteeItem(r.OrgID, p, r.Ref()), "", nil, nil, nil)
	}
	principalChecks(t, r.OrgID, grants)
	t.audit(s.NewAudit(actor, r.OrgID, "resource.grants", r.Type+"/"+r.ID,
		map[string]any{"grants": r.Grants}, map[string]any{"grants": grants}))
	if err := t.commit(ctx); err != nil {
		return nil, fmt.Errorf("set grants of %s/%s: %w", r.Type, r.ID, err)
	}
	return &after, nil
}

// TypeGrants reads the grants on a whole type.
func (s *Store) TypeGrants(ctx context.Context, orgID, typ string) ([]authz.Grant, error) {
	it, err := s.find(ctx, typeGrantsKey(orgID, typ), true)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, nil
	}
	var g []authz.Grant
	it.getJSON("grants", &g)
	return g, nil
}

// SetTypeGrants replaces the grants on every resource of a type.
func (s *Store) SetTypeGrants(ctx context.Context, orgID, typ string, grants []authz.Grant, actor gatehouse.Actor) error {
	if len(principalsOf(grants)) > MaxTypeGrantPrincipals {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "grants", Message: fmt.Sprintf("at most %d principals per type", MaxTypeGrantPrincipals)})
	}
	before, err := s.TypeGrants(ctx, orgID, typ)
	if err != nil {
		return fmt.Errorf("set type grants of %s: %w", typ, err)
	}
	t := s.tx().put(typeGrantsItem(orgID, typ, grants, s.Now()), "", nil, nil, nil)
	principalChecks(t, orgID, grants)
	t.audit(s.NewAudit(actor, orgID, "resource.type_grants", typ+"/"+TypeWide,
		map[string]any{"grants": before}, map[string]any{"grants": grants}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("set type grants of %s: %w", typ, err)
	}
	return nil
}

// ErrGrantsChanged is returned by a grant prune whose item changed (or
// went away) since it was read: the new state carries its own expiry index
// entry, or none.
var ErrGrantsChanged = errors.New("the grants changed since they were read")

// PruneExpiredGrants removes the grants whose expiresAt has passed from a
// resource (id TypeWide: from the type's grants), with its audit event, in
// one transaction: the item moves in the expiry index to its next grant
// expiry, or leaves it when no grant with an expiry is left; grantee items
// of principals left with no grant go too. The evaluator already ignores
// expired grants, so this only tidies up. It is idempotent: nothing expired
// (or no such resource) is a no-op. The sweep prunes through ExpireEntry,
// which acts on the item the index returned without reading it again.
func (s *Store) PruneExpiredGrants(ctx context.Context, orgID, typ, id string, actor gatehouse.Actor) error {
	k := resourceKey(orgID, typ, id)
	if id == TypeWide {
		k = typeGrantsKey(orgID, typ)
	}
	it, err := s.find(ctx, k, true)
	if err != nil {
		return fmt.Errorf("prune grants of %s/%s: %w", typ, id, err)
	}
	if it == nil {
		return nil
	}
	if _, err := s.pruneGrants(ctx, it, actor); err != nil {
		if errors.Is(err, ErrGrantsChanged) {
			return gatehouse.Errorf(gatehouse.CodeConflict, "the grants changed meanwhile; retry")
		}
		return err
	}
	return nil
}

// pruneGrants removes the expired grants of a resource or type-grants item
// as read before (it), guarded by what was read: the resource's version,
// the type's grants themselves (type grants have no version). It reports
// whether anything was pruned; ErrGrantsChanged when the item changed or
// is gone.
func (s *Store) pruneGrants(ctx context.Context, it item, actor gatehouse.Actor) (bool, error) {
	now := s.Now()
	var grants, kept []authz.Grant
	it.getJSON("grants", &grants)
	var dropped []authz.Grant
	for _, g := range grants {
		if g.ExpiresAt == nil || now.Before(*g.ExpiresAt) {
			kept = append(kept, g)
		} else {
			dropped = append(dropped, g)
		}
	}
	if len(dropped) == 0 {
		return false, nil
	}
	k := it.key()
	kind := it.getS(attrKind)
	orgID, typ, id := it.getS("orgId"), it.getS("type"), it.getS("resourceId")
	names := map[string]string{"#g": "grants", "#u": attrUpdated, "#g2pk": tabledef.GSI2PK, "#g2sk": tabledef.GSI2SK}
	values := map[string]types.AttributeValue{
		":g":   jsonAV(nonNilGrants(kept)),
		":now": str(now.Format(time.RFC3339Nano)),
	}
	update := "SET #g = :g, #u = :now"
	if next := earliestGrantExpiry(kept); next != nil {
		ek := expiryIndexKey(*next, kind, k)
		values[":g2pk"], values[":g2sk"] = str(ek.PK), str(ek.SK)
		update += ", #g2pk = :g2pk, #g2sk = :g2sk"
	} else {
		update += " REMOVE #g2pk, #g2sk"
	}
	var cond, action string
	switch kind {
	case kindResource:
		names["#v"] = attrVersion
		values[":v"], values[":one"] = num(it.getN(attrVersion)), num(1)
		update += " ADD #v :one"
		cond, action = "#v = :v", "resource.grants_expire"
	case kindTypeGrants:
		// No version on type grants: the grants read are the guard.
		values[":old"] = it["grants"]
		cond, action = "#g = :old", "resource.type_grants_expire"
	default:
		return false, fmt.Errorf("prune grants of %s/%s: not a grants item (%q)", k.PK, k.SK, kind)
	}
	t := s.tx().update(k, update, cond, ErrGrantsChanged, names, values)
	if kind == kindResource {
		keptPs := principalsOf(kept)
		for _, p := range principalsOf(grants) {
			if !slices.Contains(keptPs, p) {
				t.delete(granteeKey(orgID, p, typ, id), "", nil, nil, nil)
			}
		}
	}
	t.audit(s.NewAudit(actor, orgID, action, typ+"/"+id,
		map[string]any{"grants": dropped}, map[string]any{"grants": nonNilGrants(kept)}))
	if err := t.commit(ctx); err != nil {
		if errors.Is(err, ErrGrantsChanged) {
			return false, err
		}
		return false, fmt.Errorf("prune grants of %s/%s: %w", typ, id, err)
	}
	return true, nil
}

// ResourcePage is one page of a sorted stream of resources.
type ResourcePage struct {
	Resources []*gatehouse.Resource
	Refs      []gatehouse.Ref // grantee streams give references, not resources
	// Last is the sort key of the last entry read; More is false when the
	// stream is certainly exhausted.
	Last string
	More bool
}

// ResourcesAfter lists an org's resources (of one type, or all when typ is
// "") in "type#id" order after the position after (a position the service
// computed, never a client's: clients hold sealed cursors,
// ResourcesCursor).
func (s *Store) ResourcesAfter(ctx context.Context, orgID, typ, after string, limit int) (*ResourcePage, error) {
	items, more, err := s.stream(ctx, resourcesRange(orgID, typ), afterPosition(resourcesRange(orgID, ""), after), limit)
	if err != nil {
		return nil, fmt.Errorf("resources of %s: %w", orgID, err)
	}
	return resourcePage(items, more), nil
}

// OwnedResourcesAfter lists the resources a user owns in an org, in
// "type#id" order after the position after.
func (s *Store) OwnedResourcesAfter(ctx context.Context, orgID, ownerID, typ, after string, limit int) (*ResourcePage, error) {
	items, more, err := s.stream(ctx, ownedRange(orgID, ownerID, typ), afterPosition(ownedRange(orgID, ownerID, ""), after), limit)
	if err != nil {
		return nil, fmt.Errorf("resources of %s owned by %s: %w", orgID, ownerID, err)
	}
	return resourcePage(items, more), nil
}

// GrantedRefsAfter lists the references of the resources with a grant (allow
// or deny: the caller evaluates) to a principal, in "type#id" order after
// the position after.
func (s *Store) GrantedRefsAfter(ctx context.Context, orgID, principal, typ, after string, limit int) (*ResourcePage, error) {
	items, more, err := s.stream(ctx, granteeRange(orgID, principal, typ), afterPosition(granteeRange(orgID, principal, ""), after), limit)
	if err != nil {
		return nil, fmt.Errorf("resources of %s granted to %s: %w", orgID, principal, err)
	}
	p := &ResourcePage{More: more}
	for _, it := range items {
		ref := gatehouse.Ref{Type: it.getS("type"), ID: it.getS("resourceId")}
		p.Refs = append(p.Refs, ref)
		p.Last = ref.SortKey()
	}
	return p, nil
}

// afterPosition is the sort key of a "type#id" position in a range of every
// type ("" stays the start).
func afterPosition(all keyRange, after string) string {
	if after == "" {
		return ""
	}
	return all.prefix + after
}

func resourcePage(items []item, more bool) *ResourcePage {
	p := &ResourcePage{More: more}
	for _, it := range items {
		r := decodeResource(it)
		p.Resources = append(p.Resources, r)
		p.Last = r.Ref().SortKey()
	}
	return p
}
