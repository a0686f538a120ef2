// Package evaluator compares Gatehouse's permission evaluator (shared/authz)
// with Casbin enforcing the same policy: RBAC with domains for the
// permissions that roles give, and per-resource allow/deny grants with deny
// override. It lives in the bench module so that Casbin never enters the
// production module.
//
// The org is the one of shared/authz's own benchmark: 50 roles (45 custom
// plus the 5 built-in ones, ten of them bound to groups) and a resource
// carrying 1,000 grants among which the subject's principals come last.
package evaluator

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
)

// OrgID is the org (Casbin domain) of the world.
const OrgID = "org_bench"

// World is one org's policy, its resources and the clock of the decisions.
type World struct {
	Policy *authz.OrgPolicy
	// Big is the benchmark's resource, with 1,000 grants.
	Big *authz.Resource
	// Small are a few resources with a handful of grants, for the
	// agreement sample (owners, type grants, denies).
	Small []*authz.Resource
	// TypeGrants apply to every resource of their type.
	TypeGrants map[string][]authz.Grant
	Now        time.Time
	// Users are the user ids that appear in grants or own resources.
	Users []string
	// Groups are the group ids that appear in grants or bind roles.
	Groups []string
	// Roles are every role id (custom and built-in).
	Roles []string
}

// NewWorld builds the org.
func NewWorld() *World {
	cat := authz.NewCatalogue([]string{"device", "dashboard", "bucket", "gateway"})
	perms := cat.Permissions()
	w := &World{
		Policy:     &authz.OrgPolicy{Catalogue: cat, CustomRoles: map[string][]string{}, GroupRoles: map[string][]string{}, DefaultResourceAccess: "granted"},
		Now:        time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC),
		TypeGrants: map[string][]authz.Grant{},
	}
	w.Roles = append(w.Roles, authz.BuiltinRoleIDs...)
	for i := range 45 { // 45 custom + 5 built-in = 50 roles
		var rp []string
		for j := i; j < len(perms); j += 7 {
			rp = append(rp, perms[j])
		}
		id := fmt.Sprintf("role%02d", i)
		w.Policy.CustomRoles[id] = rp
		w.Roles = append(w.Roles, id)
	}
	for g := range 10 {
		id := fmt.Sprintf("grp%d", g)
		w.Policy.GroupRoles[id] = []string{fmt.Sprintf("role%02d", g), fmt.Sprintf("role%02d", g+20)}
		w.Groups = append(w.Groups, id)
	}
	w.Groups = append(w.Groups, "all")

	later := w.Now.Add(time.Hour)
	earlier := w.Now.Add(-time.Hour)
	big := &authz.Resource{Type: "device", ID: "dev_1", OwnerID: "user_other"}
	for i := range 1000 {
		g := authz.Grant{Principal: fmt.Sprintf("user:user_%04d", i), Allow: []string{"read", "update"}}
		if i%3 == 0 {
			g.Principal = fmt.Sprintf("group:other%03d", i)
			g.Deny = []string{"delete"}
		}
		if i%5 == 0 {
			g.ExpiresAt = &later
		}
		if i%97 == 0 {
			// Expired grants count for nothing (Casbin is given only the
			// grants in force: it has no notion of expiry).
			g.ExpiresAt = &earlier
		}
		big.Grants = append(big.Grants, g)
	}
	big.Grants[998] = authz.Grant{Principal: "group:grp2", Allow: []string{"read", "update"}}
	big.Grants[999] = authz.Grant{Principal: "user:user_me", Deny: []string{"share"}}
	w.TypeGrants["device"] = []authz.Grant{{Principal: "group:all", Allow: []string{"read"}}}
	w.TypeGrants["dashboard"] = []authz.Grant{{Principal: "group:grp4", Allow: []string{"*"}}, {Principal: "user:user_0007", Deny: []string{"delete"}}}
	big.TypeGrants = w.TypeGrants[big.Type]
	w.Big = big

	w.Small = []*authz.Resource{
		{Type: "dashboard", ID: "dash_1", OwnerID: "user_0001", Grants: []authz.Grant{
			{Principal: "group:grp3", Allow: []string{"read", "share"}},
			{Principal: "user:user_0001", Deny: []string{"delete"}},
			{Principal: "user:user_me", Allow: []string{"*"}},
		}},
		{Type: "device", ID: "dev_2", OwnerID: "user_me", Grants: []authz.Grant{
			{Principal: "group:grp1", Deny: []string{"*"}},
			{Principal: "user:user_0002", Allow: []string{"update"}, ExpiresAt: &earlier},
		}},
		{Type: "bucket", ID: "bkt_1", OwnerID: "user_0003"},
	}
	for _, r := range w.Small {
		r.TypeGrants = w.TypeGrants[r.Type]
	}
	for i := 0; i < 1000; i += 37 {
		w.Users = append(w.Users, fmt.Sprintf("user_%04d", i))
	}
	w.Users = append(w.Users, "user_me", "user_other", "user_0001", "user_0002", "user_0003", "user_0007")
	return w
}

// BenchSubject is the subject of the benchmark: a developer with three
// custom roles, in four groups, whose grant and deny come last of 1,000.
func BenchSubject() authz.Subject {
	return authz.Subject{
		UserID: "user_me",
		Roles:  []string{authz.RoleDeveloper, "role01", "role02", "role30"},
		Groups: []string{"all", "grp1", "grp2", "grp3"},
	}
}

