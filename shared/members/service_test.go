package members_test

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/members"
	"github.com/truora/minidyn/server"
)

// fakePool is a hand-written Cognito fake with function fields.
type fakePool struct {
	mu      sync.Mutex
	users   map[string]string
	create  func(u cognito.NewUser) error
	deleted []string
}

func (p *fakePool) CreateUser(_ context.Context, u cognito.NewUser, _ string) (string, error) {
	if p.create != nil {
		if err := p.create(u); err != nil {
			return "", err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.users == nil {
		p.users = map[string]string{}
	}
	sub := "sub-" + u.Email
	p.users[u.Email] = sub
	return sub, nil
}

func (p *fakePool) DeleteUser(_ context.Context, username string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.users, username)
	p.deleted = append(p.deleted, username)
	return nil
}

func (p *fakePool) SetPassword(context.Context, string, string) error { return nil }

// Lookup finds no account: the fake never leaves one for a retry to adopt.
func (p *fakePool) Lookup(context.Context, string) (*cognito.Account, error) { return nil, nil }

func (p *fakePool) EmailVerified(context.Context, string) (bool, error) { return true, nil }

func (p *fakePool) SetEmailVerified(context.Context, string, bool) error { return nil }

type fixture struct {
	env   *dynamotest.Env
	svc   *members.Service
	pool  *fakePool
	org   string
	owner *gatehouse.Caller
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := dynamotest.New(t)
	ctx := context.Background()
	now := env.Store.Now()
	u := &gatehouse.User{ID: "owner", Email: "owner@example.com", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	org := dynamo.NewPersonalOrg(u, now)
	// The org has verified example.com: it may mint accounts there (rule
	// 11); TestConsent covers the other domains.
	org.VerifiedDomains = []string{"example.com"}
	if err := env.Store.CreateAccount(ctx, u, org, gatehouse.Actor{UserID: "owner"}); err != nil {
		t.Fatal(err)
	}
	cat := authz.NewCatalogue(authz.DefaultResourceTypes)
	pool := &fakePool{}
	svc := members.NewService(env.Store, invites.NewService(env.Store, pool, cat, nil, invites.Config{PublicURL: "http://gatehouse.test"}, nil), pool, cat, nil, members.DefaultConfig("http://gatehouse.test"), nil)
	perms, _ := cat.BuiltinRole("owner")
	env.Counter.Reset()
	return &fixture{env: env, svc: svc, pool: pool, org: org.ID,
		owner: &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "owner", RequestID: "req"}, OrgID: org.ID, Roles: []string{"owner"}, Permissions: perms}}
}

func (f *fixture) caller(id string, roles ...string) *gatehouse.Caller {
	cat := authz.NewCatalogue(authz.DefaultResourceTypes)
	var perms []string
	for _, r := range roles {
		p, _ := cat.BuiltinRole(r)
		perms = append(perms, p...)
	}
	return &gatehouse.Caller{Actor: gatehouse.Actor{UserID: id}, OrgID: f.org, Roles: roles, Permissions: perms}
}

func pw(s string) *string { return &s }

func TestCreateIsOneTransaction(t *testing.T) {
	f := newFixture(t)
	res, err := f.svc.Create(context.Background(), f.owner, f.org, members.CreateInput{Email: "Ada@Example.com", Roles: []string{"viewer"}, Password: pw("secret-pass-1")})
	if err != nil {
		t.Fatal(err)
	}
	c := f.env.Counter.Counts()
	if c["TransactWriteItems"] != 1 {
		t.Errorf("calls %v: want exactly one TransactWriteItems", c)
	}
	// Besides it, the one conditional write of the intent that precedes
	// the Cognito call (docs/reliability.md); the transaction removes it.
	if c["PutItem"] != 1 {
		t.Errorf("calls %v: want one PutItem (the intent)", c)
	}
	for op := range c {
		if op == "Scan" || op == "UpdateItem" || op == "DeleteItem" {
			t.Errorf("call %s outside the transaction", op)
		}
	}
	if res.Member.UserID != "sub-ada@example.com" || !res.AccountCreated {
		t.Errorf("result %+v", res)
	}
}

