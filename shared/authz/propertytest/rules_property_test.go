package propertytest_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/accounts"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/groups"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/members"
	"github.com/gatehouse-dev/gatehouse/shared/roles"
	"github.com/gatehouse-dev/gatehouse/shared/suborgs"
	"github.com/gatehouse-dev/gatehouse/shared/tokens"
	minidyn "github.com/truora/minidyn/aws-v2/client"
)

// enforceUsableOwners makes rule 9's full check fail the run: every org
// keeps a usable owner (enabled, unexpired, without an expiry on account or
// membership: rule 9's "usable" says nothing of flags), or, for a sub-org,
// an owner or admin above keeps authority over it (rule 5). The store's
// ownerCount equalling the memberships that count (dynamo.UsableOwner) is
// checked always.
const enforceUsableOwners = true

// Sizes of a run: worlds × operations each. PROPERTY_WORLDS raises the
// number of worlds for a longer hunt.
const (
	defaultWorlds = 80
	opsPerWorld   = 24
	maxDepth      = 2 // root, child, grandchild: three levels
)

// permPool is what custom roles and token narrowings draw from: the
// permissions that matter for escalation, and a few that do not.
var permPool = []string{
	"org:read", "org:update", "org:delete", "org:billing", "suborgs:create",
	"members:read", "members:invite", "members:create", "members:update", "members:remove", "members:roles", "members:limits",
	"roles:manage", "groups:manage", "tokens:manage", "limits:update", "audit:read",
	"device:read", "device:create", "device:share",
}

// kind is an operation of the model.
type kind int

const (
	opCreateMember kind = iota
	opInvite
	opAccept
	opSetRoles
	opGroup
	opCustomRole
	opFlags
	opExpiry
	opRemove
	opLeave
	opSubOrg
	opToken
	opTime
	numKinds
)

var kindNames = [...]string{"create-member", "invite", "accept", "set-roles", "group", "custom-role", "flags", "expiry", "remove", "leave", "sub-org", "token", "time"}

// weights of each kind when generating (same order as the kinds).
var weights = [...]int{8, 6, 6, 8, 8, 6, 8, 6, 3, 2, 4, 5, 3}

// op is one operation, described by indices taken modulo the lists of the
// world when it runs, so that any subsequence of a failing sequence still
// runs (shrinking drops operations).
type op struct {
	Kind                      kind
	Actor, Org, Target, Token int
	Pick                      int
	Roles, Perms              []int
	Flags                     [3]bool
	Hours                     int
}

func (o op) String() string {
	return fmt.Sprintf("%s{actor:%d org:%d target:%d token:%d pick:%d roles:%v perms:%v flags:%v hours:%d}",
		kindNames[o.Kind], o.Actor, o.Org, o.Target, o.Token, o.Pick, o.Roles, o.Perms, o.Flags, o.Hours)
}

// genOps draws a sequence: the first operations build the world as the
// root's owner (user 0 in the root org); the rest are anyone's.
func genOps(r *rand.Rand, n int) []op {
	total := 0
	for _, w := range weights {
		total += w
	}
	ints := func(max int) []int {
		out := make([]int, 1+r.IntN(2))
		for i := range out {
			out[i] = r.IntN(max)
		}
		return out
	}
	ops := make([]op, n)
	for i := range ops {
		x := r.IntN(total)
		k := kind(0)
		for ; x >= weights[k]; k++ {
			x -= weights[k]
		}
		o := op{
			Kind: k, Actor: r.IntN(16), Org: r.IntN(16), Target: r.IntN(16), Pick: r.IntN(64),
			Roles: ints(16), Perms: ints(len(permPool)),
			Flags: [3]bool{r.IntN(3) == 0, r.IntN(3) == 0, r.IntN(4) == 0},
			Hours: 1 + r.IntN(96),
		}
		if r.IntN(2) == 0 {
			o.Token = 1 + r.IntN(3)
		}
		if i < 6 {
			o.Actor, o.Token = 0, 0
			o.Kind = []kind{opSubOrg, opCreateMember, opCreateMember, opSubOrg, opInvite, opCustomRole}[i]
		}
		ops[i] = o
	}
	return ops
}

// fakePool stands in for Cognito: the property is about Gatehouse's
// rules, not about credentials.
type fakePool struct{}