// RandomSubject draws a membership for userID: 0-3 roles (owner and admin
// rarely), 0-3 groups plus the built-in all group.
func (w *World) RandomSubject(r *rand.Rand, userID string) authz.Subject {
	s := authz.Subject{UserID: userID, Groups: []string{"all"}}
	for range r.IntN(4) {
		role := w.Roles[2+r.IntN(len(w.Roles)-2)] // not owner/admin
		if r.IntN(20) == 0 {
			role = w.Roles[r.IntN(2)]
		}
		s.Roles = append(s.Roles, role)
	}
	for range r.IntN(4) {
		s.Groups = append(s.Groups, w.Groups[r.IntN(len(w.Groups))])
	}
	slices.Sort(s.Roles)
	s.Roles = slices.Compact(s.Roles)
	slices.Sort(s.Groups)
	s.Groups = slices.Compact(s.Groups)
	return s
}

// casbinModel is RBAC with domains plus a second policy type for resource
// grants with deny override, evaluated by two Enforce calls (request types
// r and r2): the permission "<type>:<action>" through the subject's roles,
// then access to the resource. Owners and admins (rule 4) act on every
// resource: a policy line gives admin everything, and deny lines do not
// apply to admins. Owner inherits admin. Nor do deny lines apply to the
// resource's own owner (g2: user owns object).
const casbinModel = `
[request_definition]
r = sub, dom, obj, act
r2 = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act
p2 = sub, dom, obj, act, eft

[role_definition]
g = _, _, _
g2 = _, _

[policy_effect]
e = some(where (p.eft == allow))
e2 = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
m2 = g(r2.sub, p2.sub, r2.dom) && r2.dom == p2.dom && keyMatch(r2.obj, p2.obj) && (r2.act == p2.act || p2.act == "*") && (p2.eft == "allow" || (!g(r2.sub, "admin", r2.dom) && !g2(r2.sub, r2.obj)))
`

// Casbin is the world's policy in a Casbin enforcer.
type Casbin struct {
	e   *casbin.Enforcer
	ctx casbin.EnforceContext
	// Lines counts the policy lines (p, p2, g) loaded.
	Lines int
}

// NewCasbin loads the world's policy, and the memberships of subjects, into
// a Casbin enforcer. Memberships are per (user, org): each user id must
// stand for one subject only.
func (w *World) NewCasbin(subjects []authz.Subject) (*Casbin, error) {
	m, err := model.NewModelFromString(casbinModel)
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, err
	}
	var p, p2, g, g2 [][]string
	for _, role := range w.Roles {
		perms, _ := w.Policy.RolePermissions(role)
		for _, perm := range perms {
			obj, act, _ := authz.Split(perm)
			p = append(p, []string{role, OrgID, obj, act})
		}
	}
	g = append(g, []string{authz.RoleOwner, authz.RoleAdmin, OrgID})
	p2 = append(p2, []string{authz.RoleAdmin, OrgID, "*", "*", "allow"})
	for grp, roles := range w.Policy.GroupRoles {
		for _, role := range roles {
			g = append(g, []string{"group:" + grp, role, OrgID})
		}
	}
	addGrants := func(obj string, grants []authz.Grant) {
		for _, gr := range grants {
			if gr.ExpiresAt != nil && !w.Now.Before(*gr.ExpiresAt) {
				continue
			}
			for _, a := range gr.Allow {
				p2 = append(p2, []string{gr.Principal, OrgID, obj, a, "allow"})
			}
			for _, a := range gr.Deny {
				p2 = append(p2, []string{gr.Principal, OrgID, obj, a, "deny"})
			}
		}
	}
	for _, r := range append([]*authz.Resource{w.Big}, w.Small...) {
		obj := r.Type + "/" + r.ID
		if r.OwnerID != "" {
			p2 = append(p2, []string{"user:" + r.OwnerID, OrgID, obj, "*", "allow"})
			g2 = append(g2, []string{"user:" + r.OwnerID, obj})
		}
		addGrants(obj, r.Grants)
	}
	for typ, grants := range w.TypeGrants {
		addGrants(typ+"/*", grants)
	}
	seen := map[string]bool{}
	for _, s := range subjects {
		u := "user:" + s.UserID
		for _, role := range s.Roles {
			if k := u + " " + role; !seen[k] {
				seen[k] = true
				g = append(g, []string{u, role, OrgID})
			}
		}
		for _, grp := range s.Groups {
			if k := u + " group:" + grp; !seen[k] {
				seen[k] = true
				g = append(g, []string{u, "group:" + grp, OrgID})
			}
		}
	}
	if _, err := e.AddNamedPolicies("p", p); err != nil {
		return nil, fmt.Errorf("add p: %w", err)
	}
	if _, err := e.AddNamedPolicies("p2", p2); err != nil {
		return nil, fmt.Errorf("add p2: %w", err)
	}
	if _, err := e.AddNamedGroupingPolicies("g", g); err != nil {
		return nil, fmt.Errorf("add g: %w", err)
	}
	if len(g2) > 0 {
		if _, err := e.AddNamedGroupingPolicies("g2", g2); err != nil {
			return nil, fmt.Errorf("add g2: %w", err)
		}
	}
	return &Casbin{e: e, ctx: casbin.NewEnforceContext("2"), Lines: len(p) + len(p2) + len(g) + len(g2)}, nil
}

// Enforce decides action on r for the user with Casbin: the permission
// through the user's roles, then access to the resource.
func (c *Casbin) Enforce(userID, action string, r *authz.Resource) (bool, error) {
	sub := "user:" + userID
	ok, err := c.e.Enforce(sub, OrgID, r.Type, action)
	if err != nil || !ok {
		return false, err
	}
	return c.e.Enforce(c.ctx, sub, OrgID, r.Type+"/"+r.ID, action)
}
