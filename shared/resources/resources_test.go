package resources_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/resources"
)

type fixture struct {
	t     *testing.T
	ctx   context.Context
	env   *dynamotest.Env
	store *dynamo.Store
	svc   *resources.Service
	org   string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := dynamotest.New(t)
	ctx := context.Background()
	now := env.Store.Now()
	u := &gatehouse.User{ID: "owner", Email: "owner@example.com", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	org := dynamo.NewPersonalOrg(u, now)
	if err := env.Store.CreateAccount(ctx, u, org, gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, env: env, store: env.Store, svc: resources.NewService(env.Store, authz.NewCatalogue(authz.DefaultResourceTypes)), org: org.ID}
	f.member("admin", authz.RoleAdmin)
	f.member("dev", authz.RoleDeveloper)
	f.member("dev2", authz.RoleDeveloper)
	f.member("viewer", authz.RoleViewer)
	return f
}

func (f *fixture) member(id string, roles ...string) {
	f.t.Helper()
	m := &gatehouse.Membership{OrgID: f.org, UserID: id, Roles: roles, Status: gatehouse.StatusActive, ResourceLimit: -1, UserLimit: -1}
	if err := f.env.PutMembership(f.ctx, m); err != nil {
		f.t.Fatal(err)
	}
}

// caller is what the authorizer would pass for a member.
func (f *fixture) caller(id string) *gatehouse.Caller {
	return &gatehouse.Caller{Actor: gatehouse.Actor{UserID: id}, OrgID: f.org}
}

func (f *fixture) register(by, typ, id string) {
	f.t.Helper()
	if _, err := f.svc.Register(f.ctx, f.caller(by), f.org, resources.RegisterInput{Type: typ, ID: id}); err != nil {
		f.t.Fatalf("register %s/%s by %s: %v", typ, id, by, err)
	}
}

func (f *fixture) listIDs(by string, limit int) []string {
	f.t.Helper()
	var out []string
	cursor := ""
	for range 50 {
		p, next, err := f.svc.List(f.ctx, f.caller(by), f.org, "", limit, cursor)
		if err != nil {
			f.t.Fatalf("list by %s: %v", by, err)
		}
		for _, v := range p {
			out = append(out, v.Type+"/"+v.ID)
		}
		if next == "" {
			return out
		}
		cursor = next
	}
	f.t.Fatal("listing does not end")
	return nil
}

func wantCode(t *testing.T, err error, code gatehouse.Code, reason string) {
	t.Helper()
	e, ok := errors.AsType[*gatehouse.Error](err)
	if !ok || e.Code != code || (reason != "" && e.Reason != reason && e.Limit != reason) {
		t.Fatalf("err = %v, want %s %s", err, code, reason)
	}
}

func TestMuxServesEveryRoute(t *testing.T) {
	m := resources.NewMux(resources.NewService(nil, authz.NewCatalogue(nil)), slog.New(slog.DiscardHandler))
	if missing := m.Missing(); len(missing) != 0 {
		t.Errorf("routes without handler: %v", missing)
	}
}

func TestRegisterRules(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		by     string
		in     resources.RegisterInput
		code   gatehouse.Code
		reason string
	}{
		{"developer registers", "dev", resources.RegisterInput{Type: "device", ID: "d1"}, "", ""},
		{"viewer lacks create", "viewer", resources.RegisterInput{Type: "device", ID: "v1"}, gatehouse.CodeForbidden, authz.ReasonMissing},
		{"unknown type", "dev", resources.RegisterInput{Type: "toaster", ID: "t1"}, gatehouse.CodeValidation, ""},
		{"bad id", "dev", resources.RegisterInput{Type: "device", ID: "a#b"}, gatehouse.CodeValidation, ""},
		{"developer for another", "dev", resources.RegisterInput{Type: "device", ID: "d2", OwnerID: "dev2"}, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm},
		{"admin for another", "admin", resources.RegisterInput{Type: "device", ID: "d3", OwnerID: "dev2"}, "", ""},
		{"admin for a stranger", "admin", resources.RegisterInput{Type: "device", ID: "d4", OwnerID: "ghost"}, gatehouse.CodeValidation, ""},
		{"duplicate", "dev", resources.RegisterInput{Type: "device", ID: "d1"}, gatehouse.CodeConflict, ""},
		{"not a member", "ghost", resources.RegisterInput{Type: "device", ID: "g1"}, gatehouse.CodeForbidden, gatehouse.ReasonNotMember},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := f.svc.Register(f.ctx, f.caller(tt.by), f.org, tt.in)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if want := tt.in.OwnerID; want != "" && v.OwnerID != want {
					t.Errorf("owner = %s, want %s", v.OwnerID, want)
				}
				return
			}
			wantCode(t, err, tt.code, tt.reason)
		})
	}

	t.Run("limits", func(t *testing.T) {
		m := &gatehouse.Membership{OrgID: f.org, UserID: "capped", Roles: []string{authz.RoleDeveloper}, Status: gatehouse.StatusActive, ResourceLimit: 1}
		if err := f.env.PutMembership(f.ctx, m); err != nil {
			t.Fatal(err)
		}
		f.register("capped", "device", "c1")
		_, err := f.svc.Register(f.ctx, f.caller("capped"), f.org, resources.RegisterInput{Type: "dashboard", ID: "c2"})
		wantCode(t, err, gatehouse.CodeLimitExceeded, "resourceLimit")
	})
	t.Run("readonly member", func(t *testing.T) {
		m := &gatehouse.Membership{OrgID: f.org, UserID: "ro", Roles: []string{authz.RoleDeveloper}, Status: gatehouse.StatusActive, ResourceLimit: -1, ResourceReadonly: true}
		if err := f.env.PutMembership(f.ctx, m); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Register(f.ctx, f.caller("ro"), f.org, resources.RegisterInput{Type: "device", ID: "ro1"})
		wantCode(t, err, gatehouse.CodeForbidden, authz.ReasonResourceReadonly)
	})
}

