package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// lastOwnerFixture is an org whose only usable owner is owner1, with a
// second owner u2 whose membership expires (not usable, rule 9).
func lastOwnerFixture(t *testing.T, env *dynamotest.Env) (*gatehouse.Org, *gatehouse.Membership) {
	t.Helper()
	ctx := context.Background()
	now := env.Store.Now()
	if err := env.Store.CreateAccount(ctx, newUser("owner1", "owner1@example.com", now), nil, gatehouse.Actor{UserID: "owner1"}); err != nil {
		t.Fatal(err)
	}
	org := &gatehouse.Org{ID: "org_shared", Name: "shared", Quotas: gatehouse.Quotas{MaxMembers: -1}, CreatedAt: now, UpdatedAt: now}
	if err := env.Store.CreateOrg(ctx, org, dynamo.OwnerMembership(org.ID, "owner1", -1, now), gatehouse.Actor{UserID: "owner1"}); err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	o, _ := env.Store.Org(ctx, org.ID)
	exp := now.Add(time.Hour).UTC()
	m := &gatehouse.Membership{OrgID: org.ID, UserID: "u2", Roles: []string{"owner"}, Status: gatehouse.StatusActive,
		ExpiresAt: &exp, UserLimit: 0, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	if err := env.Store.CreateMember(ctx, dynamo.NewMember{Member: m, Org: o, Account: newUser("u2", "u2@example.com", now),
		Audit: []gatehouse.AuditEvent{env.Store.NewAudit(gatehouse.Actor{UserID: "owner1"}, org.ID, "member.create", "u2", nil, nil)}}); err != nil {
		t.Fatalf("CreateMember: %v", err)
	}
	o, _ = env.Store.Org(ctx, org.ID)
	if o.Usage.Owners != 1 || o.Usage.Members != 2 {
		t.Fatalf("usage %+v, want 2 members and 1 usable owner (an owner with an expiry does not count)", o.Usage)
	}
	owner, err := env.Store.Membership(ctx, o.ID, "owner1")
	if err != nil {
		t.Fatal(err)
	}
	return o, owner
}

// TestLastUsableOwnerGuard: every change that ends the org's last usable
// owner is refused by the ownerCount condition of its one transaction,
// with nothing written; rule 9's exceptions (an expiry given by a parent
// or platform admin, force) pass and leave the count at 0.
func TestLastUsableOwnerGuard(t *testing.T) {
	exp := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	change := func(f func(*gatehouse.Membership), mayEnd bool) func(*testing.T, *dynamotest.Env, *gatehouse.Org, *gatehouse.Membership) error {
		return func(t *testing.T, env *dynamotest.Env, o *gatehouse.Org, m *gatehouse.Membership) error {
			after := *m
			f(&after)
			return env.Store.ChangeMember(context.Background(), dynamo.MemberChange{Before: m, After: &after, Org: o, MayEndLastOwner: mayEnd,
				Audit: env.Store.NewAudit(gatehouse.Actor{}, o.ID, "member.update", m.UserID, nil, nil)})
		}
	}
	remove := func(force bool) func(*testing.T, *dynamotest.Env, *gatehouse.Org, *gatehouse.Membership) error {
		return func(t *testing.T, env *dynamotest.Env, o *gatehouse.Org, m *gatehouse.Membership) error {
			return env.Store.RemoveMember(context.Background(), dynamo.MemberRemoval{Member: m, Org: o, Force: force,
				Audit: []gatehouse.AuditEvent{env.Store.NewAudit(gatehouse.Actor{}, o.ID, "member.remove", m.UserID, nil, nil)}})
		}
	}
	account := func(ch dynamo.AccountChanges, force bool) func(*testing.T, *dynamotest.Env, *gatehouse.Org, *gatehouse.Membership) error {
		return func(t *testing.T, env *dynamotest.Env, o *gatehouse.Org, m *gatehouse.Membership) error {
			u, err := env.Store.User(context.Background(), m.UserID)
			if err != nil {
				t.Fatal(err)
			}
			_, err = env.Store.UpdateAccount(context.Background(), u, ch, gatehouse.Actor{UserID: "platform"}, force)
			return err
		}
	}
	disabled, expires := gatehouse.StatusDisabled, &exp
	tests := []struct {
		name       string
		do         func(*testing.T, *dynamotest.Env, *gatehouse.Org, *gatehouse.Membership) error
		wantOwners int // after; 1 when refused
		wantCode   gatehouse.Code
	}{
		{"remove", remove(false), 1, gatehouse.CodeLastOwner},
		{"demote", change(func(a *gatehouse.Membership) { a.Roles = []string{"admin"} }, false), 1, gatehouse.CodeLastOwner},
		{"disable", change(func(a *gatehouse.Membership) { a.Status = gatehouse.StatusDisabled }, false), 1, gatehouse.CodeLastOwner},
		{"give an expiry", change(func(a *gatehouse.Membership) { a.ExpiresAt = &exp }, false), 1, gatehouse.CodeLastOwner},
		{"disable the account", account(dynamo.AccountChanges{Status: &disabled}, false), 1, gatehouse.CodeLastOwner},
		{"give the account an expiry", account(dynamo.AccountChanges{ExpiresAt: &expires}, false), 1, gatehouse.CodeLastOwner},
		{"expiry by a parent admin (MayEndLastOwner)", change(func(a *gatehouse.Membership) { a.ExpiresAt = &exp }, true), 0, ""},
		{"MayEndLastOwner does not cover disabling", change(func(a *gatehouse.Membership) { a.Status = gatehouse.StatusDisabled }, true), 1, gatehouse.CodeLastOwner},
		{"MayEndLastOwner does not cover demoting", change(func(a *gatehouse.Membership) { a.Roles = []string{"admin"} }, true), 1, gatehouse.CodeLastOwner},
		{"removal with force", remove(true), 0, ""},
		{"account disabled with force", account(dynamo.AccountChanges{Status: &disabled}, true), 0, ""},
		{"a change that keeps it usable", change(func(a *gatehouse.Membership) { a.Readonly = true }, false), 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := dynamotest.New(t)
			o, owner := lastOwnerFixture(t, env)
			err := tt.do(t, env, o, owner)
			if got := gatehouse.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("error %v (code %q), want code %q", err, got, tt.wantCode)
			}
			after, _ := env.Store.Org(context.Background(), o.ID)
			if after.Usage.Owners != tt.wantOwners {
				t.Errorf("usable owners %d, want %d", after.Usage.Owners, tt.wantOwners)
			}
			if tt.wantCode != "" {
				if m, err := env.Store.Membership(context.Background(), o.ID, "owner1"); err != nil || m.Version != owner.Version {
					t.Errorf("refused change wrote the membership: %+v %v", m, err)
				}
			}
		})
	}
}

