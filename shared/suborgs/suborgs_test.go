package suborgs_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/suborgs"
)

func TestRegisterServesTheSubOrgRoutes(t *testing.T) {
	m := apigw.NewMux(routes.FnOrgs, slog.New(slog.DiscardHandler))
	suborgs.Register(m, suborgs.NewService(nil))
	for _, missing := range m.Missing() {
		if missing == "POST /v1/orgs/{orgId}/suborgs" || missing == "GET /v1/orgs/{orgId}/suborgs" {
			t.Errorf("not registered: %s", missing)
		}
	}
}

func TestSubOrgTree(t *testing.T) {
	env := dynamotest.New(t)
	ctx := context.Background()
	st := env.Store
	now := st.Now()
	u := &gatehouse.User{ID: "root", Email: "r@example.com", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	top := dynamo.NewPersonalOrg(u, now)
	if err := st.CreateAccount(ctx, u, top, gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	svc := suborgs.NewService(st)
	caller := &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "root"}, OrgID: top.ID}
	child, err := svc.Create(ctx, caller, top.ID, suborgs.Input{Name: " Customer A "})
	if err != nil {
		t.Fatal(err)
	}
	grand, err := svc.Create(ctx, caller, child.ID, suborgs.Input{Name: "Site 1"})
	if err != nil {
		t.Fatal(err)
	}
	if child.Name != "Customer A" || child.ParentID != top.ID || len(grand.Org.Ancestors) != 2 || grand.Org.Ancestors[0] != top.ID || grand.Org.Ancestors[1] != child.ID || grand.Ancestors != nil {
		t.Errorf("child %+v grand %+v", child, grand)
	}
	if _, err := svc.Create(ctx, caller, top.ID, suborgs.Input{Name: "Customer B"}); err != nil {
		t.Fatal(err)
	}
	o, _ := st.Org(ctx, top.ID)
	if o.Usage.SubOrgCount != 2 {
		t.Errorf("subOrgCount = %d, want 2", o.Usage.SubOrgCount)
	}
	// The creator owns the sub-org; an admin of the top acts as admin below
	// (the snapshot reads ancestors).
	m, err := st.Membership(ctx, grand.ID, "root")
	if err != nil || !m.HasRole(authz.RoleOwner) {
		t.Errorf("creator membership = %+v, %v", m, err)
	}
	if err := env.PutMembership(ctx, &gatehouse.Membership{OrgID: top.ID, UserID: "adm", Roles: []string{authz.RoleAdmin}, Status: gatehouse.StatusActive}); err != nil {
		t.Fatal(err)
	}
	snap, err := st.LoadSnapshot(ctx, grand.ID, []string{"adm", "root"}, nil, nil)
	if err != nil || len(snap.Ancestors["adm"]) != 1 || snap.Members["adm"] != nil {
		t.Errorf("snapshot of grandchild = %+v, %v", snap, err)
	}
	p1, next, err := svc.List(ctx, top.ID, 1, "")
	if err != nil || len(p1) != 1 || next == "" {
		t.Fatalf("page 1 = %+v, %v", p1, err)
	}
	p2, _, err := svc.List(ctx, top.ID, 1, next)
	if err != nil || len(p2) != 1 || p2[0].ID == p1[0].ID {
		t.Errorf("page 2 = %+v, %v", p2, err)
	}
	if p, _, _ := svc.List(ctx, grand.ID, 10, ""); len(p) != 0 {
		t.Errorf("grandchild has children: %+v", p)
	}
	if _, err := svc.Create(ctx, caller, top.ID, suborgs.Input{Name: ""}); gatehouse.ErrorCode(err) != gatehouse.CodeValidation {
		t.Errorf("empty name: %v", err)
	}
}