func TestListSeesOnlyWhatIsAllowed(t *testing.T) {
	f := newFixture(t)
	for i := range 7 {
		f.register("dev", "device", fmt.Sprintf("a%d", i))
		f.register("dev2", "dashboard", fmt.Sprintf("b%d", i))
	}
	// dev2 shares two of its dashboards with dev; one with a deny for dev's
	// group "all" that wins over the allow.
	share := func(id string, grants ...authz.Grant) {
		t.Helper()
		if _, err := f.svc.SetGrants(f.ctx, f.caller("dev2"), f.org, gatehouse.Ref{Type: "dashboard", ID: id}, resources.GrantsInput{Grants: grants}); err != nil {
			t.Fatalf("share %s: %v", id, err)
		}
	}
	share("b2", authz.Grant{Principal: "user:dev", Allow: []string{"read"}})
	share("b5", authz.Grant{Principal: "user:dev", Allow: []string{"read"}}, authz.Grant{Principal: "group:all", Deny: []string{"read"}})
	share("b6", authz.Grant{Principal: "user:viewer", Allow: []string{"read"}})

	want := []string{"dashboard/b2", "device/a0", "device/a1", "device/a2", "device/a3", "device/a4", "device/a5", "device/a6"}
	for _, limit := range []int{1, 2, 3, 50} {
		if got := f.listIDs("dev", limit); !slices.Equal(got, want) {
			t.Errorf("dev, limit %d: got %v, want %v", limit, got, want)
		}
	}
	if got := f.listIDs("viewer", 2); !slices.Equal(got, []string{"dashboard/b6"}) {
		t.Errorf("viewer: got %v", got)
	}
	if got := f.listIDs("admin", 4); len(got) != 14 {
		t.Errorf("admin sees %d, want 14", len(got))
	}
	// Type grants open a whole type; a type filter narrows the list.
	if _, err := f.svc.SetGrants(f.ctx, f.caller("dev"), f.org, gatehouse.Ref{Type: "device", ID: dynamo.TypeWide}, resources.GrantsInput{Grants: []authz.Grant{{Principal: "user:viewer", Allow: []string{"read"}}}}); gatehouse.ErrorCode(err) != gatehouse.CodeForbidden {
		t.Errorf("developer sets type grants: %v, want forbidden", err)
	}
	if _, err := f.svc.SetGrants(f.ctx, f.caller("admin"), f.org, gatehouse.Ref{Type: "device", ID: dynamo.TypeWide}, resources.GrantsInput{Grants: []authz.Grant{{Principal: "user:viewer", Allow: []string{"read"}}}}); err != nil {
		t.Fatal(err)
	}
	if got := f.listIDs("viewer", 3); len(got) != 8 {
		t.Errorf("viewer with a type grant sees %v, want 7 devices and b6", got)
	}
	p, _, err := f.svc.List(f.ctx, f.caller("viewer"), f.org, "dashboard", 10, "")
	if err != nil || len(p) != 1 || p[0].Grants != nil {
		t.Errorf("viewer dashboards = %+v, %v (grants hidden from non-owners)", p, err)
	}
	// A forged cursor is refused, never followed elsewhere.
	if _, _, err := f.svc.List(f.ctx, f.caller("dev"), f.org, "", 10, "bm90IGEgY3Vyc29y"); gatehouse.ErrorCode(err) != gatehouse.CodeValidation {
		t.Errorf("forged cursor: %v", err)
	}
}