func TestEveryMutationIsOneTransaction(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.svc.Create(ctx, f.owner, f.org, members.CreateInput{Email: "b@example.com", Roles: []string{"manager"}, Password: pw("secret-pass-1")})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Member.UserID
	yes := true
	exp := time.Now().Add(time.Hour)
	ul, rl := 2, 3
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"patch", func() error {
			_, err := f.svc.Update(ctx, f.owner, f.org, id, members.Patch{Readonly: &yes, ExpiresAt: members.OptionalTime{Set: true, Value: &exp}})
			return err
		}},
		{"roles", func() error { _, err := f.svc.SetRoles(ctx, f.owner, f.org, id, []string{"developer"}); return err }},
		{"limits", func() error {
			_, err := f.svc.SetLimits(ctx, f.owner, f.org, id, members.Limits{UserLimit: &ul, ResourceLimit: &rl})
			return err
		}},
		{"remove", func() error { return f.svc.Remove(ctx, f.owner, f.org, id) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.env.Counter.Reset()
			if err := tc.run(); err != nil {
				t.Fatal(err)
			}
			if n := f.env.Counter.Counts()["TransactWriteItems"]; n != 1 {
				t.Errorf("TransactWriteItems = %d, want 1 (%v)", n, f.env.Counter.Counts())
			}
		})
	}
}

func TestPatchClearsExpiryFromJSON(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.svc.Create(ctx, f.owner, f.org, members.CreateInput{Email: "c@example.com", Roles: []string{"viewer"}, Password: pw("secret-pass-1")})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Member.UserID
	for _, body := range []string{`{"readonly": true}`, `{"expiresAt": "` + time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339) + `"}`, `{"enabled": false, "expiresAt": null}`} {
		var p members.Patch
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Update(ctx, f.owner, f.org, id, p); err != nil {
			t.Fatal(err)
		}
	}
	m, _ := f.env.Store.Membership(ctx, f.org, id)
	if m.ExpiresAt != nil || m.Status != gatehouse.StatusDisabled || !m.Readonly {
		t.Fatalf("after PATCHes: %+v", m)
	}
}

// TestCreateLeavesTheIntentWhenTheOutcomeIsUnknown: the transaction
// failing with a server error may or may not have committed, so the
// Cognito user is not deleted on the spot: the intent stays, for a retry
// of the same request or the sweep to decide (docs/reliability.md; the
// e2e fault table checks both converge).
func TestCreateLeavesTheIntentWhenTheOutcomeIsUnknown(t *testing.T) {
	f := newFixture(t)
	// The failure starts once Cognito has the user: between the two systems.
	f.pool.create = func(cognito.NewUser) error {
		f.env.Server.EmulateFailure(server.FailureConditionInternalServerError)
		return nil
	}
	_, err := f.svc.Create(context.Background(), f.owner, f.org, members.CreateInput{Email: "d@example.com", Roles: []string{"viewer"}, Password: pw("secret-pass-1")})
	f.env.Server.EmulateFailure(server.FailureConditionNone)
	if err == nil {
		t.Fatal("create succeeded under failure")
	}
	if len(f.pool.users) != 1 || len(f.pool.deleted) != 0 {
		t.Fatalf("Cognito users %v, deleted %v: want the user left to its intent", f.pool.users, f.pool.deleted)
	}
	if in, err := f.env.Store.PendingIntent(context.Background(), "d@example.com"); err != nil || in == nil || in.Kind != dynamo.IntentMemberCreate {
		t.Errorf("pending intent %+v (%v), want the creation's", in, err)
	}
	if _, err := f.env.Store.UserIDByEmail(context.Background(), "d@example.com"); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("email reserved: %v", err)
	}
}