func (fakePool) CreateUser(_ context.Context, u cognito.NewUser, _ string) (string, error) {
	return "sub-" + u.Email, nil
}
func (fakePool) DeleteUser(context.Context, string) error                 { return nil }
func (fakePool) SetPassword(context.Context, string, string) error        { return nil }
func (fakePool) Lookup(context.Context, string) (*cognito.Account, error) { return nil, nil }
func (fakePool) EmailVerified(context.Context, string) (bool, error)      { return true, nil }

// token is an API token of the world.
type token struct {
	id, user, org string
	scope         authz.TokenScope
}

// pending is an invite waiting for its invitee.
type pending struct {
	org, email, secret, inviter string
}

// world is one random world and the services over its store.
type world struct {
	ctx     context.Context
	store   *dynamo.Store
	cat     *authz.Catalogue
	now     time.Time
	prefix  string
	created int
	users   []string // ids, in creation order
	emails  map[string]string
	rows    map[string]*gatehouse.User
	orgs    []string // the tree, in creation order; orgs[0] is the root
	depth   map[string]int
	roles   map[string][]string // org -> custom role ids, in creation order
	groups  map[string][]string // org -> group ids, in creation order
	tokens  []token
	invites []pending
	members *members.Service
	inv     *invites.Service
	grp     *groups.Service
	rol     *roles.Service
	sub     *suborgs.Service
	tok     *tokens.Service
	acc     *accounts.Service
}

var worldSeq struct {
	sync.Mutex
	n int
}

func newWorld(t testing.TB, seed uint64) *world {
	t.Helper()
	worldSeq.Lock()
	worldSeq.n++
	n := worldSeq.n
	worldSeq.Unlock()
	w := &world{
		ctx: context.Background(), cat: authz.NewCatalogue(authz.DefaultResourceTypes),
		now:    time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		prefix: "w" + strconv.Itoa(n), emails: map[string]string{}, rows: map[string]*gatehouse.User{},
		depth: map[string]int{}, roles: map[string][]string{}, groups: map[string][]string{},
	}
	// A fresh table per world, on minidyn in process (its aws-sdk-go-v2
	// client, no HTTP): thousands of operations must fit in seconds, and
	// minidyn's queries cost the size of the table. The store, the services
	// and minidyn's condition and transaction engine are the real ones.
	db := dynamo.New(minidyn.NewClient(), "gatehouse-property", dynamo.Options{CursorKey: dynamotest.RandomKey()})
	if err := db.EnsureTable(w.ctx); err != nil {
		t.Fatalf("create table: %v", err)
	}
	w.store = db.WithClock(func() time.Time { return w.now })
	w.inv = invites.NewService(w.store, fakePool{}, w.cat, nil, invites.Config{PublicURL: "http://gatehouse.test", EmailRule: invites.RuleNever}, nil)
	w.members = members.NewService(w.store, w.inv, fakePool{}, w.cat, nil, members.DefaultConfig("http://gatehouse.test"), nil)
	w.grp = groups.NewService(w.store, w.cat)
	w.rol = roles.NewService(w.store, w.cat)
	w.sub = suborgs.NewService(w.store)
	w.tok = tokens.NewService(w.store, w.cat)
	w.acc = accounts.NewService(w.store, w.cat)

	// Accounts: user 0 founds the root and has no expiry; the others may
	// have an account expiry (rule 8's other ceiling).
	r := rand.New(rand.NewPCG(seed, 0x5ec))
	for i := range 3 + r.IntN(3) {
		email := fmt.Sprintf("%s-u%d@d%d.test", w.prefix, i, i)
		u := &gatehouse.User{ID: "sub-" + email, Email: email, EmailVerified: true, Status: gatehouse.StatusActive,
			ResourceLimit: -1, CreatedAt: w.now, UpdatedAt: w.now}
		if i > 0 && r.IntN(4) == 0 {
			exp := w.now.Add(time.Duration(24+r.IntN(240)) * time.Hour)
			u.ExpiresAt = &exp
		}
		if err := w.store.CreateAccount(w.ctx, u, dynamo.NewPersonalOrg(u, w.now), gatehouse.Actor{UserID: u.ID}); err != nil {
			t.Fatalf("create account: %v", err)
		}
		w.addUser(u.ID, email)
	}
	name := "root"
	o, err := w.acc.CreateOrg(w.ctx, gatehouse.Actor{UserID: w.users[0]}, accounts.OrgInput{Name: &name})
	if err != nil {
		t.Fatalf("create root: %v", err)
	}
	w.orgs, w.depth[o.ID] = []string{o.ID}, 0
	return w
}