func TestGrantsRules(t *testing.T) {
	f := newFixture(t)
	f.register("dev", "device", "d1")
	ref := gatehouse.Ref{Type: "device", ID: "d1"}
	set := func(by string, grants ...authz.Grant) error {
		_, err := f.svc.SetGrants(f.ctx, f.caller(by), f.org, ref, resources.GrantsInput{Grants: grants})
		return err
	}
	// The viewer cannot see the device: not found, not forbidden.
	wantCode(t, set("viewer", authz.Grant{Principal: "user:viewer", Allow: []string{"read"}}), gatehouse.CodeNotFound, "")
	// Owner shares read+share with dev2; dev2 may then pass on read only.
	if err := set("dev", authz.Grant{Principal: "user:dev2", Allow: []string{"read", "share"}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, set("dev2", authz.Grant{Principal: "user:dev2", Allow: []string{"read", "share"}}, authz.Grant{Principal: "user:viewer", Allow: []string{"update"}}), gatehouse.CodeForbidden, gatehouse.ReasonEscalation)
	wantCode(t, set("dev2", authz.Grant{Principal: "user:dev2", Allow: []string{"*"}}), gatehouse.CodeForbidden, gatehouse.ReasonEscalation)
	wantCode(t, set("dev2", authz.Grant{Principal: "user:dev2", Allow: []string{"read", "share"}}, authz.Grant{Principal: "user:dev", Deny: []string{"read"}}), gatehouse.CodeForbidden, gatehouse.ReasonOwnerLink)
	if err := set("dev2", authz.Grant{Principal: "user:dev2", Allow: []string{"read", "share"}}, authz.Grant{Principal: "user:viewer", Allow: []string{"read"}}); err != nil {
		t.Fatalf("pass on read: %v", err)
	}
	// Validation.
	wantCode(t, set("dev", authz.Grant{Principal: "role:x", Allow: []string{"read"}}), gatehouse.CodeValidation, "")
	wantCode(t, set("dev", authz.Grant{Principal: "user:dev2", Allow: []string{"fly"}}), gatehouse.CodeValidation, "")
	wantCode(t, set("dev", authz.Grant{Principal: "user:ghost", Allow: []string{"read"}}), gatehouse.CodeValidation, "")
	past := time.Now().Add(-time.Hour)
	wantCode(t, set("dev", authz.Grant{Principal: "user:dev2", Allow: []string{"read"}, ExpiresAt: &past}), gatehouse.CodeValidation, "")

	// Unregistering (rule 10): <type>:delete and access. dev2's grant
	// allows read and share only; a viewer holds no device:delete; the
	// owner deletes its own device; an admin any.
	wantCode(t, f.svc.Unregister(f.ctx, f.caller("dev2"), f.org, ref), gatehouse.CodeForbidden, authz.ReasonNoAccess)
	wantCode(t, f.svc.Unregister(f.ctx, f.caller("viewer"), f.org, ref), gatehouse.CodeForbidden, authz.ReasonMissing)
	if err := f.svc.Unregister(f.ctx, f.caller("dev"), f.org, ref); err != nil {
		t.Fatalf("owner unregisters its own device: %v", err)
	}
	f.register("dev", "device", "d1")
	if err := f.svc.Unregister(f.ctx, f.caller("admin"), f.org, ref); err != nil {
		t.Fatalf("admin unregisters: %v", err)
	}
	wantCode(t, f.svc.Unregister(f.ctx, f.caller("admin"), f.org, ref), gatehouse.CodeNotFound, "")
}

func TestAuthorize(t *testing.T) {
	f := newFixture(t)
	f.register("dev", "device", "d1")
	ref := gatehouse.Ref{Type: "device", ID: "d1"}
	if _, err := f.svc.SetGrants(f.ctx, f.caller("dev"), f.org, ref, resources.GrantsInput{Grants: []authz.Grant{
		{Principal: "user:viewer", Allow: []string{"read"}},
		{Principal: "user:dev2", Allow: []string{"*"}, Deny: []string{"delete"}},
	}}); err != nil {
		t.Fatal(err)
	}
	res := &resources.ResourceRef{Type: "device", ID: "d1"}
	in := resources.CheckInput{Checks: []resources.Check{
		{UserID: "viewer", Action: "read", Resource: res},
		{UserID: "viewer", Action: "device:update", Resource: res},
		{UserID: "dev2", Action: "update", Resource: res},
		{UserID: "dev2", Action: "delete", Resource: res},
		{UserID: "admin", Action: "delete", Resource: res},
		{UserID: "ghost", Action: "read", Resource: res},
		{Action: "read", Resource: &resources.ResourceRef{Type: "device", ID: "nope"}},
		{UserID: "viewer", Action: "members:invite"},
	}}
	out, err := f.svc.Authorize(f.ctx, f.caller("admin"), f.org, in)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(out)
	want := `{"results":[{"allowed":true,"reason":"grant"},{"allowed":false,"reason":"missing_permission"},{"allowed":true,"reason":"grant"},{"allowed":false,"reason":"denied"},{"allowed":true,"reason":"admin"},{"allowed":false,"reason":"not_member"},{"allowed":false,"reason":"resource_not_found"},{"allowed":false,"reason":"missing_permission"}]}`
	if string(got) != want {
		t.Errorf("results\n got %s\nwant %s", got, want)
	}
	// One check, about oneself: no members:read needed.
	one, err := f.svc.Authorize(f.ctx, f.caller("viewer"), f.org, resources.CheckInput{Check: resources.Check{Action: "read", Resource: res}})
	if err != nil || *one.Decision != (authz.Decision{Allowed: true, Reason: authz.ReasonGrant}) {
		t.Errorf("self check = %+v, %v", one, err)
	}
	// Asking about someone else needs members:read.
	_, err = f.svc.Authorize(f.ctx, f.caller("viewer"), f.org, resources.CheckInput{Check: resources.Check{UserID: "dev", Action: "read", Resource: res}})
	wantCode(t, err, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	// A token caller is held to the token's narrowing.
	tok := f.caller("dev")
	tok.TokenID, tok.Permissions = "tok_1", []string{"device:read"}
	// The service reads the token's stored item (its collection narrowing).
	if err := f.store.CreateAPIToken(f.ctx, &gatehouse.APIToken{ID: "tok_1", OrgID: f.org, UserID: "dev", Name: "t",
		Permissions: tok.Permissions, Status: gatehouse.StatusActive, CreatedAt: f.store.Now(), CreatedBy: "dev"}, "hash-1", gatehouse.Actor{UserID: "dev"}); err != nil {
		t.Fatal(err)
	}
	one, err = f.svc.Authorize(f.ctx, tok, f.org, resources.CheckInput{Check: resources.Check{Action: "update", Resource: res}})
	if err != nil || one.Decision.Allowed {
		t.Errorf("token-narrowed update = %+v, %v", one, err)
	}
	// Batch bounds.
	big := resources.CheckInput{Checks: make([]resources.Check, resources.MaxChecks+1)}
	for i := range big.Checks {
		big.Checks[i] = resources.Check{Action: "read", Resource: res}
	}
	_, err = f.svc.Authorize(f.ctx, f.caller("admin"), f.org, big)
	wantCode(t, err, gatehouse.CodeValidation, "")
}