func TestCreateWritesNothingWhenCognitoIsDown(t *testing.T) {
	f := newFixture(t)
	f.pool.create = func(cognito.NewUser) error { return cognito.ErrUnavailable }
	f.env.Counter.Reset()
	_, err := f.svc.Create(context.Background(), f.owner, f.org, members.CreateInput{Email: "e@example.com", Roles: []string{"viewer"}, Password: pw("secret-pass-1")})
	if gatehouse.ErrorCode(err) != gatehouse.CodeUnavailable {
		t.Fatalf("err %v, want unavailable", err)
	}
	if n := f.env.Counter.Counts()["TransactWriteItems"]; n != 0 {
		t.Errorf("TransactWriteItems = %d, want 0", n)
	}
}

// TestRules pins each permission rule with a case that fails if it breaks.
func TestRules(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mk := func(email string, by *gatehouse.Caller, roles ...string) string {
		t.Helper()
		res, err := f.svc.Create(ctx, by, f.org, members.CreateInput{Email: email, Roles: roles, Password: pw("secret-pass-1")})
		if err != nil {
			t.Fatalf("create %s: %v", email, err)
		}
		return res.Member.UserID
	}
	admin := mk("admin@example.com", f.owner, "admin")
	mgr := mk("mgr@example.com", f.owner, "manager")
	ul, rl := 2, 2
	if _, err := f.svc.SetLimits(ctx, f.owner, f.org, mgr, members.Limits{UserLimit: &ul, ResourceLimit: &rl}); err != nil {
		t.Fatal(err)
	}
	adminC, mgrC := f.caller(admin, "admin"), f.caller(mgr, "manager")
	managed := mk("managed@example.com", mgrC, "viewer")
	unmanaged := mk("free@example.com", f.owner, "viewer")
	ceiling := time.Now().Add(time.Hour).UTC()
	expC := adminC
	expC.ExpiresAt = &ceiling
	later := ceiling.Add(time.Minute)

	for _, tc := range []struct {
		name   string
		run    func() error
		code   gatehouse.Code
		reason string
	}{
		{"rule 6: admin cannot make an owner", func() error { _, err := f.svc.SetRoles(ctx, adminC, f.org, unmanaged, []string{"owner"}); return err }, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"rule 6: manager cannot make an admin", func() error { _, err := f.svc.SetRoles(ctx, mgrC, f.org, managed, []string{"admin"}); return err }, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"rule 6: admin cannot change an owner", func() error { _, err := f.svc.SetRoles(ctx, adminC, f.org, "owner", []string{"viewer"}); return err }, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"rule 7: manager outside its subtree", func() error { return f.svc.Remove(ctx, mgrC, f.org, unmanaged) }, gatehouse.CodeForbidden, gatehouse.ReasonNotManaged},
		{"rule 7: limits above its own", func() error {
			three := 3
			_, err := f.svc.SetLimits(ctx, mgrC, f.org, managed, members.Limits{UserLimit: &three, ResourceLimit: &rl})
			return err
		}, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"rule 8: later than the ceiling", func() error {
			_, err := f.svc.Update(ctx, expC, f.org, unmanaged, members.Patch{ExpiresAt: members.OptionalTime{Set: true, Value: &later}})
			return err
		}, gatehouse.CodeForbidden, gatehouse.ReasonExpiryCeiling},
		{"rule 8: clearing under a ceiling", func() error {
			_, err := f.svc.Update(ctx, expC, f.org, unmanaged, members.Patch{ExpiresAt: members.OptionalTime{Set: true}})
			return err
		}, gatehouse.CodeForbidden, gatehouse.ReasonExpiryCeiling},
		{"rule 9: last owner demoted", func() error { _, err := f.svc.SetRoles(ctx, f.owner, f.org, "owner", []string{"admin"}); return err }, gatehouse.CodeLastOwner, ""},
		{"rule 9: last owner leaves", func() error { return f.svc.Leave(ctx, f.owner, f.org) }, gatehouse.CodeLastOwner, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.code == "" {
				return
			}
			err := tc.run()
			var ge *gatehouse.Error
			if !errors.As(err, &ge) || ge.Code != tc.code || (tc.reason != "" && ge.Reason != tc.reason) {
				t.Fatalf("err %v, want %s %s", err, tc.code, tc.reason)
			}
		})
	}
	// Rule 7: what a manager creates is managed by it with limits 0.
	m, _ := f.env.Store.Membership(ctx, f.org, managed)
	if m.ManagedBy != mgr || m.UserLimit != 0 || m.ResourceLimit != 0 {
		t.Errorf("managed member %+v", m)
	}
	// Rule 8: what a caller with a ceiling creates gets exactly it.
	res, err := f.svc.Create(ctx, expC, f.org, members.CreateInput{Email: "exp@example.com", Roles: []string{"viewer"}, Password: pw("secret-pass-1")})
	if err != nil || res.Member.ExpiresAt == nil || !res.Member.ExpiresAt.Equal(ceiling) {
		t.Errorf("created under a ceiling: %+v %v", res, err)
	}
}

