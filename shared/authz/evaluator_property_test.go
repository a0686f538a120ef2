package authz_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
)

// The reference implementation: DESIGN.md section 3 transcribed as plainly as
// possible, with none of the evaluator's precomputation. The property test
// compares the evaluator with it on random orgs, subjects and resources.

// refRoles is rule 2's role set: direct roles, the roles of the subject's
// groups and admin inherited from an ancestor org (rule 5).
func refRoles(p *authz.OrgPolicy, s authz.Subject) []string {
	var roles []string
	roles = append(roles, s.Roles...)
	for _, g := range s.Groups {
		roles = append(roles, p.GroupRoles[g]...)
	}
	if s.InheritedAdmin {
		roles = append(roles, authz.RoleAdmin)
	}
	return roles
}

// refGives reports whether role gives perm under the flags of rule 3.
func refGives(p *authz.OrgPolicy, role, perm string, readonly, resourceReadonly bool) bool {
	var perms []string
	switch role {
	case authz.RoleOwner, authz.RoleAdmin, authz.RoleManager, authz.RoleDeveloper, authz.RoleViewer:
		perms, _ = p.Catalogue.BuiltinRole(role)
	default:
		perms = p.CustomRoles[role]
	}
	if !slices.Contains(perms, perm) {
		return false
	}
	object, action, _ := authz.Split(perm)
	if readonly && action != "read" {
		return false
	}
	isType := slices.Contains(p.Catalogue.ResourceTypes, object)
	return !(resourceReadonly && isType && action != "read")
}

// refHas decides whether the subject holds perm (rules 2, 3 and 5): own
// roles under own flags, inherited admin under the flags it carries, then
// the token's narrowing.
func refHas(p *authz.OrgPolicy, s authz.Subject, perm string) bool {
	held := false
	own := slices.Clone(s.Roles)
	for _, g := range s.Groups {
		own = append(own, p.GroupRoles[g]...)
	}
	for _, r := range own {
		if refGives(p, r, perm, s.Readonly, s.ResourceReadonly) {
			held = true
		}
	}
	if s.InheritedAdmin && refGives(p, authz.RoleAdmin, perm, s.InheritedReadonly, s.InheritedResourceReadonly) {
		held = true
	}
	if !held {
		return false
	}
	_, action, _ := authz.Split(perm)
	if s.Token != nil {
		if s.Token.Readonly && action != "read" {
			return false
		}
		if s.Token.Permissions != nil && !slices.Contains(s.Token.Permissions, perm) {
			return false
		}
	}
	return true
}

func refIsAdmin(p *authz.OrgPolicy, s authz.Subject) bool {
	roles := refRoles(p, s)
	return slices.Contains(roles, authz.RoleOwner) || slices.Contains(roles, authz.RoleAdmin)
}

// refMatches reports whether a grant applies to the subject now.
func refMatches(g authz.Grant, s authz.Subject, now time.Time) bool {
	if g.ExpiresAt != nil && !g.ExpiresAt.After(now) {
		return false
	}
	if g.Principal == "user:"+s.UserID {
		return true
	}
	for _, grp := range s.Groups {
		if g.Principal == "group:"+grp {
			return true
		}
	}
	return false
}

func refLists(actions []string, action string) bool {
	return slices.Contains(actions, action) || slices.Contains(actions, "*")
}

// refCheckResource is rule 4.
func refCheckResource(p *authz.OrgPolicy, s authz.Subject, action string, r *authz.Resource, now time.Time) bool {
	if !refHas(p, s, r.Type+":"+action) {
		return false
	}
	if refIsAdmin(p, s) || r.OwnerID == s.UserID {
		return true // no deny applies to an owner/admin nor to the resource's owner
	}
	all := append(slices.Clone(r.Grants), r.TypeGrants...)
	for _, g := range all {
		if refMatches(g, s, now) && refLists(g.Deny, action) {
			return false
		}
	}
	if r.OwnerID == s.UserID || p.DefaultResourceAccess == "all" {
		return true
	}
	for _, g := range all {
		if refMatches(g, s, now) && refLists(g.Allow, action) {
			return true
		}
	}
	return false
}

// world is one random org with a subject and a resource.
type world struct {
	policy *authz.OrgPolicy
	sub    authz.Subject
	res    *authz.Resource
	now    time.Time
}

var (
	testTypes  = []string{"device", "dashboard"}
	testGroups = []string{"all", "g1", "g2", "g3"}
	testUsers  = []string{"u1", "u2", "u3"}
)

func pick[T any](r *rand.Rand, from []T, p float64) []T {
	var out []T
	for _, v := range from {
		if r.Float64() < p {
			out = append(out, v)
		}
	}
	return out
}

