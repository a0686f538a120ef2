package dynamo_test

import (
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

func TestGroupMembersAndDeletion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.env.Store
	f.addMember(t, gatehouse.Membership{UserID: "v"})
	f.addMember(t, gatehouse.Membership{UserID: "w", Groups: []string{"grp_old"}})
	g := &dynamo.Group{OrgID: f.org.ID, ID: "grp_x", Name: "x"}
	if err := s.CreateGroup(f.ctx, f.org, g, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	// The org's version guards its policy: a stale org is refused.
	if err := s.CreateGroup(f.ctx, f.org, &dynamo.Group{OrgID: f.org.ID, ID: "grp_y"}, gatehouse.Actor{}); gatehouse.ErrorCode(err) != gatehouse.CodeConflict {
		t.Errorf("stale org: %v, want conflict", err)
	}
	o := f.reloadOrg(t)
	if err := s.SetGroupRoles(f.ctx, o, "grp_x", []string{"developer"}, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"v", "w"} {
		m, _ := s.Membership(f.ctx, f.org.ID, u)
		if err := s.AddGroupMember(f.ctx, f.org.ID, "grp_x", m, gatehouse.Actor{}); err != nil {
			t.Fatalf("add %s: %v", u, err)
		}
		// A second add from the same (now stale) read is refused, not doubled.
		if err := s.AddGroupMember(f.ctx, f.org.ID, "grp_x", m, gatehouse.Actor{}); gatehouse.ErrorCode(err) != gatehouse.CodeConflict {
			t.Errorf("stale add %s: %v", u, err)
		}
	}
	ids, err := s.GroupMemberIDs(f.ctx, f.org.ID, "grp_x", 0)
	if err != nil || !slices.Equal(ids, []string{"v", "w"}) {
		t.Fatalf("members = %v, %v", ids, err)
	}
	o = f.reloadOrg(t)
	m, _ := s.Membership(f.ctx, f.org.ID, "w")
	// A stale group id in a membership is dropped; the built-in one is added.
	if got := dynamo.GroupsOf(o, m); !slices.Equal(got, []string{"all", "grp_x"}) {
		t.Errorf("GroupsOf = %v", got)
	}
	gg, err := s.Group(f.ctx, o, "grp_x")
	if err != nil || gg.MemberCount != 2 || !slices.Equal(gg.Roles, []string{"developer"}) {
		t.Errorf("group = %+v, %v", gg, err)
	}
	if err := s.RemoveGroupMember(f.ctx, f.org.ID, "grp_x", m, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteGroup(f.ctx, o, "grp_x", gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	o = f.reloadOrg(t)
	v, _ := s.Membership(f.ctx, f.org.ID, "v")
	w, _ := s.Membership(f.ctx, f.org.ID, "w")
	if _, ok := o.GroupRoles["grp_x"]; ok || len(v.Groups) != 0 || !slices.Equal(w.Groups, []string{"grp_old"}) {
		t.Errorf("after delete: groupRoles %v, v %v, w %v", o.GroupRoles, v.Groups, w.Groups)
	}
	if ids, _ := s.GroupMemberIDs(f.ctx, f.org.ID, "grp_x", 0); len(ids) != 0 {
		t.Errorf("member items left: %v", ids)
	}
}