func (w *world) addUser(id, email string) {
	if _, ok := w.emails[id]; ok {
		return
	}
	w.users = append(w.users, id)
	w.emails[id] = email
}

// addInvite records a pending invite and its secret, from its link.
func (w *world) addInvite(org, email, inviter string, sent *invites.Sent) error {
	u, err := url.Parse(sent.AcceptURL)
	if err != nil || u.Query().Get("token") == "" {
		return fmt.Errorf("invite link %q carries no token", sent.AcceptURL)
	}
	w.invites = append(w.invites, pending{org: org, email: email, secret: u.Query().Get("token"), inviter: inviter})
	return nil
}

// user reads an account once (accounts do not change under the model's
// operations but for being created).
func (w *world) user(id string) *gatehouse.User {
	if u, ok := w.rows[id]; ok {
		return u
	}
	u, err := w.store.User(w.ctx, id)
	if err != nil {
		return nil
	}
	w.rows[id] = u
	return u
}

// gate builds the caller as the authorizer does (apigw.CallerFrom of its
// decision): rule 1, SubjectOf, the token's narrowing, the route's
// permission. nil when the gate refuses.
func (w *world) gate(userID, orgID string, tk *token, perm string) (*gatehouse.Caller, *authz.Effective) {
	ac, err := w.store.LoadAuthContext(w.ctx, userID, orgID)
	if err != nil || ac.Org == nil || authz.AccountRefusal(ac.User, w.now) != nil {
		return nil, nil
	}
	actor := gatehouse.Actor{UserID: userID, Email: ac.User.Email, RequestID: "prop"}
	var scope *authz.TokenScope
	if tk != nil {
		t, _, err := w.store.APIToken(w.ctx, orgID, tk.id)
		if err != nil || !t.Usable(w.now) || t.UserID != userID {
			return nil, nil
		}
		actor.TokenID = tk.id
		scope = &authz.TokenScope{Permissions: t.Permissions, Readonly: t.Readonly}
	}
	sub, ceiling, r := authz.SubjectOf(authz.Standing{User: ac.User, Membership: ac.Membership, Ancestors: ac.AncestorMemberships}, w.now)
	if r != nil {
		return nil, nil
	}
	sub.Token = scope
	eff := authz.Compile(authz.PolicyOf(w.cat, ac.Org), sub)
	if perm != "" && !eff.Has(perm) {
		return nil, nil
	}
	c := authz.CallerOf(actor, orgID, eff, ceiling)
	return &c, eff
}

// snapshot is who holds what in every org of the tree, read from the
// store.
type snapshot struct {
	now      time.Time
	orgs     map[string]*gatehouse.Org
	members  map[string]map[string]*gatehouse.Membership
	subjects map[string]map[string]authz.Subject
	eff      map[string]map[string]*authz.Effective
}

func (w *world) snapshot() (*snapshot, error) {
	s := &snapshot{now: w.now, orgs: map[string]*gatehouse.Org{}, members: map[string]map[string]*gatehouse.Membership{},
		subjects: map[string]map[string]authz.Subject{}, eff: map[string]map[string]*authz.Effective{}}
	for _, id := range w.orgs {
		o, err := w.store.Org(w.ctx, id)
		if err != nil {
			return nil, fmt.Errorf("read org %s: %w", id, err)
		}
		s.orgs[id] = o
		// One GetItem per (org, user): minidyn answers a key lookup at once,
		// a query by scanning the table.
		ms := map[string]*gatehouse.Membership{}
		for _, uid := range w.users {
			m, err := w.store.Membership(w.ctx, id, uid)
			switch {
			case err == nil:
				ms[uid] = m
			case gatehouse.ErrorCode(err) != gatehouse.CodeNotFound:
				return nil, fmt.Errorf("membership %s/%s: %w", id, uid, err)
			}
		}
		s.members[id] = ms
	}
	for _, id := range w.orgs {
		o := s.orgs[id]
		pol := authz.PolicyOf(w.cat, o)
		s.subjects[id], s.eff[id] = map[string]authz.Subject{}, map[string]*authz.Effective{}
		for _, uid := range w.users {
			st := authz.Standing{User: w.user(uid), Membership: s.members[id][uid]}
			for _, a := range o.Ancestors {
				if m := s.members[a][uid]; m != nil {
					st.Ancestors = append(st.Ancestors, m)
				}
			}
			if st.User == nil {
				continue
			}
			sub, _, r := authz.SubjectOf(st, w.now)
			if r != nil {
				continue
			}
			s.subjects[id][uid] = sub
			s.eff[id][uid] = authz.Compile(pol, sub)
		}
	}
	return s, nil
}