func randomActions(r *rand.Rand) []string {
	if r.IntN(6) == 0 {
		return []string{"*"}
	}
	return pick(r, authz.ResourceActions, 0.3)
}

func randomGrants(r *rand.Rand, now time.Time, n int) []authz.Grant {
	var out []authz.Grant
	for range n {
		var principal string
		if r.IntN(2) == 0 {
			principal = "user:" + testUsers[r.IntN(len(testUsers))]
		} else {
			principal = "group:" + testGroups[r.IntN(len(testGroups))]
		}
		g := authz.Grant{Principal: principal, Allow: randomActions(r)}
		if r.IntN(3) == 0 {
			g.Deny = randomActions(r)
		}
		switch r.IntN(5) {
		case 0:
			past := now.Add(-time.Duration(r.IntN(3600)+1) * time.Second)
			g.ExpiresAt = &past
		case 1:
			future := now.Add(time.Duration(r.IntN(3600)+1) * time.Second)
			g.ExpiresAt = &future
		case 2:
			exact := now // expiresAt == now is already expired
			g.ExpiresAt = &exact
		}
		out = append(out, g)
	}
	return out
}

func randomWorld(r *rand.Rand, cat *authz.Catalogue) world {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	p := &authz.OrgPolicy{
		Catalogue:   cat,
		CustomRoles: map[string][]string{},
		GroupRoles:  map[string][]string{},
	}
	if r.IntN(3) == 0 {
		p.DefaultResourceAccess = "all"
	} else {
		p.DefaultResourceAccess = "granted"
	}
	customs := []string{"c1", "c2", "c3"}
	for _, c := range customs {
		p.CustomRoles[c] = pick(r, cat.Permissions(), 0.15)
	}
	allRoles := append(slices.Clone(authz.BuiltinRoleIDs), customs...)
	for _, g := range testGroups {
		if r.IntN(2) == 0 {
			p.GroupRoles[g] = pick(r, allRoles, 0.12)
		}
	}
	s := authz.Subject{
		UserID:           "u1",
		Roles:            pick(r, allRoles, 0.15),
		Groups:           pick(r, testGroups, 0.4),
		Readonly:         r.IntN(5) == 0,
		ResourceReadonly: r.IntN(4) == 0,
		InheritedAdmin:   r.IntN(10) == 0,
		// The flags of the ancestor membership the authority comes from.
		InheritedReadonly:         r.IntN(4) == 0,
		InheritedResourceReadonly: r.IntN(4) == 0,
	}
	if r.IntN(3) == 0 {
		s.Token = &authz.TokenScope{Readonly: r.IntN(3) == 0}
		if r.IntN(2) == 0 {
			s.Token.Permissions = pick(r, cat.Permissions(), 0.4)
			if s.Token.Permissions == nil {
				s.Token.Permissions = []string{} // narrowed to nothing
			}
		}
	}
	res := &authz.Resource{
		Type:       testTypes[r.IntN(len(testTypes))],
		ID:         "r1",
		OwnerID:    testUsers[r.IntN(len(testUsers))],
		Grants:     randomGrants(r, now, r.IntN(5)),
		TypeGrants: randomGrants(r, now, r.IntN(3)),
	}
	return world{policy: p, sub: s, res: res, now: now}
}

func (w world) String() string {
	return fmt.Sprintf("policy=%+v\nsubject=%+v token=%+v\nresource=%+v", *w.policy, w.sub, w.sub.Token, *w.res)
}

// TestEvaluatorMatchesReference draws random orgs (custom roles, group
// roles, default access), subjects (roles, groups, flags, inherited admin,
// tokens) and resources (owner, grants and type grants with expiries) and
// checks that the evaluator decides every permission and every resource
// action exactly as the reference does.
func TestEvaluatorMatchesReference(t *testing.T) {
	cat := authz.NewCatalogue(testTypes)
	r := rand.New(rand.NewPCG(2026, 5))
	const worlds = 20000
	allowed, denied := 0, 0
	for i := range worlds {
		w := randomWorld(r, cat)
		eff := authz.Compile(w.policy, w.sub)
		for _, perm := range cat.Permissions() {
			got, want := eff.Has(perm), refHas(w.policy, w.sub, perm)
			if got != want {
				t.Fatalf("world %d: Has(%s) = %v, reference %v\n%s", i, perm, got, want, w)
			}
			if d := eff.Check(perm); d.Allowed != want || (!d.Allowed && d.Reason == "") {
				t.Fatalf("world %d: Check(%s) = %+v, reference %v\n%s", i, perm, d, want, w)
			}
		}
		if got, want := eff.IsAdmin(), refIsAdmin(w.policy, w.sub); got != want {
			t.Fatalf("world %d: IsAdmin = %v, reference %v\n%s", i, got, want, w)
		}
		for _, action := range authz.ResourceActions {
			d := eff.CheckResource(action, w.res, w.now)
			want := refCheckResource(w.policy, w.sub, action, w.res, w.now)
			if d.Allowed != want {
				t.Fatalf("world %d: CheckResource(%s) = %+v, reference %v\n%s", i, action, d, want, w)
			}
			if d.Allowed {
				allowed++
			} else {
				denied++
			}
		}
	}
	// The generator must exercise both outcomes, or the test proves nothing.
	if allowed < worlds/10 || denied < worlds/10 {
		t.Errorf("poor coverage: %d allowed, %d denied", allowed, denied)
	}
}

