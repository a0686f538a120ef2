package authz_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// viewerPerms are what the viewer role gives with the device type.
func scimTokenPerms(cat *authz.Catalogue, extra ...string) []string {
	org := &gatehouse.Org{ID: "org_1"}
	vp, _ := authz.PolicyOf(cat, org).RolePermissions(authz.RoleViewer)
	return append(append(slices.Clone(authz.ScimPermissions), vp...), extra...)
}

// Rule 6 (docs/rules.md) on SCIM tokens: only an owner or admin, signed
// in, makes one, with permissions and default member roles it holds.
func TestMintsScimToken(t *testing.T) {
	cat := authz.NewCatalogue([]string{"device"})
	pol := authz.PolicyOf(cat, &gatehouse.Org{ID: "org_1"})
	perms := scimTokenPerms(cat)
	tests := []struct {
		name   string
		sub    authz.Subject
		actor  gatehouse.Actor
		perms  []string
		roles  []string
		reason string // "" allowed
	}{
		{"owner", authz.Subject{UserID: "u", Roles: []string{authz.RoleOwner}}, gatehouse.Actor{UserID: "u"}, perms, []string{authz.RoleViewer}, ""},
		{"admin", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}, gatehouse.Actor{UserID: "u"}, perms, []string{authz.RoleDeveloper}, ""},
		{"parent org admin (rule 5)", authz.Subject{UserID: "u", InheritedAdmin: true}, gatehouse.Actor{UserID: "u"}, perms, nil, ""},
		{"manager holds members:* but is no admin", authz.Subject{UserID: "u", Roles: []string{authz.RoleManager}}, gatehouse.Actor{UserID: "u"}, []string{"members:read"}, nil, gatehouse.ReasonEscalation},
		{"developer", authz.Subject{UserID: "u", Roles: []string{authz.RoleDeveloper}}, gatehouse.Actor{UserID: "u"}, []string{"members:read"}, nil, gatehouse.ReasonEscalation},
		{"admin through an API token", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}, gatehouse.Actor{UserID: "u", TokenID: "tok_1"}, perms, nil, gatehouse.ReasonTokenNarrowing},
		{"read-only admin gives no write (rule 3)", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}, Readonly: true}, gatehouse.Actor{UserID: "u"}, perms, nil, gatehouse.ReasonEscalation},
		{"admin cannot give org:billing", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}, gatehouse.Actor{UserID: "u"}, []string{"org:billing"}, nil, gatehouse.ReasonEscalation},
		{"admin cannot make the token give owner", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}, gatehouse.Actor{UserID: "u"}, perms, []string{authz.RoleOwner}, gatehouse.ReasonEscalation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := authz.MintsScimToken(callerAs(cat, tt.sub, tt.actor), pol, tt.perms, tt.roles)
			if tt.reason == "" && err != nil {
				t.Fatalf("refused: %v, want allowed", err)
			}
			if tt.reason != "" {
				if e, ok := err.(*gatehouse.Error); !ok || e.Reason != tt.reason {
					t.Fatalf("got %v, want forbidden %s", err, tt.reason)
				}
			}
		})
	}
}

