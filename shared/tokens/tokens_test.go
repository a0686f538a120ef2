package tokens_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tokens"
)

func TestMuxServesEveryRoute(t *testing.T) {
	m := tokens.NewMux(tokens.NewService(nil, authz.NewCatalogue(nil)), slog.New(slog.DiscardHandler))
	if missing := m.Missing(); len(missing) != 0 {
		t.Errorf("routes without handler: %v", missing)
	}
}

func reason(err error) string {
	if e, ok := errors.AsType[*gatehouse.Error](err); ok {
		return string(e.Code) + "/" + e.Reason
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestTokenLifecycle(t *testing.T) {
	env := dynamotest.New(t)
	ctx := context.Background()
	st := env.Store
	now := st.Now()
	u := &gatehouse.User{ID: "owner", Email: "o@example.com", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	org := dynamo.NewPersonalOrg(u, now)
	if err := st.CreateAccount(ctx, u, org, gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	if err := env.PutMembership(ctx, &gatehouse.Membership{OrgID: org.ID, UserID: "dev", Roles: []string{"developer"}, Status: gatehouse.StatusActive}); err != nil {
		t.Fatal(err)
	}
	cat := authz.NewCatalogue(authz.DefaultResourceTypes)
	svc := tokens.NewService(st, cat)
	devPerms, _ := cat.BuiltinRole(authz.RoleDeveloper)
	ownerPerms, _ := cat.BuiltinRole(authz.RoleOwner)
	ceiling := now.Add(48 * time.Hour).Truncate(time.Second)
	dev := &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "dev"}, OrgID: org.ID, Roles: []string{"developer"}, Permissions: append(devPerms, "tokens:manage"), ExpiresAt: &ceiling}
	owner := &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "owner"}, OrgID: org.ID, Roles: []string{"owner"}, Permissions: ownerPerms}
	later := ceiling.Add(time.Hour)
	past := now.Add(-time.Hour)

	tests := []struct {
		name string
		by   *gatehouse.Caller
		in   tokens.Input
		want string
	}{
		{"no name", dev, tokens.Input{}, "validation_failed/"},
		{"unknown permission", dev, tokens.Input{Name: "x", Permissions: []string{"device:fly"}}, "validation_failed/"},
		{"empty narrowing", dev, tokens.Input{Name: "x", Permissions: []string{}}, "validation_failed/"},
		{"past expiry", dev, tokens.Input{Name: "x", ExpiresAt: &past}, "validation_failed/"},
		{"escalation", dev, tokens.Input{Name: "x", Permissions: []string{"members:invite"}}, "forbidden/escalation"},
		{"beyond the caller's expiry", dev, tokens.Input{Name: "x", ExpiresAt: &later}, "forbidden/expiry_ceiling"},
		{"by a token", &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "dev", TokenID: "tok_x"}, OrgID: org.ID, Permissions: dev.Permissions}, tokens.Input{Name: "x"}, "forbidden/token_narrowing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := svc.Create(ctx, tt.by, org.ID, tt.in); reason(err) != tt.want {
				t.Errorf("got %q, want %q", reason(err), tt.want)
			}
		})
	}

	c, err := svc.Create(ctx, dev, org.ID, tokens.Input{Name: "dashboard view", Permissions: []string{"device:read", "device:read"}, Readonly: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Secret, "gha_") || c.ExpiresAt == nil || !c.ExpiresAt.Equal(ceiling) || len(c.Permissions) != 1 {
		t.Errorf("created = %+v (expiry defaults to the caller's)", c)
	}
	got, err := st.APITokenBySecret(ctx, c.Secret)
	if err != nil || got.ID != c.ID || got.UserID != "dev" || !got.Readonly || !got.Usable(now) {
		t.Fatalf("lookup = %+v, %v", got, err)
	}
	oc, err := svc.Create(ctx, owner, org.ID, tokens.Input{Name: "ci"})
	if err != nil || oc.ExpiresAt != nil || oc.Permissions != nil {
		t.Fatalf("owner token = %+v, %v", oc, err)
	}

	// Listing: own for a developer, all for the owner; never a secret.
	dl, _, err := svc.List(ctx, dev, org.ID, 10, "")
	if err != nil || len(dl) != 1 || dl[0].ID != c.ID {
		t.Errorf("dev list = %+v, %v", dl, err)
	}
	ol, next, err := svc.List(ctx, owner, org.ID, 1, "")
	if err != nil || len(ol) != 1 || next == "" {
		t.Fatalf("owner page 1 = %+v, %v", ol, err)
	}
	ol2, _, err := svc.List(ctx, owner, org.ID, 1, next)
	if err != nil || len(ol2) != 1 || ol2[0].ID == ol[0].ID {
		t.Errorf("owner page 2 = %+v, %v", ol2, err)
	}

	// Revocation: not someone else's token, unless admin; both items follow.
	if err := svc.Revoke(ctx, dev, org.ID, oc.ID); reason(err) != "not_found/" {
		t.Errorf("dev revokes owner's token: %v", err)
	}
	if err := svc.Revoke(ctx, owner, org.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.Revoke(ctx, owner, org.ID, c.ID); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	got, err = st.APITokenBySecret(ctx, c.Secret)
	if err != nil || got.Status != gatehouse.StatusRevoked || got.Usable(now) {
		t.Errorf("after revoke: %+v, %v", got, err)
	}
	l, _, _ := st.APIToken(ctx, org.ID, c.ID)
	if l.Status != gatehouse.StatusRevoked {
		t.Errorf("listing item status = %s", l.Status)
	}
}
