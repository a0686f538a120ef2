// Package resources is the resource registry of an org: registering and
// unregistering resources against the org's quotas and the members' resource
// limits, allow/deny grants on one resource or on a whole type, the listing
// of what a caller may see, and the check API that answers "may this user do
// this on that resource" with the same evaluator the authorizer uses.
//
// Every decision here is authz's pure evaluation over a snapshot read from
// the store beforehand (dynamo.Snapshot): the org's policy, the memberships
// involved, the resources and the type grants.
package resources

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Store is what the resource use cases read and write.
type Store interface {
	Now() time.Time
	LoadSnapshot(ctx context.Context, orgID string, userIDs []string, refs []gatehouse.Ref, resourceTypes []string) (*dynamo.Snapshot, error)
	// Collections and lifecycle (issue 17).
	LoadSnapshotAs(ctx context.Context, orgID, tokenID string, userIDs []string, refs []gatehouse.Ref, resourceTypes []string) (*dynamo.Snapshot, error)
	CollectionStore
	ManagerChain(ctx context.Context, orgID string, m *gatehouse.Membership) ([]*gatehouse.Membership, error)
	RegisterResource(ctx context.Context, r *gatehouse.Resource, actor gatehouse.Actor) error
	UnregisterResource(ctx context.Context, r *gatehouse.Resource, actor gatehouse.Actor) error
	SetResourceGrants(ctx context.Context, r *gatehouse.Resource, grants []authz.Grant, actor gatehouse.Actor) (*gatehouse.Resource, error)
	SetTypeGrants(ctx context.Context, orgID, typ string, grants []authz.Grant, actor gatehouse.Actor) error
	ResourcesAfter(ctx context.Context, orgID, typ, after string, limit int) (*dynamo.ResourcePage, error)
	OwnedResourcesAfter(ctx context.Context, orgID, ownerID, typ, after string, limit int) (*dynamo.ResourcePage, error)
	GrantedRefsAfter(ctx context.Context, orgID, principal, typ, after string, limit int) (*dynamo.ResourcePage, error)
	ResourcesByRef(ctx context.Context, orgID string, refs []gatehouse.Ref) (map[gatehouse.Ref]*gatehouse.Resource, error)
	// The list's cursors hold the position of the last resource shown,
	// sealed by the store like every list's.
	ResourcesCursor(orgID, position string) string
	ResourcesPosition(orgID, cursor string) (string, error)
}

// Service holds the resource use cases.
type Service struct {
	store     Store
	catalogue *authz.Catalogue
}

// NewService returns the service for the catalogue's resource types.
func NewService(store Store, catalogue *authz.Catalogue) *Service {
	return &Service{store: store, catalogue: catalogue}
}

// ReasonResourceNotFound is the check API's reason for a resource that is
// not registered.
const ReasonResourceNotFound = "resource_not_found"

// MaxChecks is the largest batch of the check API.
const MaxChecks = 100

// isResourceID: 1 to 128 letters, digits and . _ : -, starting with a
// letter or digit.
func isResourceID(s string) bool {
	return gatehouse.Token(s, 128, gatehouse.IsAlnum, gatehouse.AlnumOr("._:-"))
}

// standing is what the snapshot holds of a user in the org: its account,
// its membership and its ancestor memberships.
func standing(snap *dynamo.Snapshot, userID string) authz.Standing {
	return authz.Standing{User: snap.Users[userID], Membership: snap.Members[userID], Ancestors: snap.Ancestors[userID]}
}

// callerEffective compiles the caller's permissions from current data, with
// the same code as the authorizer (authz.SubjectOf). A caller using an API
// token is narrowed to what the authorizer let through for the token (its
// effective set there already is the token's narrowing of the user's
// permissions), so a token never does more here than at the gate.
func (s *Service) callerEffective(snap *dynamo.Snapshot, caller *gatehouse.Caller) (*authz.Effective, error) {
	sub, _, r := authz.SubjectOf(standing(snap, caller.UserID), s.store.Now())
	if r != nil {
		return nil, r.Err()
	}
	if caller.TokenID != "" {
		sub.Token = &authz.TokenScope{Permissions: slices.Clone(caller.Permissions)}
		if sub.Token.Permissions == nil {
			sub.Token.Permissions = []string{}
		}
		// An API token's collection narrowing, as stored now (the snapshot
		// read its item): a token revoked meanwhile opens nothing. An
		// impersonation session is narrowed by its permissions alone.
		if caller.APITokenID() != "" {
			t := snap.Token
			if t == nil || !t.Usable(s.store.Now()) {
				return nil, gatehouse.Errorf(gatehouse.CodeUnauthenticated, "the API token is no longer usable")
			}
			sub.Token.Collection = t.CollectionID
		}
	}
	return authz.Compile(authz.PolicyOf(s.catalogue, snap.Org), sub), nil
}