// giver is whose authority an operation used, org by org: the caller
// (with its token's narrowing) for its own acts, the inviter when an
// invite is accepted, nobody when time passes.
type giver struct {
	user  string
	scope *authz.TokenScope
}

// effIn is the giver's effective set in org before the operation.
func (g *giver) effIn(s *snapshot, w *world, org string) *authz.Effective {
	if g == nil {
		return nil
	}
	sub, ok := s.subjects[org][g.user]
	if !ok {
		return nil
	}
	sub.Token = g.scope
	return authz.Compile(authz.PolicyOf(w.cat, s.orgs[org]), sub)
}

// checkGains is the first property: in every org that existed before the
// operation, whatever anyone holds now and did not hold before, the giver
// held before (rule 6, through rules 2, 3, 5 and 8); only an owner made an
// owner and only an owner or admin an admin.
func checkGains(w *world, before, after *snapshot, g *giver) error {
	for org := range before.orgs {
		var gEff *authz.Effective
		gotGiver := false
		for _, uid := range w.users {
			a := after.eff[org][uid]
			if a == nil {
				continue
			}
			b := before.eff[org][uid]
			var gained []string
			for _, p := range a.Permissions() {
				if b == nil || !b.Has(p) {
					gained = append(gained, p)
				}
			}
			newOwner := a.IsOwner() && (b == nil || !b.IsOwner())
			newAdmin := a.IsAdmin() && (b == nil || !b.IsAdmin())
			if len(gained) == 0 && !newOwner && !newAdmin {
				continue
			}
			if !gotGiver {
				gEff, gotGiver = g.effIn(before, w, org), true
			}
			who := "nobody"
			if g != nil {
				who = g.user
			}
			if gEff == nil {
				return fmt.Errorf("%s gained %v (owner %v, admin %v) in %s, and the giver (%s) held nothing there", uid, gained, newOwner, newAdmin, org, who)
			}
			for _, p := range gained {
				if !gEff.Has(p) {
					return fmt.Errorf("%s gained %s in %s from %s, who did not hold it (giver holds %v)", uid, p, org, who, gEff.Permissions())
				}
			}
			if newOwner && !gEff.IsOwner() {
				return fmt.Errorf("%s became owner of %s by %s, who is not an owner there", uid, org, who)
			}
			if newAdmin && !gEff.IsAdmin() {
				return fmt.Errorf("%s became admin of %s by %s, who is neither owner nor admin there", uid, org, who)
			}
		}
	}
	return nil
}

// checkOwners is the second property (rule 9): every org's ownerCount
// counts its usable owners exactly, and every org keeps a usable owner or,
// for a sub-org, a parent's authority over it.
func checkOwners(w *world, s *snapshot) (string, error) {
	for _, org := range w.orgs {
		usable := 0
		for _, m := range s.members[org] {
			if dynamo.UsableOwner(m) {
				usable++
			}
		}
		if got := s.orgs[org].Usage.Owners; got != usable {
			return "", fmt.Errorf("org %s counts %d owners, holds %d usable ones", org, got, usable)
		}
	}
	for _, org := range w.orgs {
		if !usableOwner(w, s, org) {
			msg := fmt.Sprintf("org %s has no usable owner and no parent authority", org)
			if enforceUsableOwners {
				return "", fmt.Errorf("%s", msg)
			}
			return msg, nil
		}
	}
	return "", nil
}