// TestDenyAlwaysWins: for a subject below admin, adding an active deny of
// an action to any grant of the subject's principals (on the resource or
// its type) makes the action refused with reason "denied", whatever else
// allows it (default access, other grants), except for the org's owners and
// admins and the resource's own owner, whom no deny reaches (rule 4).
func TestDenyAlwaysWins(t *testing.T) {
	cat := authz.NewCatalogue(testTypes)
	r := rand.New(rand.NewPCG(7, 11))
	checked := 0
	for i := range 20000 {
		w := randomWorld(r, cat)
		eff := authz.Compile(w.policy, w.sub)
		if eff.IsAdmin() || w.res.OwnerID == w.sub.UserID {
			continue // no deny applies to owners, admins or the resource's owner (rule 4)
		}
		action := authz.ResourceActions[r.IntN(len(authz.ResourceActions))]
		principals := []string{"user:" + w.sub.UserID}
		for _, g := range w.sub.Groups {
			principals = append(principals, "group:"+g)
		}
		deny := authz.Grant{Principal: principals[r.IntN(len(principals))], Deny: []string{action}}
		if r.IntN(4) == 0 {
			deny.Deny = []string{"*"}
		}
		if r.IntN(2) == 0 {
			deny.Allow = []string{"*"} // an allow in the same grant changes nothing
		}
		res := *w.res
		if r.IntN(2) == 0 {
			res.Grants = append(slices.Clone(res.Grants), deny)
		} else {
			res.TypeGrants = append(slices.Clone(res.TypeGrants), deny)
		}
		d := eff.CheckResource(action, &res, w.now)
		if d.Allowed {
			t.Fatalf("world %d: %s allowed (%s) despite deny %+v\n%s", i, action, d.Reason, deny, w)
		}
		if eff.Has(res.Type+":"+action) && d.Reason != authz.ReasonDenied {
			t.Fatalf("world %d: reason = %q, want %q\n%s", i, d.Reason, authz.ReasonDenied, w)
		}
		checked++
	}
	if checked < 5000 {
		t.Errorf("only %d non-admin worlds checked", checked)
	}
}

// TestEvaluatorExhaustiveFlags enumerates every combination of one built-in
// role, the readonly and resourceReadonly flags, token readonly and the
// ownership of the resource, for every action, against the reference.
func TestEvaluatorExhaustiveFlags(t *testing.T) {
	cat := authz.NewCatalogue(testTypes)
	now := time.Now()
	p := &authz.OrgPolicy{Catalogue: cat, DefaultResourceAccess: "granted"}
	bools := []bool{false, true}
	n := 0
	for _, role := range authz.BuiltinRoleIDs {
		for _, ro := range bools {
			for _, rro := range bools {
				for _, tokRO := range []int{0, 1, 2} { // no token, token, read-only token
					for _, owner := range []string{"u1", "u2"} {
						s := authz.Subject{UserID: "u1", Roles: []string{role}, Readonly: ro, ResourceReadonly: rro}
						if tokRO > 0 {
							s.Token = &authz.TokenScope{Readonly: tokRO == 2}
						}
						eff := authz.Compile(p, s)
						res := &authz.Resource{Type: "device", ID: "d", OwnerID: owner}
						for _, a := range authz.ResourceActions {
							got := eff.CheckResource(a, res, now).Allowed
							if want := refCheckResource(p, s, a, res, now); got != want {
								t.Errorf("role=%s readonly=%v resourceReadonly=%v token=%d owner=%s %s: got %v, want %v",
									role, ro, rro, tokRO, owner, a, got, want)
							}
							n++
						}
					}
				}
			}
		}
	}
	if n != 5*2*2*3*2*5 {
		t.Errorf("checked %d combinations", n)
	}
}
