package groups_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/groups"
	"github.com/gatehouse-dev/gatehouse/shared/resources"
)

func TestMuxServesEveryRoute(t *testing.T) {
	m := groups.NewMux(groups.NewService(nil, authz.NewCatalogue(nil)), slog.New(slog.DiscardHandler))
	if missing := m.Missing(); len(missing) != 0 {
		t.Errorf("routes without handler: %v", missing)
	}
}

type fixture struct {
	ctx   context.Context
	store *dynamo.Store
	cat   *authz.Catalogue
	svc   *groups.Service
	org   string
}

// caller is the caller as the authorizer passes it: effective roles and
// permissions of its direct roles.
func (f *fixture) caller(id, role string) *gatehouse.Caller {
	perms, _ := f.cat.BuiltinRole(role)
	return &gatehouse.Caller{Actor: gatehouse.Actor{UserID: id}, OrgID: f.org, Roles: []string{role}, Permissions: perms}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := dynamotest.New(t)
	ctx := context.Background()
	now := env.Store.Now()
	u := &gatehouse.User{ID: "owner", Email: "o@example.com", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	org := dynamo.NewPersonalOrg(u, now)
	if err := env.Store.CreateAccount(ctx, u, org, gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	cat := authz.NewCatalogue(authz.DefaultResourceTypes)
	f := &fixture{ctx: ctx, store: env.Store, cat: cat, svc: groups.NewService(env.Store, cat), org: org.ID}
	for id, role := range map[string]string{"admin": authz.RoleAdmin, "dev": authz.RoleDeveloper, "viewer": authz.RoleViewer, "mgr": authz.RoleManager} {
		m := &gatehouse.Membership{OrgID: org.ID, UserID: id, Roles: []string{role}, Status: gatehouse.StatusActive, ResourceLimit: -1}
		if err := env.PutMembership(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func code(err error) string {
	if e, ok := errors.AsType[*gatehouse.Error](err); ok {
		return string(e.Code) + "/" + e.Reason
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestGroupLifecycle(t *testing.T) {
	f := newFixture(t)
	admin, owner := f.caller("admin", authz.RoleAdmin), f.caller("owner", authz.RoleOwner)
	g, err := f.svc.Create(f.ctx, admin, f.org, groups.Input{Name: "Field team"})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		by    *gatehouse.Caller
		roles []string
		want  string
	}{
		{"unknown role", admin, []string{"nope"}, "validation_failed/"},
		{"owner never through a group", owner, []string{authz.RoleOwner}, "validation_failed/"},
		{"manager cannot bind admin", f.caller("mgr", authz.RoleManager), []string{authz.RoleAdmin}, "forbidden/escalation"},
		{"viewer cannot bind developer", f.caller("viewer", authz.RoleViewer), []string{authz.RoleDeveloper}, "forbidden/escalation"},
		{"admin binds developer", admin, []string{authz.RoleDeveloper}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.SetRoles(f.ctx, tt.by, f.org, g.ID, groups.RolesInput{Roles: tt.roles})
			if got := code(err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}

	// Add the viewer; the group's developer role now applies to it.
	if err := f.svc.AddMember(f.ctx, admin, f.org, g.ID, "viewer"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AddMember(f.ctx, admin, f.org, g.ID, "viewer"); err != nil {
		t.Errorf("adding twice: %v", err)
	}
	if err := f.svc.AddMember(f.ctx, admin, f.org, g.ID, "ghost"); code(err) != "not_found/" {
		t.Errorf("adding a non-member: %v", err)
	}
	// A viewer cannot add people to a group whose roles it does not hold.
	if err := f.svc.AddMember(f.ctx, f.caller("viewer", authz.RoleViewer), f.org, g.ID, "dev"); code(err) != "forbidden/escalation" {
		t.Errorf("viewer adds to developer group: %v", err)
	}
	m, _ := f.store.Membership(f.ctx, f.org, "viewer")
	o, _ := f.store.Org(f.ctx, f.org)
	if !slices.Contains(dynamo.GroupsOf(o, m), g.ID) {
		t.Fatalf("viewer's groups = %v", m.Groups)
	}
	eff := authz.Compile(&authz.OrgPolicy{Catalogue: f.cat, GroupRoles: o.GroupRoles}, authz.Subject{UserID: "viewer", Roles: m.Roles, Groups: dynamo.GroupsOf(o, m)})
	if !eff.Has("device:create") {
		t.Errorf("group role not inherited: %v", eff.Permissions())
	}

	// A grant to the group opens a resource to its members.
	rs := resources.NewService(f.store, f.cat)
	rc := &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "dev"}, OrgID: f.org}
	if _, err := rs.Register(f.ctx, rc, f.org, resources.RegisterInput{Type: "device", ID: "d1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.SetGrants(f.ctx, rc, f.org, dynamo.Ref{Type: "device", ID: "d1"}, resources.GrantsInput{Grants: []authz.Grant{{Principal: "group:" + g.ID, Allow: []string{"read"}}}}); err != nil {
		t.Fatal(err)
	}
	p, _, err := rs.List(f.ctx, &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "viewer"}, OrgID: f.org}, f.org, "", 10, "")
	if err != nil || len(p) != 1 {
		t.Fatalf("viewer's list through the group = %+v, %v", p, err)
	}

	list, _, err := f.svc.List(f.ctx, f.org, 10, "")
	if err != nil || len(list) != 2 || list[0].ID != dynamo.GroupAll || list[1].MemberCount != 1 {
		t.Errorf("list = %+v, %v", list, err)
	}
	// Page size 1 walks through the built-in group and then the stored one.
	p1, next, _ := f.svc.List(f.ctx, f.org, 1, "")
	p2, _, err := f.svc.List(f.ctx, f.org, 1, next)
	if err != nil || len(p1) != 1 || len(p2) != 1 || p2[0].ID != g.ID {
		t.Errorf("paged list = %+v / %+v, %v", p1, p2, err)
	}

	// Deleting the group revokes what it gave: roles and grants.
	if err := f.svc.Delete(f.ctx, admin, f.org, g.ID); err != nil {
		t.Fatal(err)
	}
	m, _ = f.store.Membership(f.ctx, f.org, "viewer")
	o, _ = f.store.Org(f.ctx, f.org)
	if _, ok := o.GroupRoles[g.ID]; ok || slices.Contains(m.Groups, g.ID) {
		t.Errorf("after delete: groupRoles %v, viewer's groups %v", o.GroupRoles, m.Groups)
	}
	p, _, err = rs.List(f.ctx, &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "viewer"}, OrgID: f.org}, f.org, "", 10, "")
	if err != nil || len(p) != 0 {
		t.Errorf("viewer still sees %+v, %v", p, err)
	}
	if err := f.svc.Delete(f.ctx, admin, f.org, dynamo.GroupAll); code(err) != "conflict/" {
		t.Errorf("delete all: %v", err)
	}
}

func TestBuiltinAllGroup(t *testing.T) {
	f := newFixture(t)
	admin := f.caller("admin", authz.RoleAdmin)
	if err := f.svc.AddMember(f.ctx, admin, f.org, dynamo.GroupAll, "dev"); code(err) != "conflict/" {
		t.Errorf("add to all: %v", err)
	}
	g, err := f.svc.SetRoles(f.ctx, admin, f.org, dynamo.GroupAll, groups.RolesInput{Roles: []string{authz.RoleViewer}})
	if err != nil || !g.BuiltIn || !slices.Equal(g.Roles, []string{authz.RoleViewer}) {
		t.Fatalf("bind viewer to all = %+v, %v", g, err)
	}
	o, _ := f.store.Org(f.ctx, f.org)
	// A member with no roles at all now reads through the all group.
	m := &gatehouse.Membership{OrgID: f.org, UserID: "bare", Roles: []string{}, Status: gatehouse.StatusActive}
	eff := authz.Compile(&authz.OrgPolicy{Catalogue: f.cat, GroupRoles: o.GroupRoles}, authz.Subject{UserID: m.UserID, Groups: dynamo.GroupsOf(o, m)})
	if !eff.Has("org:read") {
		t.Errorf("all group's role not applied: %v", eff.Permissions())
	}
}