// usableOwner: an owner enabled, unexpired and without an expiry on its
// account or membership; for a sub-org, or an owner or admin of an
// ancestor whose authority holds (rule 5).
func usableOwner(w *world, s *snapshot, org string) bool {
	for uid, m := range s.members[org] {
		u := w.user(uid)
		if m.HasRole(authz.RoleOwner) && m.Usable(s.now) && m.ExpiresAt == nil && u != nil && u.Usable(s.now) && u.ExpiresAt == nil {
			return true
		}
	}
	// Rule 9's "usable" is about status and expiry, not flags: a read-only
	// owner is a usable owner, and so a read-only admin above keeps
	// authority (rule 3 makes it read-only here too, rule 5 keeps it).
	for _, sub := range s.subjects[org] {
		if sub.InheritedAdmin {
			return true
		}
	}
	return false
}

// pick returns list[i mod len], or "" for an empty list.
func pick(list []string, i int) string {
	if len(list) == 0 {
		return ""
	}
	return list[i%len(list)]
}

func (w *world) rolesFor(org string, idx []int) []string {
	pool := append(slices.Clone(authz.BuiltinRoleIDs), w.roles[org]...)
	var out []string
	for _, i := range idx {
		if r := pool[i%len(pool)]; !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func permsFor(idx []int) []string {
	var out []string
	for _, i := range idx {
		if p := permPool[i%len(permPool)]; !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func sortedMembers(s *snapshot, org string) []string {
	return slices.Sorted(maps.Keys(s.members[org]))
}

// unexpected reports a service error that is not a refusal the rules
// explain: the property test fails on it too (a 500 is not a refusal).
func unexpected(err error) bool {
	if err == nil {
		return false
	}
	switch gatehouse.ErrorCode(err) {
	case gatehouse.CodeForbidden, gatehouse.CodeNotFound, gatehouse.CodeConflict, gatehouse.CodeLimitExceeded,
		gatehouse.CodeLastOwner, gatehouse.CodeValidation, gatehouse.CodeExpired:
		return false
	}
	return true
}

// apply runs one operation and returns whose authority it used (nil: the
// gate refused it or nobody's).
func (w *world) apply(o op, before *snapshot) (*giver, error) {
	ctx := w.ctx
	org := pick(w.orgs, o.Org)
	// The actor is someone who stands in the org (a member or an admin
	// above): a stranger's operations stop at the gate and test nothing
	// the refusal contract does not.
	actor := pick(slices.Sorted(maps.Keys(before.subjects[org])), o.Actor)
	if actor == "" {
		actor = pick(w.users, o.Actor)
	}
	var tk *token
	if o.Token > 0 {
		var mine []token
		for _, t := range w.tokens {
			if t.user == actor && t.org == org {
				mine = append(mine, t)
			}
		}
		if len(mine) > 0 {
			tk = &mine[(o.Token-1)%len(mine)]
		}
	}
	g := &giver{user: actor}
	if tk != nil {
		g.scope = &tk.scope
	}
	exp := w.now.Add(time.Duration(o.Hours) * time.Hour)
	var err error
	switch o.Kind {
	case opCreateMember:
		c, _ := w.gate(actor, org, tk, "members:create")
		if c == nil {
			return nil, nil
		}
		email := ""
		if o.Pick%2 == 0 {
			w.created++
			email = fmt.Sprintf("%s-n%d@d%d.test", w.prefix, w.created, w.created%3)
		} else {
			email = w.emails[pick(w.users, o.Target)]
		}
		in := members.CreateInput{Email: email, Name: "Member", Roles: w.rolesFor(org, o.Roles), EmailVerified: true,
			Readonly: o.Flags[0], ResourceReadonly: o.Flags[1]}
		pw := "correct-horse-42"
		in.Password = &pw
		if o.Flags[2] {
			in.ExpiresAt = &exp
		}
		var res *members.CreateResult
		res, err = w.members.Create(ctx, c, org, in)
		switch {
		case err != nil:
		case res.Member != nil:
			w.addUser(res.Member.UserID, email)
		case res.Invite != nil:
			// An existing account joins only by accepting (rule 11).
			if err := w.addInvite(org, email, actor, res.Invite); err != nil {
				return nil, err
			}
		}
	case opInvite:
		c, _ := w.gate(actor, org, tk, "members:invite")
		if c == nil {
			return nil, nil
		}
		in := invites.CreateInput{Email: w.emails[pick(w.users, o.Target)], Roles: w.rolesFor(org, o.Roles)}
		if o.Flags[2] {
			in.MemberExpiresAt = &exp
		}
		var sent *invites.Sent
		sent, err = w.inv.Create(ctx, c, org, in)
		if err == nil {
			if err := w.addInvite(org, in.Email, actor, sent); err != nil {
				return nil, err
			}
		}
	case opAccept:
		if len(w.invites) == 0 {
			return nil, nil
		}
		i := o.Pick % len(w.invites)
		p := w.invites[i]
		w.invites = slices.Delete(w.invites, i, i+1)
		var invitee string
		for id, e := range w.emails {
			if e == p.email {
				invitee = id
			}
		}
		u := w.user(invitee)
		if u == nil || authz.AccountRefusal(u, w.now) != nil {
			return nil, nil
		}
		c := &gatehouse.Caller{Actor: gatehouse.Actor{UserID: u.ID, Email: u.Email, RequestID: "prop"}, ExpiresAt: u.ExpiresAt}
		_, err = w.inv.Accept(ctx, c, p.secret)
		g = &giver{user: p.inviter}
	case opSetRoles:
		c, _ := w.gate(actor, org, tk, "members:roles")
		target := pick(sortedMembers(before, org), o.Target)
		if c == nil || target == "" {
			return nil, nil
		}
		_, err = w.members.SetRoles(ctx, c, org, target, w.rolesFor(org, o.Roles))
	case opGroup:
		c, _ := w.gate(actor, org, tk, "groups:manage")
		if c == nil {
			return nil, nil
		}
		gid := pick(w.groups[org], o.Pick/3)
		switch {
		case o.Pick%3 == 0 || gid == "":
			var gr *gatehouse.Group
			gr, err = w.grp.Create(ctx, c, org, groups.Input{Name: fmt.Sprintf("group %d", len(w.groups[org]))})
			if err == nil {
				w.groups[org] = append(w.groups[org], gr.ID)
			}
		case o.Pick%3 == 1:
			_, err = w.grp.SetRoles(ctx, c, org, gid, groups.RolesInput{Roles: w.rolesFor(org, o.Roles)})
		default:
			target := pick(sortedMembers(before, org), o.Target)
			if target == "" {
				return nil, nil
			}
			err = w.grp.AddMember(ctx, c, org, gid, target)
		}
	case opCustomRole:
		c, _ := w.gate(actor, org, tk, "roles:manage")
		if c == nil {
			return nil, nil
		}
		in := roles.Input{Name: fmt.Sprintf("role %d", o.Pick), Permissions: permsFor(o.Perms)}
		if rid := pick(w.roles[org], o.Pick/2); o.Pick%2 == 0 || rid == "" {
			var r *gatehouse.Role
			in.Name = fmt.Sprintf("role %d", len(w.roles[org]))
			r, err = w.rol.Create(ctx, c, org, in)
			if err == nil {
				w.roles[org] = append(w.roles[org], r.ID)
			}
		} else {
			in.Name = "renamed " + rid[len(rid)-4:]
			_, err = w.rol.Update(ctx, c, org, rid, in)
		}
	case opFlags, opExpiry:
		c, _ := w.gate(actor, org, tk, "members:update")
		target := pick(sortedMembers(before, org), o.Target)
		if o.Pick%5 == 0 {
			target = actor // one's own membership (rule 8's own expiry)
		}
		if c == nil || target == "" {
			return nil, nil
		}
		var p members.Patch
		if o.Kind == opFlags {
			ro, rro, enabled := o.Flags[0], o.Flags[1], o.Pick%4 != 0
			p.Readonly, p.ResourceReadonly, p.Enabled = &ro, &rro, &enabled
		} else {
			p.ExpiresAt.Set = true
			if o.Pick%3 != 0 {
				p.ExpiresAt.Value = &exp
			}
		}
		_, err = w.members.Update(ctx, c, org, target, p)
	case opRemove:
		c, _ := w.gate(actor, org, tk, "members:remove")
		target := pick(sortedMembers(before, org), o.Target)
		if c == nil || target == "" {
			return nil, nil
		}
		err = w.members.Remove(ctx, c, org, target)
	case opLeave:
		c, _ := w.gate(actor, org, tk, "")
		if c == nil {
			return nil, nil
		}
		err = w.members.Leave(ctx, c, org)
	case opSubOrg:
		c, _ := w.gate(actor, org, tk, "suborgs:create")
		if c == nil || w.depth[org] >= maxDepth {
			return nil, nil
		}
		var v *suborgs.View
		v, err = w.sub.Create(ctx, c, org, suborgs.Input{Name: fmt.Sprintf("sub %d", len(w.orgs))})
		if err == nil {
			w.orgs = append(w.orgs, v.ID)
			w.depth[v.ID] = w.depth[org] + 1
		}
	case opToken:
		c, _ := w.gate(actor, org, nil, "tokens:manage")
		if c == nil {
			return nil, nil
		}
		in := tokens.Input{Name: "prop", Readonly: o.Flags[0]}
		if o.Pick%2 == 1 {
			in.Permissions = permsFor(o.Perms)
		}
		var created *tokens.Created
		created, err = w.tok.Create(ctx, c, org, in)
		if err == nil {
			w.tokens = append(w.tokens, token{id: created.ID, user: actor, org: org,
				scope: authz.TokenScope{Permissions: created.Permissions, Readonly: created.Readonly}})
		}
	case opTime:
		w.now = exp
		return nil, nil
	}
	if unexpected(err) {
		return nil, fmt.Errorf("%s: %v", o, err)
	}
	if err != nil {
		return nil, nil
	}
	return g, nil
}

// run plays ops in a fresh world and returns the index of the operation
// after which a property failed (-1: none) and why.
func run(t testing.TB, seed uint64, ops []op) (int, []string, error) {
	w := newWorld(t, seed)
	before, err := w.snapshot()
	if err != nil {
		return 0, nil, err
	}
	var notes []string
	for i, o := range ops {
		g, err := w.apply(o, before)
		if err != nil {
			return i, notes, err
		}
		after, err := w.snapshot()
		if err != nil {
			return i, notes, err
		}
		if err := checkGains(w, before, after, g); err != nil {
			return i, notes, err
		}
		note, err := checkOwners(w, after)
		if err != nil {
			return i, notes, err
		}
		if note != "" {
			notes = append(notes, fmt.Sprintf("after op %d %s: %s", i, o, note))
		}
		before = after
	}
	return -1, notes, nil
}

// shrink drops operations from a failing sequence while it still fails.
func shrink(t testing.TB, seed uint64, ops []op) ([]op, error) {
	_, _, err := run(t, seed, ops)
	deadline := time.Now().Add(30 * time.Second)
	for changed := true; changed && time.Now().Before(deadline); {
		changed = false
		for i := len(ops) - 1; i >= 0; i-- {
			cand := slices.Delete(slices.Clone(ops), i, i+1)
			if at, _, e := run(t, seed, cand); at >= 0 && e != nil {
				ops, err, changed = cand[:at+1], e, true
				if i > len(ops) {
					i = len(ops)
				}
			}
		}
	}
	return ops, err
}

// TestRuleIntersections drives random worlds through the real services
// over minidyn and checks after every operation that nobody gained a
// permission its giver did not hold, and that every org keeps its owner.
// A failure prints the seed and a minimal sequence of operations; rerun
// one world with PROPERTY_SEED=<seed>.
func TestRuleIntersections(t *testing.T) {
	worlds, base := defaultWorlds, uint64(time.Now().UnixNano())
	if s := os.Getenv("PROPERTY_WORLDS"); s != "" {
		worlds, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("PROPERTY_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("PROPERTY_SEED: %v", err)
		}
		base, worlds = v, 1
	}
	start := time.Now()
	ran, notes := 0, 0
	for i := range worlds {
		seed := base + uint64(i)
		ops := genOps(rand.New(rand.NewPCG(seed, 0x0b5)), opsPerWorld)
		at, ns, err := run(t, seed, ops)
		notes += len(ns)
		if len(ns) > 0 && notes == len(ns) {
			t.Logf("rule 9's usable-owner check (off until the store counts usable owners) would fail: seed %d, %s", seed, ns[0])
		}
		if err != nil {
			min, merr := shrink(t, seed, ops[:at+1])
			var b strings.Builder
			for j, o := range min {
				fmt.Fprintf(&b, "\n  %2d %s", j, o)
			}
			t.Fatalf("seed %d (PROPERTY_SEED=%d): after operation %d: %v\nminimal sequence (%d operations): %v%s",
				seed, seed, at, err, len(min), merr, b.String())
		}
		ran += len(ops)
	}
	t.Logf("%d worlds, %d operations in %s; usable-owner notes: %d", worlds, ran, time.Since(start).Round(time.Millisecond), notes)
}
