package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/truora/minidyn/server"
)

func newUser(id, email string, now time.Time) *gatehouse.User {
	return &gatehouse.User{ID: id, Email: email, Name: "Ada", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
}

func TestCreateAccountWithPersonalOrg(t *testing.T) {
	t.Parallel()
	env := dynamotest.New(t)
	ctx := context.Background()
	now := env.Store.Now()
	u := newUser("u1", "Ada@Example.com", now)
	org := dynamo.NewPersonalOrg(u, now)
	if err := env.Store.CreateAccount(ctx, u, org, gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if n := env.Counter.Counts()["TransactWriteItems"]; n != 1 {
		t.Errorf("TransactWriteItems calls = %d, want 1", n)
	}

	got, err := env.Store.User(ctx, "u1")
	if err != nil || got.Email != "Ada@Example.com" || got.Status != gatehouse.StatusActive {
		t.Fatalf("User = %+v, %v", got, err)
	}
	id, err := env.Store.UserIDByEmail(ctx, "  ada@EXAMPLE.com")
	if err != nil || id != "u1" {
		t.Errorf("UserIDByEmail = %q, %v; want u1", id, err)
	}
	views, err := env.Store.MembershipsOfUser(ctx, "u1")
	if err != nil || len(views) != 1 {
		t.Fatalf("MembershipsOfUser = %+v, %v", views, err)
	}
	if views[0].OrgID != org.ID || views[0].OrgName != org.Name || !views[0].HasRole("owner") {
		t.Errorf("membership view = %+v, want owner of %s", views[0], org.ID)
	}
	o, err := env.Store.Org(ctx, org.ID)
	if err != nil || o.Usage.Members != 1 || o.Usage.Owners != 1 || !o.Personal {
		t.Errorf("Org = %+v, %v; want 1 member, 1 owner, personal", o, err)
	}
}

func TestCreateAccountDuplicateEmailWritesNothing(t *testing.T) {
	t.Parallel()
	env := dynamotest.New(t)
	ctx := context.Background()
	now := env.Store.Now()
	if err := env.Store.CreateAccount(ctx, newUser("u1", "ada@example.com", now), nil, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	u2 := newUser("u2", "ADA@example.com", now)
	err := env.Store.CreateAccount(ctx, u2, dynamo.NewPersonalOrg(u2, now), gatehouse.Actor{})
	if gatehouse.ErrorCode(err) != gatehouse.CodeConflict {
		t.Fatalf("duplicate email: err = %v, want conflict", err)
	}
	if _, err := env.Store.User(ctx, "u2"); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("second profile written: err = %v", err)
	}
	if views, _ := env.Store.MembershipsOfUser(ctx, "u2"); len(views) != 0 {
		t.Errorf("memberships of refused user = %d, want 0", len(views))
	}
}

func TestCreateAccountFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	env := dynamotest.New(t)
	ctx := context.Background()
	now := env.Store.Now()
	env.Server.EmulateFailure(server.FailureConditionInternalServerError)
	u := newUser("u1", "ada@example.com", now)
	if err := env.Store.CreateAccount(ctx, u, dynamo.NewPersonalOrg(u, now), gatehouse.Actor{}); err == nil {
		t.Fatal("CreateAccount succeeded under emulated failure")
	}
	env.Server.EmulateFailure(server.FailureConditionNone)
	if _, err := env.Store.User(ctx, "u1"); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("profile after failed create: %v", err)
	}
	if _, err := env.Store.UserIDByEmail(ctx, "ada@example.com"); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("email reserved after failed create: %v", err)
	}
}

func TestLoadAuthContextIsOneRead(t *testing.T) {
	t.Parallel()
	env := dynamotest.New(t)
	ctx := context.Background()
	now := env.Store.Now()
	u := newUser("u1", "ada@example.com", now)
	org := dynamo.NewPersonalOrg(u, now)
	if err := env.Store.CreateAccount(ctx, u, org, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	env.Counter.Reset()
	ac, err := env.Store.LoadAuthContext(ctx, "u1", org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ac.User == nil || ac.Org == nil || ac.Membership == nil {
		t.Fatalf("auth context incomplete: %+v", ac)
	}
	if n := env.Counter.Total(); n != 1 {
		t.Errorf("DynamoDB calls = %d (%v), want 1", n, env.Counter.Counts())
	}
	ac, err = env.Store.LoadAuthContext(ctx, "stranger", org.ID)
	if err != nil || ac.User != nil || ac.Membership != nil || ac.Org == nil {
		t.Errorf("stranger's auth context = %+v, %v; want org only", ac, err)
	}
}

func TestUpdateProfileChangesOnlyGivenFields(t *testing.T) {
	t.Parallel()
	env := dynamotest.New(t)
	ctx := context.Background()
	u := newUser("u1", "ada@example.com", env.Store.Now())
	u.Phone = "+34600000000"
	if err := env.Store.CreateAccount(ctx, u, nil, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	tz := "Europe/Madrid"
	if _, err := env.Store.UpdateProfile(ctx, "u1", dynamo.ProfileChanges{TimeZone: &tz}, gatehouse.Actor{UserID: "u1"}); err != nil {
		t.Fatal(err)
	}
	got, _ := env.Store.User(ctx, "u1")
	if got.TimeZone != tz || got.Phone != "+34600000000" || got.Name != "Ada" || got.Version != 1 {
		t.Errorf("after PATCH: %+v", got)
	}
}
