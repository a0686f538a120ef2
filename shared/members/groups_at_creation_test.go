package members_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/members"
)

func reasonOf(err error) string {
	if e, ok := err.(*gatehouse.Error); ok {
		return string(e.Code) + "/" + e.Reason
	}
	if err == nil {
		return ""
	}
	return "other: " + err.Error()
}

// TestCreateWithGroupsAndLimits: a creation that puts the member in groups
// and sets its limits is still one transaction (docs/imports.md), and
// needs what the groups and limits routes need (authz.GivesAtCreation),
// and rule 6 for what the groups give.
func TestCreateWithGroupsAndLimits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o, err := f.env.Store.Org(ctx, f.org)
	if err != nil {
		t.Fatal(err)
	}
	plain := &gatehouse.Group{OrgID: f.org, ID: "grp_plainplainplainplainplainpl", Name: "Plain", Roles: []string{}}
	admins := &gatehouse.Group{OrgID: f.org, ID: "grp_adminsadminsadminsadminsad", Name: "Admins", Roles: []string{}}
	for _, g := range []*gatehouse.Group{plain, admins} {
		if err := f.env.Store.CreateGroup(ctx, o, g, f.owner.Actor); err != nil {
			t.Fatal(err)
		}
		o, _ = f.env.Store.Org(ctx, f.org)
	}
	o, _ = f.env.Store.Org(ctx, f.org)
	if err := f.env.Store.SetGroupRoles(ctx, o, admins.ID, []string{"admin"}, f.owner.Actor); err != nil {
		t.Fatal(err)
	}

	f.env.Counter.Reset()
	two, seven := 2, 7
	res, err := f.svc.Create(ctx, f.owner, f.org, members.CreateInput{Email: "grace@example.com", Roles: []string{"viewer"},
		Groups: []string{plain.ID, admins.ID}, UserLimit: &two, ResourceLimit: &seven})
	if err != nil {
		t.Fatal(err)
	}
	if c := f.env.Counter.Counts(); c["TransactWriteItems"] != 1 {
		t.Errorf("calls %v: want exactly one TransactWriteItems", c)
	}
	m, err := f.env.Store.Membership(ctx, f.org, res.Member.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Groups, []string{plain.ID, admins.ID}) || m.UserLimit != 2 || m.ResourceLimit != 7 {
		t.Errorf("membership %+v, want both groups, userLimit 2, resourceLimit 7", m)
	}

	// A manager holds members:* but not groups:manage.
	manager := f.caller("mgr", "manager")
	if got := reasonOf(mustFail(f.svc.Create(ctx, manager, f.org, members.CreateInput{Email: "a@example.com", Roles: []string{"viewer"}, Groups: []string{plain.ID}}))); got != "forbidden/missing_permission" {
		t.Errorf("manager with groups: %q, want forbidden/missing_permission", got)
	}
	// With groups:manage, the groups still give only what the caller may.
	groupsManager := f.caller("mgr", "manager")
	groupsManager.Permissions = append(groupsManager.Permissions, "groups:manage")
	if got := reasonOf(mustFail(f.svc.Create(ctx, groupsManager, f.org, members.CreateInput{Email: "b@example.com", Roles: []string{"viewer"}, Groups: []string{admins.ID}}))); got != "forbidden/escalation" {
		t.Errorf("a group giving admin: %q, want forbidden/escalation", got)
	}
	if got := reasonOf(mustFail(f.svc.Create(ctx, f.owner, f.org, members.CreateInput{Email: "c@example.com", Roles: []string{"viewer"}, Groups: []string{"grp_nosuchnosuchnosuchnosuchno"}}))); got != "validation_failed/" {
		t.Errorf("unknown group: %q, want validation_failed", got)
	}
	if got := reasonOf(mustFail(f.svc.Create(ctx, f.owner, f.org, members.CreateInput{Email: "d@example.com", Roles: []string{"viewer"}, Groups: []string{"all"}}))); got != "validation_failed/" {
		t.Errorf("the built-in group: %q, want validation_failed", got)
	}
}

func mustFail(_ *members.CreateResult, err error) error { return err }