// TestConsent: rule 11. Outside the org's verified domains no account is
// minted that the org could sign in to, and an existing account is invited,
// never enrolled.
func TestConsent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, in := range []members.CreateInput{
		{Email: "bob@victim.test", Roles: []string{"viewer"}, Password: pw("secret-pass-1")},
		{Email: "bob@victim.test", Roles: []string{"viewer"}, Activation: members.ActivationDisplay},
		{Email: "bob@victim.test", Roles: []string{"viewer"}, Activation: members.ActivationEmail, EmailVerified: true},
	} {
		_, err := f.svc.Create(ctx, f.owner, f.org, in)
		if e, ok := errors.AsType[*gatehouse.Error](err); !ok || e.Reason != gatehouse.ReasonDomainNotVerified {
			t.Errorf("create %+v: %v, want forbidden domain_not_verified", in, err)
		}
	}
	if len(f.pool.users) != 0 {
		t.Errorf("Cognito users %v after refusals, want none", f.pool.users)
	}
	// Without a password, the link goes to the mailbox.
	res, err := f.svc.Create(ctx, f.owner, f.org, members.CreateInput{Email: "bob@victim.test", Roles: []string{"viewer"}})
	if err != nil || res.Member == nil || res.ActivationURL != "" || res.Member.AccountStatus != gatehouse.StatusPending {
		t.Fatalf("create without password = %+v, %v: want a pending member, the link not shown", res, err)
	}
	bob := res.Member.UserID
	// The same email again, in another org: an invite, not a membership.
	other := dynamo.NewPersonalOrg(&gatehouse.User{ID: "owner2"}, f.env.Store.Now())
	if err := f.env.Store.CreateAccount(ctx, &gatehouse.User{ID: "owner2", Email: "o2@example.com", Status: gatehouse.StatusActive, ResourceLimit: -1}, other, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	perms, _ := authz.NewCatalogue(authz.DefaultResourceTypes).BuiltinRole("owner")
	owner2 := &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "owner2"}, OrgID: other.ID, Roles: []string{"owner"}, Permissions: perms}
	res, err = f.svc.Create(ctx, owner2, other.ID, members.CreateInput{Email: "Bob@Victim.test", Roles: []string{"admin"}})
	if err != nil || res.Member != nil || res.Invite == nil || res.Invite.Invite.Email != "Bob@Victim.test" {
		t.Fatalf("existing account = %+v, %v: want an invite and no membership", res, err)
	}
	if _, err := f.env.Store.Membership(ctx, other.ID, bob); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("bob is a member of the other org without accepting: %v", err)
	}
}
