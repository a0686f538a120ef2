package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// memberFixture is an org with its owner and one more member.
func memberFixture(t *testing.T, env *dynamotest.Env) (*gatehouse.Org, *gatehouse.Membership) {
	t.Helper()
	ctx := context.Background()
	now := env.Store.Now()
	owner := newUser("owner1", "owner1@example.com", now)
	org := dynamo.NewPersonalOrg(owner, now)
	if err := env.Store.CreateAccount(ctx, owner, org, gatehouse.Actor{UserID: "owner1"}); err != nil {
		t.Fatal(err)
	}
	o, _ := env.Store.Org(ctx, org.ID)
	exp := now.Add(time.Hour).UTC()
	m := &gatehouse.Membership{OrgID: org.ID, UserID: "u2", Roles: []string{"viewer"}, Status: gatehouse.StatusActive,
		ExpiresAt: &exp, UserLimit: 0, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	u := newUser("u2", "u2@example.com", now)
	if err := env.Store.CreateMember(ctx, dynamo.NewMember{Member: m, Org: o, Account: u,
		Audit: []gatehouse.AuditEvent{env.Store.NewAudit(gatehouse.Actor{UserID: "owner1"}, org.ID, "member.create", "u2", nil, nil)}}); err != nil {
		t.Fatalf("CreateMember: %v", err)
	}
	o, _ = env.Store.Org(ctx, org.ID)
	got, err := env.Store.Membership(ctx, org.ID, "u2")
	if err != nil {
		t.Fatal(err)
	}
	return o, got
}

func TestChangeMemberWritesOnlyChangedFields(t *testing.T) {
	t.Parallel()
	env := dynamotest.New(t)
	ctx := context.Background()
	o, m := memberFixture(t, env)
	if o.Usage.Members != 2 || o.Usage.Owners != 1 {
		t.Fatalf("usage %+v, want 2 members, 1 owner", o.Usage)
	}
	after := *m
	after.Status = gatehouse.StatusDisabled
	after.ExpiresAt = nil
	after.Readonly = true
	env.Counter.Reset()
	err := env.Store.ChangeMember(ctx, dynamo.MemberChange{Before: m, After: &after, Org: o,
		Audit: env.Store.NewAudit(gatehouse.Actor{UserID: "owner1"}, o.ID, "member.update", "u2", nil, nil)})
	if err != nil {
		t.Fatalf("ChangeMember: %v", err)
	}
	if c := env.Counter.Counts(); c["TransactWriteItems"] != 1 || env.Counter.Total() != 1 {
		t.Errorf("calls %v, want one TransactWriteItems", c)
	}
	got, _ := env.Store.Membership(ctx, o.ID, "u2")
	if got.Status != gatehouse.StatusDisabled || got.ExpiresAt != nil || !got.Readonly || got.Version != m.Version+1 || got.Roles[0] != "viewer" {
		t.Fatalf("after change: %+v", got)
	}
	// A stale version is refused.
	err = env.Store.ChangeMember(ctx, dynamo.MemberChange{Before: m, After: &after, Org: o,
		Audit: env.Store.NewAudit(gatehouse.Actor{}, o.ID, "member.update", "u2", nil, nil)})
	if gatehouse.ErrorCode(err) != gatehouse.CodeConflict {
		t.Fatalf("stale change: %v, want conflict", err)
	}
}

func TestChangeMemberSetsThenClearsExpiry(t *testing.T) {
	t.Parallel()
	env := dynamotest.New(t)
	ctx := context.Background()
	o, m := memberFixture(t, env)
	step := func(change func(*gatehouse.Membership)) *gatehouse.Membership {
		t.Helper()
		before, _ := env.Store.Membership(ctx, o.ID, "u2")
		after := *before
		change(&after)
		if err := env.Store.ChangeMember(ctx, dynamo.MemberChange{Before: before, After: &after, Org: o,
			Audit: env.Store.NewAudit(gatehouse.Actor{}, o.ID, "member.update", "u2", nil, nil)}); err != nil {
			t.Fatal(err)
		}
		got, _ := env.Store.Membership(ctx, o.ID, "u2")
		return got
	}
	exp := m.ExpiresAt.Add(time.Hour).Truncate(time.Second)
	if got := step(func(a *gatehouse.Membership) { a.Readonly = true }); !got.Readonly {
		t.Fatalf("readonly: %+v", got)
	}
	if got := step(func(a *gatehouse.Membership) { a.ExpiresAt = &exp }); got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("set expiry: %+v", got)
	}
	if got := step(func(a *gatehouse.Membership) { a.ExpiresAt = nil; a.Status = gatehouse.StatusDisabled }); got.ExpiresAt != nil || got.Status != gatehouse.StatusDisabled {
		t.Fatalf("clear expiry and disable: %+v", got)
	}
}