func forbidden(d authz.Decision, what string) error {
	return gatehouse.Forbidden(d.Reason, "%s is not allowed (%s)", what, d.Reason)
}

// RegisterInput is the body of POST /v1/orgs/{orgId}/resources.
type RegisterInput struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	OwnerID string `json:"ownerId,omitempty"`
}

func (s *Service) validType(v *gatehouse.Validator, field, typ string) {
	v.Check(s.catalogue.IsResourceType(typ), field, "must be one of the resource types %s", strings.Join(s.catalogue.ResourceTypes, ", "))
}

// Register registers a resource owned by the caller, or by another member
// when the caller is an owner or admin of the org. It counts against the
// org's quota for the type and the owner's resourceLimit (and those of the
// owner's managers: a manager's limit covers the users it manages), all
// checked in the store's one transaction.
func (s *Service) Register(ctx context.Context, caller *gatehouse.Caller, orgID string, in RegisterInput) (*View, error) {
	var v gatehouse.Validator
	s.validType(&v, "type", in.Type)
	v.Check(isResourceID(in.ID), "id", "must be 1 to 128 characters of letters, digits and . _ : - starting with a letter or digit")
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = in.ID
	}
	v.Check(gatehouse.PrintableText(in.Name, 200), "name", "must be at most 200 printable characters")
	if err := v.Err(); err != nil {
		return nil, err
	}
	owner := in.OwnerID
	if owner == "" {
		owner = caller.UserID
	}
	snap, err := s.snapshot(ctx, caller, orgID, unique(caller.UserID, owner), nil, nil)
	if err != nil {
		return nil, err
	}
	eff, err := s.callerEffective(snap, caller)
	if err != nil {
		return nil, err
	}
	if d := eff.Check(in.Type + ":" + authz.ActionCreate); !d.Allowed {
		return nil, forbidden(d, "registering a "+in.Type)
	}
	if err := eff.RegistersFor(caller.UserID, owner); err != nil {
		return nil, err
	}
	om := snap.Members[owner]
	if om == nil || !om.Usable(s.store.Now()) {
		if owner == caller.UserID {
			// An inherited admin has no membership here to count against.
			return nil, gatehouse.Forbidden(gatehouse.ReasonNotMember, "only members of the org own its resources")
		}
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "ownerId", Message: "is not an active member of the org"})
	}
	managers, err := s.store.ManagerChain(ctx, orgID, om)
	if err != nil {
		return nil, err
	}
	counted := []string{owner}
	for _, m := range managers {
		counted = append(counted, m.UserID)
	}
	now := s.store.Now()
	r := &gatehouse.Resource{
		OrgID: orgID, Type: in.Type, ID: in.ID, Name: in.Name, OwnerID: owner,
		Counted: counted, CreatedBy: caller.UserID, CreatedAt: now, UpdatedAt: now,
		OrgAncestors: snap.Org.Ancestors,
	}
	if err := s.store.RegisterResource(ctx, r, caller.Actor); err != nil {
		return nil, err
	}
	return s.viewOf(r, true, nil), nil
}

// loadOne reads the snapshot for one resource and the caller's permissions;
// a resource the caller may not even read is not found, so that its
// existence does not leak.
func (s *Service) loadOne(ctx context.Context, caller *gatehouse.Caller, orgID string, ref gatehouse.Ref) (*dynamo.Snapshot, *authz.Effective, *gatehouse.Resource, error) {
	if !s.catalogue.IsResourceType(ref.Type) {
		return nil, nil, nil, gatehouse.NotFound("resource type")
	}
	snap, err := s.snapshot(ctx, caller, orgID, []string{caller.UserID}, []gatehouse.Ref{ref}, []string{ref.Type})
	if err != nil {
		return nil, nil, nil, err
	}
	eff, err := s.callerEffective(snap, caller)
	if err != nil {
		return nil, nil, nil, err
	}
	r := snap.Resources[ref]
	if r == nil {
		return nil, nil, nil, gatehouse.NotFound("resource")
	}
	if !eff.CheckResource(authz.ActionRead, authz.ResourceIn(r, snap.TypeGrants[ref.Type], snap.Collections), s.store.Now()).Allowed &&
		!eff.CheckResource(authz.ActionShare, authz.ResourceIn(r, snap.TypeGrants[ref.Type], snap.Collections), s.store.Now()).Allowed {
		return nil, nil, nil, gatehouse.NotFound("resource")
	}
	return snap, eff, r, nil
}