// TestAccountChangesMoveOwnerCount: an account that gets an expiry stops
// counting as a usable owner in every org (its memberships mirror it), and
// counts again once the expiry is cleared; a second usable owner lets it go.
func TestAccountChangesMoveOwnerCount(t *testing.T) {
	env := dynamotest.New(t)
	ctx := context.Background()
	o, m := memberFixture(t, env)
	// u2 becomes a usable owner: no expiry, owner role.
	after := *m
	after.Roles, after.ExpiresAt = []string{"owner"}, nil
	if err := env.Store.ChangeMember(ctx, dynamo.MemberChange{Before: m, After: &after, Org: o,
		Audit: env.Store.NewAudit(gatehouse.Actor{}, o.ID, "member.roles", "u2", nil, nil)}); err != nil {
		t.Fatal(err)
	}
	owners := func() int {
		got, _ := env.Store.Org(ctx, o.ID)
		return got.Usage.Owners
	}
	if owners() != 2 {
		t.Fatalf("usable owners %d, want 2", owners())
	}
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	u, _ := env.Store.User(ctx, "u2")
	expires := &exp
	u, err := env.Store.UpdateAccount(ctx, u, dynamo.AccountChanges{ExpiresAt: &expires}, gatehouse.Actor{}, false)
	if err != nil {
		t.Fatalf("expire u2's account: %v", err)
	}
	if owners() != 1 {
		t.Errorf("usable owners after u2's account got an expiry %d, want 1", owners())
	}
	if mm, _ := env.Store.Membership(ctx, o.ID, "u2"); !mm.AccountLimited {
		t.Error("u2's membership does not mirror its limited account")
	}
	var none *time.Time
	if _, err := env.Store.UpdateAccount(ctx, u, dynamo.AccountChanges{ExpiresAt: &none}, gatehouse.Actor{}, false); err != nil {
		t.Fatalf("clear u2's account expiry: %v", err)
	}
	if owners() != 2 {
		t.Errorf("usable owners after clearing %d, want 2", owners())
	}
}

// Rule 9 x rule 8: a sub-org whose creator's ownership expires (the
// creator's own ceiling) starts with no usable owner, and the store
// accepts it.
func TestSubOrgOfExpiringCreatorHasNoUsableOwner(t *testing.T) {
	env := dynamotest.New(t)
	ctx := context.Background()
	parent, _ := memberFixture(t, env)
	now := env.Store.Now()
	child := &gatehouse.Org{ID: "org_child", Name: "child", ParentID: parent.ID, Ancestors: []string{parent.ID},
		Quotas: gatehouse.Quotas{MaxMembers: -1}, CreatedAt: now, UpdatedAt: now}
	owner := dynamo.OwnerMembership(child.ID, "u2", -1, now)
	exp := now.Add(time.Hour)
	owner.ExpiresAt = &exp
	if err := env.Store.CreateSubOrg(ctx, parent, child, owner, gatehouse.Actor{UserID: "u2"}); err != nil {
		t.Fatalf("CreateSubOrg with an expiring owner: %v", err)
	}
	got, _ := env.Store.Org(ctx, child.ID)
	if got.Usage.Owners != 0 || got.Usage.Members != 1 {
		t.Errorf("child usage %+v, want 1 member and no usable owner", got.Usage)
	}
}