// Rules 2, 6 and 8 on the caller a SCIM token is: an admin narrowed to
// its permissions, acting as itself.
func TestScimCaller(t *testing.T) {
	cat := authz.NewCatalogue([]string{"device"})
	org := &gatehouse.Org{ID: "org_1"}
	pol := authz.PolicyOf(cat, org)
	exp := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	tok := &gatehouse.ScimToken{ID: "sct_1", OrgID: "org_1", Permissions: scimTokenPerms(cat), Status: gatehouse.StatusActive, ExpiresAt: &exp}
	c, eff := authz.ScimCaller(cat, org, tok, gatehouse.Actor{UserID: "spoofed", RequestID: "r1"})
	admin := &gatehouse.Membership{UserID: "a", Roles: []string{authz.RoleAdmin}}
	viewer := &gatehouse.Membership{UserID: "v", Roles: []string{authz.RoleViewer}}
	tests := []struct {
		name string
		ok   bool
	}{
		{"acts as itself", c.UserID == "sct_1" && c.TokenID == "sct_1" && c.RequestID == "r1"},
		{"holds members:create", eff.Check("members:create").Allowed},
		{"holds no org:update (narrowed)", !eff.Check("org:update").Allowed},
		{"holds no tokens:manage", !c.Has("tokens:manage")},
		{"gives viewer", authz.Give(c, pol, []string{authz.RoleViewer}, nil) == nil},
		{"gives no developer (device:create not held)", authz.Give(c, pol, []string{authz.RoleDeveloper}, nil) != nil},
		{"gives no admin", authz.Give(c, pol, []string{authz.RoleAdmin}, nil) != nil},
		{"acts on a viewer", authz.ActOn(c, pol, viewer, nil) == nil},
		{"acts on no admin", authz.ActOn(c, pol, admin, nil) != nil},
		{"manages nobody: what it creates is unmanaged", !authz.CreatesManaged(c)},
		{"ceiling is the token's expiry (rule 8)", c.ExpiresAt != nil && c.ExpiresAt.Equal(exp)},
		{"mints no account outside verified domains", !authz.ScimMintsAccount(c, "a@elsewhere.io", []string{"corp.io"})},
		{"mints an account under a verified domain", authz.ScimMintsAccount(c, "a@Corp.io", []string{"corp.io"})},
		{"mints no tokens", authz.MintsScimToken(c, pol, nil, nil) != nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("SCIM caller %+v: %s does not hold", c, tt.name)
			}
		})
	}
	// A token stored without permissions is narrowed to nothing, never
	// widened to a whole admin.
	bare, eff := authz.ScimCaller(cat, org, &gatehouse.ScimToken{ID: "sct_2", OrgID: "org_1", Status: gatehouse.StatusActive}, gatehouse.Actor{})
	if len(bare.Permissions) != 0 || eff.Check("members:read").Allowed {
		t.Errorf("a token without permissions holds %v, want nothing", bare.Permissions)
	}
}

// Rule 6 at acceptance for an invite a SCIM token made.
func TestScimInviterStillGives(t *testing.T) {
	cat := authz.NewCatalogue([]string{"device"})
	org := &gatehouse.Org{ID: "org_1"}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	past := now.Add(-time.Hour)
	later := now.Add(48 * time.Hour)
	active := func(mod func(*gatehouse.ScimToken)) *gatehouse.ScimToken {
		t := &gatehouse.ScimToken{ID: "sct_1", OrgID: "org_1", Permissions: scimTokenPerms(cat), Status: gatehouse.StatusActive}
		if mod != nil {
			mod(t)
		}
		return t
	}
	tests := []struct {
		name  string
		tok   *gatehouse.ScimToken
		roles []string
		exp   *time.Time
		ok    bool
	}{
		{"active token, viewer", active(nil), []string{authz.RoleViewer}, nil, true},
		{"revoked token", active(func(t *gatehouse.ScimToken) { t.Status = gatehouse.StatusRevoked }), []string{authz.RoleViewer}, nil, false},
		{"expired token", active(func(t *gatehouse.ScimToken) { t.ExpiresAt = &past }), []string{authz.RoleViewer}, nil, false},
		{"deleted token", nil, []string{authz.RoleViewer}, nil, false},
		{"token of another org", active(func(t *gatehouse.ScimToken) { t.OrgID = "org_2" }), []string{authz.RoleViewer}, nil, false},
		{"role it cannot give", active(nil), []string{authz.RoleDeveloper}, nil, false},
		{"membership outliving an expiring token", active(func(t *gatehouse.ScimToken) { e := now.Add(time.Hour); t.ExpiresAt = &e }), []string{authz.RoleViewer}, &later, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := authz.ScimInviterStillGives(cat, org, tt.tok, tt.roles, tt.exp, now)
			if (err == nil) != tt.ok {
				t.Errorf("got %v, want allowed %v", err, tt.ok)
			}
		})
	}
}
