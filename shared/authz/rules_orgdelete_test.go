package authz_test

import (
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Deleting an org (docs/rules.md, "Deleting an org"): a top-level org by
// its owners; a sub-org only with authority from above, through its own
// DELETE or through the parent's sub-org route.
func TestDeletesOrg(t *testing.T) {
	now := time.Now()
	top := &gatehouse.Org{ID: "org_top"}
	child := &gatehouse.Org{ID: "org_child", ParentID: "org_top", Ancestors: []string{"org_top"}}
	c := &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u"}, Roles: []string{authz.RoleOwner}}
	mem := func(role string, ro bool) []*gatehouse.Membership {
		return []*gatehouse.Membership{{OrgID: "org_top", UserID: "u", Roles: []string{role}, Status: gatehouse.StatusActive, Readonly: ro}}
	}
	tests := []struct {
		name      string
		org       *gatehouse.Org
		ancestors []*gatehouse.Membership
		allowed   bool
	}{
		{"a top-level org by its owner", top, nil, true},
		{"a sub-org by its owner, also owner of the parent", child, mem(authz.RoleOwner, false), true},
		{"a sub-org by its owner, admin of the parent", child, mem(authz.RoleAdmin, false), true},
		{"a sub-org by its owner alone", child, nil, false},
		{"a sub-org by its owner, viewer of the parent", child, mem(authz.RoleViewer, false), false},
		{"a sub-org by its owner, read-only admin of the parent", child, mem(authz.RoleAdmin, true), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := authz.DeletesOrg(c, tt.org, tt.ancestors, now)
			if (err == nil) != tt.allowed {
				t.Errorf("DeletesOrg = %v, want allowed %v", err, tt.allowed)
			}
		})
	}
}

func TestDeletesSubOrg(t *testing.T) {
	cat := authz.NewCatalogue([]string{"device"})
	parent := &gatehouse.Org{ID: "org_top"}
	child := &gatehouse.Org{ID: "org_child", ParentID: "org_top", Ancestors: []string{"org_top"}}
	grand := &gatehouse.Org{ID: "org_grand", ParentID: "org_child", Ancestors: []string{"org_top", "org_child"}}
	pol := authz.PolicyOf(cat, parent)
	pol.CustomRoles = map[string][]string{"cleaner": {"suborgs:delete", "suborgs:read"}}
	as := func(sub authz.Subject) *gatehouse.Caller {
		c := authz.CallerOf(gatehouse.Actor{UserID: "u"}, parent.ID, authz.Compile(pol, sub), nil)
		return &c
	}
	if !as(authz.Subject{UserID: "u", Roles: []string{"cleaner"}}).Has("suborgs:delete") {
		t.Fatal("the custom role does not give suborgs:delete: the case below would test nothing")
	}
	tests := []struct {
		name     string
		sub      authz.Subject
		org      *gatehouse.Org
		wantCode gatehouse.Code
	}{
		{"owner of the parent", authz.Subject{UserID: "u", Roles: []string{authz.RoleOwner}}, child, ""},
		{"admin of the parent", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}, child, ""},
		{"admin from above the parent", authz.Subject{UserID: "u", InheritedAdmin: true}, child, ""},
		{"read-only admin", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}, Readonly: true}, child, gatehouse.CodeForbidden},
		{"a custom role with suborgs:delete", authz.Subject{UserID: "u", Roles: []string{"cleaner"}}, child, gatehouse.CodeForbidden},
		{"a grandchild through the parent", authz.Subject{UserID: "u", Roles: []string{authz.RoleOwner}}, grand, gatehouse.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := authz.DeletesSubOrg(as(tt.sub), parent.ID, tt.org)
			if gatehouse.ErrorCode(err) != tt.wantCode {
				t.Errorf("DeletesSubOrg = %v, want code %q", err, tt.wantCode)
			}
		})
	}
}