// Unregister removes a resource and gives back what it counted. Rule 10:
// it needs <type>:delete and access (rule 4), so an owner deletes its own
// devices even at resourceLimit 0; changing a resource's owner is another
// matter, for owners and admins only.
func (s *Service) Unregister(ctx context.Context, caller *gatehouse.Caller, orgID string, ref gatehouse.Ref) error {
	snap, eff, r, err := s.loadOne(ctx, caller, orgID, ref)
	if err != nil {
		return err
	}
	if d := eff.CheckResource(authz.ActionDelete, authz.ResourceIn(r, snap.TypeGrants[ref.Type], snap.Collections), s.store.Now()); !d.Allowed {
		return forbidden(d, "unregistering the resource")
	}
	r.OrgAncestors = snap.Org.Ancestors
	return s.store.UnregisterResource(ctx, r, caller.Actor)
}

// GrantsInput is the body of PUT .../resources/{type}/{resourceId}/grants:
// the complete new set of grants.
type GrantsInput struct {
	Grants []authz.Grant `json:"grants"`
}

func (s *Service) validGrants(in GrantsInput, now time.Time) ([]authz.Grant, error) {
	var v gatehouse.Validator
	if in.Grants == nil {
		v.Add("grants", "is required (an empty list removes every grant)")
	}
	seen := map[string]bool{}
	for i, g := range in.Grants {
		f := func(name string) string { return "grants[" + itoa(i) + "]." + name }
		if _, _, ok := authz.ParsePrincipal(g.Principal); !ok {
			v.Add(f("principal"), `must be "user:<id>" or "group:<id>"`)
		} else if seen[g.Principal] {
			v.Add(f("principal"), "appears twice; give one grant per principal")
		}
		seen[g.Principal] = true
		if len(g.Allow) == 0 && len(g.Deny) == 0 {
			v.Add(f("allow"), "give allow and/or deny actions")
		}
		for _, list := range []struct {
			name    string
			actions []string
		}{{"allow", g.Allow}, {"deny", g.Deny}} {
			for _, a := range list.actions {
				v.Check(a == "*" || slices.Contains(authz.ResourceActions, a), f(list.name),
					"%q is not a resource action (%s or *)", a, strings.Join(authz.ResourceActions, ", "))
			}
		}
		if g.ExpiresAt != nil {
			v.Check(g.ExpiresAt.After(now), f("expiresAt"), "must be in the future")
			t := g.ExpiresAt.UTC()
			in.Grants[i].ExpiresAt = &t
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return in.Grants, nil
}

// SetGrants replaces the grants of one resource, or of a whole type when
// the resource id is dynamo.TypeWide (owners and admins only). Rule 6: the
// caller may grant or deny only actions it may itself perform on the
// resource; and below admin it may not deny the resource's owner (that would
// unlink the owner, rule 10).
func (s *Service) SetGrants(ctx context.Context, caller *gatehouse.Caller, orgID string, ref gatehouse.Ref, in GrantsInput) (*View, error) {
	now := s.store.Now()
	grants, err := s.validGrants(in, now)
	if err != nil {
		return nil, err
	}
	if ref.ID == dynamo.TypeWide {
		if !s.catalogue.IsResourceType(ref.Type) {
			return nil, gatehouse.NotFound("resource type")
		}
		snap, err := s.snapshot(ctx, caller, orgID, []string{caller.UserID}, nil, nil)
		if err != nil {
			return nil, err
		}
		eff, err := s.callerEffective(snap, caller)
		if err != nil {
			return nil, err
		}
		if err := eff.GivesOnType(ref.Type, grants); err != nil {
			return nil, err
		}
		if err := s.store.SetTypeGrants(ctx, orgID, ref.Type, grants, caller.Actor); err != nil {
			return nil, err
		}
		return &View{Type: ref.Type, ID: dynamo.TypeWide, Grants: nonNil(grants)}, nil
	}
	snap, eff, r, err := s.loadOne(ctx, caller, orgID, ref)
	if err != nil {
		return nil, err
	}
	if err := eff.GivesOnResource(authz.ResourceIn(r, snap.TypeGrants[ref.Type], snap.Collections), grants, now); err != nil {
		return nil, err
	}
	after, err := s.store.SetResourceGrants(ctx, r, grants, caller.Actor)
	if err != nil {
		return nil, err
	}
	return s.viewOf(after, true, nil), nil
}

// View is a resource as the API shows it. Grants are shown to owners and
// admins of the org and to the resource's owner.
type View struct {
	Type    string        `json:"type"`
	ID      string        `json:"id"`
	Name    string        `json:"name,omitempty"`
	OwnerID string        `json:"ownerId,omitempty"`
	Grants  []authz.Grant `json:"grants,omitempty"`
	// Metadata and Collections: issue 17 (docs/resources.md).
	Metadata    map[string]string `json:"metadata,omitempty"`
	Collections []string          `json:"collections,omitempty"`
	CreatedAt   *time.Time        `json:"createdAt,omitempty"`
	UpdatedAt   *time.Time        `json:"updatedAt,omitempty"`
}

// viewOf shows a resource; with a snapshot, only the collections that
// still exist.
func (s *Service) viewOf(r *gatehouse.Resource, withGrants bool, snap *dynamo.Snapshot) *View {
	v := &View{Type: r.Type, ID: r.ID, Name: r.Name, OwnerID: r.OwnerID, Metadata: r.Metadata,
		Collections: r.Collections, CreatedAt: &r.CreatedAt, UpdatedAt: &r.UpdatedAt}
	if snap != nil {
		v.Collections = dynamo.LiveCollections(r.Collections, snap.Collections)
	}
	if withGrants {
		v.Grants = nonNil(r.Grants)
	}
	return v
}

func nonNil(g []authz.Grant) []authz.Grant {
	if g == nil {
		return []authz.Grant{}
	}
	return g
}

// source is one sorted stream of candidate resources.
type source func(after string, limit int) (*dynamo.ResourcePage, error)

// List returns a page of the resources the caller may read, in "type#id"
// order, optionally of one type. Owners and admins read the org's resources
// directly; others merge the streams that can hold what they may see (the
// whole type when the org's default access is "all" or a type grant names
// them, the resources they own, the resources granted to them or to their
// groups), and every candidate passes the evaluator before it is shown. No
// read touches another org: every stream is a query of this org's keys, and
// the cursor only moves the start inside them.
func (s *Service) List(ctx context.Context, caller *gatehouse.Caller, orgID, typ string, limit int, cursor string) ([]*View, string, error) {
	limit = dynamo.ClampLimit(limit)
	after, err := s.store.ResourcesPosition(orgID, cursor)
	if err != nil {
		return nil, "", err
	}
	types := s.catalogue.ResourceTypes
	if typ != "" {
		var v gatehouse.Validator
		s.validType(&v, "type", typ)
		if err := v.Err(); err != nil {
			return nil, "", err
		}
		types = []string{typ}
	}
	snap, err := s.snapshot(ctx, caller, orgID, []string{caller.UserID}, nil, types)
	if err != nil {
		return nil, "", err
	}
	eff, err := s.callerEffective(snap, caller)
	if err != nil {
		return nil, "", err
	}
	now := s.store.Now()
	var readable []string
	for _, t := range types {
		if eff.Has(t + ":" + authz.ActionRead) {
			readable = append(readable, t)
		}
	}
	var items []*View
	if len(readable) == 0 {
		return items, "", nil
	}
	m := &merge{
		streams: streamsOf(s.sources(ctx, orgID, eff, snap, readable, typ, now)),
		// The snapshot read 4 + len(types) items (org, account,
		// membership, collection grants, type grants).
		budget: 2*limit - (4 + len(types)),
		after:  after,
		start:  after,
	}
	for len(items) < limit {
		need := limit - len(items)
		cands, done, err := m.next(need)
		if err != nil {
			return nil, "", err
		}
		// Resources of grantee entries are read for the candidates about
		// to be shown only, in one BatchGetItem.
		var refs []gatehouse.Ref
		for _, c := range cands {
			if c.res == nil {
				refs = append(refs, c.ref)
			}
		}
		if len(refs) > 0 {
			got, err := s.store.ResourcesByRef(ctx, orgID, refs)
			if err != nil {
				return nil, "", err
			}
			m.reads += len(got)
			for i := range cands {
				if cands[i].res == nil {
					cands[i].res = got[cands[i].ref] // nil when unregistered meanwhile
				}
			}
		}
		for _, c := range cands {
			m.after = c.key
			r := c.res
			if r == nil || !slices.Contains(readable, r.Type) {
				continue
			}
			if !eff.CheckResource(authz.ActionRead, authz.ResourceIn(r, snap.TypeGrants[r.Type], snap.Collections), now).Allowed {
				continue
			}
			items = append(items, s.viewOf(r, eff.IsAdmin() || r.OwnerID == caller.UserID, snap))
			if len(items) == limit {
				return items, s.store.ResourcesCursor(orgID, c.key), nil
			}
		}
		if done {
			if m.exhausted() {
				return items, "", nil
			}
			// The page's read budget is spent: the page ends short, and
			// the cursor continues after the last entry considered.
			if m.after == "" {
				return items, "", nil
			}
			return items, s.store.ResourcesCursor(orgID, m.after), nil
		}
	}
	return items, s.store.ResourcesCursor(orgID, m.after), nil
}

// A page merges its sorted streams lazily: each stream is read in small
// chunks only when the merge needs its next entry, so a page reads about
// what it shows and not a full page from every stream; and a resource
// named by a grantee entry is read only when it is about to be shown
// (docs/performance.md). A page reads at most twice its size (snapshot
// included); when that is spent it ends short, with a cursor.

// stream is one source with what was read from it and not yet merged.
type stream struct {
	src   source
	buf   []candidate
	after string // the stream's own position: the last entry read
	more  bool
	known bool // it has answered: refs says what it gives
	refs  bool
}

// candidate is one entry of a stream: a resource, or a reference to one.
type candidate struct {
	key string
	ref gatehouse.Ref
	res *gatehouse.Resource
}

func streamsOf(srcs []source) []*stream {
	out := make([]*stream, len(srcs))
	for i, src := range srcs {
		out[i] = &stream{src: src, more: true}
	}
	return out
}

type merge struct {
	streams []*stream
	budget  int    // items the page may still read
	reads   int    // items read so far by the page's streams and lookups
	after   string // every entry up to here has been considered
	start   string // the page's cursor
	started bool
}

// lookups counts the resources still to read for grantee entries: those
// of out and those waiting in the streams.
func (m *merge) lookups(out []candidate) int {
	n := 0
	for _, c := range out {
		if c.res == nil {
			n++
		}
	}
	for _, s := range m.streams {
		for _, c := range s.buf {
			if c.res == nil {
				n++
			}
		}
	}
	return n
}

func (m *merge) exhausted() bool {
	for _, s := range m.streams {
		if len(s.buf) > 0 || s.more {
			return false
		}
	}
	return true
}

// next returns up to n distinct candidates in key order after m.after.
// done means no more can come in this page: the streams are exhausted or
// the read budget is spent (the candidates returned are still complete:
// every stream's entries up to the last one were merged).
func (m *merge) next(n int) ([]candidate, bool, error) {
	var out []candidate
	for len(out) < n {
		// Every stream that may hold the next entry needs one in hand.
		active := 0
		for _, s := range m.streams {
			if len(s.buf) > 0 || s.more {
				active++
			}
		}
		for _, s := range m.streams {
			if len(s.buf) > 0 || !s.more {
				continue
			}
			if !m.started {
				s.after = m.after
			}
			chunk := max(1, (n-len(out)+active-1)/active)
			// A grantee entry costs two reads: itself and its resource
			// (until a stream has answered, assume it gives references).
			perItem := 2
			if s.known && !s.refs {
				perItem = 1
			}
			left := (m.budget - m.reads - m.lookups(out)) / perItem
			progressed := m.after != m.start || len(out) > 0
			switch {
			case left < 1 && progressed:
				return out, true, nil
			case left >= 1:
				chunk = min(chunk, left)
			default:
				chunk = 1 // a page always moves on, whatever it costs
			}
			p, err := s.src(s.after, chunk)
			if err != nil {
				return nil, false, err
			}
			m.reads += len(p.Resources) + len(p.Refs)
			if len(p.Resources)+len(p.Refs) > 0 {
				s.known, s.refs = true, len(p.Refs) > 0
			}
			for _, r := range p.Resources {
				s.buf = append(s.buf, candidate{key: r.Ref().SortKey(), ref: r.Ref(), res: r})
			}
			for _, ref := range p.Refs {
				s.buf = append(s.buf, candidate{key: ref.SortKey(), ref: ref})
			}
			if len(s.buf) == 0 {
				s.more = false // no filter on these queries: nothing read means nothing left
			} else {
				s.after = s.buf[len(s.buf)-1].key
				s.more = p.More
			}
		}
		m.started = true
		// The smallest head, taken from every stream that holds it.
		var head *candidate
		for _, s := range m.streams {
			if len(s.buf) > 0 && (head == nil || s.buf[0].key < head.key) {
				head = &s.buf[0]
			}
		}
		if head == nil {
			return out, true, nil
		}
		c := *head
		for _, s := range m.streams {
			if len(s.buf) > 0 && s.buf[0].key == c.key {
				if c.res == nil && s.buf[0].res != nil {
					c.res = s.buf[0].res
				}
				s.buf = s.buf[1:]
			}
		}
		out = append(out, c)
	}
	return out, false, nil
}

// sources lists the streams that can hold what the caller may read.
func (s *Service) sources(ctx context.Context, orgID string, eff *authz.Effective, snap *dynamo.Snapshot, readable []string, typ string, now time.Time) []source {
	whole := func(t string) source {
		return func(after string, limit int) (*dynamo.ResourcePage, error) {
			return s.store.ResourcesAfter(ctx, orgID, t, after, limit)
		}
	}
	var out []source
	if coll := eff.TokenCollection(); coll != "" {
		// A token narrowed to a collection sees at most its resources:
		// one stream, every candidate still evaluated.
		return []source{s.collectionSource(ctx, orgID, coll, typ)}
	}
	if eff.IsAdmin() {
		if typ == "" && len(readable) == len(s.catalogue.ResourceTypes) {
			return []source{whole("")}
		}
		for _, t := range readable {
			out = append(out, whole(t))
		}
		return out
	}
	sub := eff.Subject()
	principals := []string{authz.Principal("user", sub.UserID)}
	for _, g := range sub.Groups {
		principals = append(principals, authz.Principal("group", g))
	}
	wholeTypes := map[string]bool{}
	for _, t := range readable {
		if snap.Org.Settings.DefaultResourceAccess == gatehouse.ResourceAccessAll || typeGrantAllowsRead(snap.TypeGrants[t], principals, now) {
			wholeTypes[t] = true
			out = append(out, whole(t))
		}
	}
	if len(wholeTypes) == len(readable) {
		// Every readable type is read whole: one stream of the org's
		// resources when that is every type, not one per type.
		if typ == "" && len(readable) == len(s.catalogue.ResourceTypes) {
			return []source{whole("")}
		}
		return out
	}
	out = append(out, func(after string, limit int) (*dynamo.ResourcePage, error) {
		return s.store.OwnedResourcesAfter(ctx, orgID, sub.UserID, typ, after, limit)
	})
	for _, p := range principals {
		out = append(out, func(after string, limit int) (*dynamo.ResourcePage, error) {
			return s.store.GrantedRefsAfter(ctx, orgID, p, typ, after, limit)
		})
	}
	// One stream per collection whose grants allow the member read.
	for _, id := range collectionsAllowingRead(snap.Collections, principals, now) {
		out = append(out, s.collectionSource(ctx, orgID, id, typ))
	}
	return out
}

func typeGrantAllowsRead(grants []authz.Grant, principals []string, now time.Time) bool {
	for _, g := range grants {
		if (g.ExpiresAt == nil || now.Before(*g.ExpiresAt)) && slices.Contains(principals, g.Principal) &&
			(slices.Contains(g.Allow, authz.ActionRead) || slices.Contains(g.Allow, "*")) {
			return true
		}
	}
	return false
}

func unique(ids ...string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
