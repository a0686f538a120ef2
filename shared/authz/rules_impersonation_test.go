package authz_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Who may start an impersonation session acting as whom (docs/rules.md,
// "Impersonation").
func TestStartsImpersonation(t *testing.T) {
	cat := authz.NewCatalogue([]string{"device"})
	p := authz.PolicyOf(cat, &gatehouse.Org{ID: "org_1"})
	member := func(id string, roles ...string) *gatehouse.Membership {
		return &gatehouse.Membership{UserID: id, Roles: roles, Status: gatehouse.StatusActive}
	}
	owner, admin, dev := member("u_owner", authz.RoleOwner), member("u_admin", authz.RoleAdmin), member("u_dev", authz.RoleDeveloper)
	managed := member("u_managed", authz.RoleViewer)
	managed.ManagedBy = "u"
	tests := []struct {
		name   string
		sub    authz.Subject
		actor  gatehouse.Actor
		target *gatehouse.Membership
		reason string // "" allowed; else the refusal's reason (or "validation")
	}{
		{"owner on a developer", authz.Subject{UserID: "u", Roles: []string{authz.RoleOwner}}, gatehouse.Actor{UserID: "u"}, dev, ""},
		{"owner on an admin", authz.Subject{UserID: "u", Roles: []string{authz.RoleOwner}}, gatehouse.Actor{UserID: "u"}, admin, ""},
		{"owner on another owner", authz.Subject{UserID: "u", Roles: []string{authz.RoleOwner}}, gatehouse.Actor{UserID: "u"}, owner, ""},
		{"admin on a developer", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}, gatehouse.Actor{UserID: "u"}, dev, ""},
		{"admin on another admin", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}, gatehouse.Actor{UserID: "u"}, admin, ""},
		{"admin on an owner", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}, gatehouse.Actor{UserID: "u"}, owner, gatehouse.ReasonEscalation},
		{"parent org admin on an owner", authz.Subject{UserID: "u", InheritedAdmin: true}, gatehouse.Actor{UserID: "u"}, owner, gatehouse.ReasonEscalation},
		{"parent org admin on a developer", authz.Subject{UserID: "u", InheritedAdmin: true}, gatehouse.Actor{UserID: "u"}, dev, ""},
		{"read-only admin on an admin", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}, Readonly: true}, gatehouse.Actor{UserID: "u"}, admin, gatehouse.ReasonEscalation},
		{"platform admin on a developer", authz.Subject{UserID: "u"}, gatehouse.Actor{UserID: "u", PlatformAdmin: true}, dev, ""},
		{"platform admin on an owner", authz.Subject{UserID: "u"}, gatehouse.Actor{UserID: "u", PlatformAdmin: true}, owner, gatehouse.ReasonEscalation},
		{"manager on a member it manages", authz.Subject{UserID: "u", Roles: []string{authz.RoleManager}}, gatehouse.Actor{UserID: "u"}, managed, gatehouse.ReasonMissingPerm},
		{"developer", authz.Subject{UserID: "u", Roles: []string{authz.RoleDeveloper}}, gatehouse.Actor{UserID: "u"}, dev, gatehouse.ReasonMissingPerm},
		{"owner with an API token", authz.Subject{UserID: "u", Roles: []string{authz.RoleOwner}}, gatehouse.Actor{UserID: "u", TokenID: "tok_1"}, dev, gatehouse.ReasonImpersonation},
		{"from a session", authz.Subject{UserID: "u", Roles: []string{authz.RoleOwner}}, gatehouse.Actor{UserID: "u", TokenID: "imp_1", ImpersonatedBy: "u_x"}, dev, gatehouse.ReasonImpersonation},
		{"oneself", authz.Subject{UserID: "u", Roles: []string{authz.RoleOwner}}, gatehouse.Actor{UserID: "u"}, member("u", authz.RoleOwner), "validation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := callerAs(cat, tt.sub, tt.actor)
			err := authz.StartsImpersonation(c, p, tt.target, nil)
			var got string
			switch {
			case err == nil:
			case gatehouse.ErrorCode(err) == gatehouse.CodeValidation:
				got = "validation"
			default:
				var ge *gatehouse.Error
				if e, ok := err.(*gatehouse.Error); ok {
					ge = e
				}
				if ge == nil || ge.Code != gatehouse.CodeForbidden {
					t.Fatalf("error %v, want a forbidden refusal", err)
				}
				got = ge.Reason
			}
			if got != tt.reason {
				t.Errorf("StartsImpersonation = %v (%q), want %q", err, got, tt.reason)
			}
		})
	}
}

// The most a session may use: the impersonator's effective set now; a
// platform admin adds the admin role's, never what only an owner holds.
func TestImpersonationCap(t *testing.T) {
	cat := authz.NewCatalogue([]string{"device"})
	now := time.Now()
	org := &gatehouse.Org{ID: "org_1"}
	exp := now.Add(time.Hour)
	user := func(pa bool) *gatehouse.User {
		return &gatehouse.User{ID: "u", Status: gatehouse.StatusActive, PlatformAdmin: pa}
	}
	mem := func(roles []string, f func(*gatehouse.Membership)) *gatehouse.Membership {
		m := &gatehouse.Membership{OrgID: org.ID, UserID: "u", Roles: roles, Status: gatehouse.StatusActive}
		if f != nil {
			f(m)
		}
		return m
	}
	adminPerms, _ := cat.BuiltinRole(authz.RoleAdmin)
	tests := []struct {
		name     string
		st       authz.Standing
		has, not []string
		refused  bool
		ceiling  *time.Time
	}{
		{"admin", authz.Standing{User: user(false), Membership: mem([]string{authz.RoleAdmin}, nil)}, []string{"device:create", "members:update"}, []string{"org:billing"}, false, nil},
		{"read-only admin", authz.Standing{User: user(false), Membership: mem([]string{authz.RoleAdmin}, func(m *gatehouse.Membership) { m.Readonly = true })},
			[]string{"device:read", "members:read"}, []string{"device:create", "members:update"}, false, nil},
		{"resource-read-only admin", authz.Standing{User: user(false), Membership: mem([]string{authz.RoleAdmin}, func(m *gatehouse.Membership) { m.ResourceReadonly = true })},
			[]string{"device:read", "members:update"}, []string{"device:create"}, false, nil},
		{"expiring admin", authz.Standing{User: user(false), Membership: mem([]string{authz.RoleAdmin}, func(m *gatehouse.Membership) { m.ExpiresAt = &exp })},
			[]string{"device:create"}, nil, false, &exp},
		{"owner", authz.Standing{User: user(false), Membership: mem([]string{authz.RoleOwner}, nil)}, []string{"org:billing", "org:delete"}, nil, false, nil},
		{"removed", authz.Standing{User: user(false)}, nil, nil, true, nil},
		{"disabled membership", authz.Standing{User: user(false), Membership: mem([]string{authz.RoleAdmin}, func(m *gatehouse.Membership) { m.Status = gatehouse.StatusDisabled })}, nil, nil, true, nil},
		{"platform admin, no member", authz.Standing{User: user(true)}, adminPerms, []string{"org:billing", "org:delete"}, false, nil},
		{"disabled platform admin", authz.Standing{User: &gatehouse.User{ID: "u", Status: gatehouse.StatusDisabled, PlatformAdmin: true}}, nil, nil, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			perms, ceiling, r := authz.ImpersonationCap(cat, org, tt.st, now)
			if (r != nil) != tt.refused {
				t.Fatalf("refusal %v, want refused %v", r, tt.refused)
			}
			if r != nil {
				return
			}
			if perms == nil {
				t.Error("nil permissions: a nil narrowing would mean all of them")
			}
			for _, p := range tt.has {
				if !slices.Contains(perms, p) {
					t.Errorf("cap %v lacks %s", perms, p)
				}
			}
			for _, p := range tt.not {
				if slices.Contains(perms, p) {
					t.Errorf("cap %v holds %s", perms, p)
				}
			}
			if (ceiling == nil) != (tt.ceiling == nil) || ceiling != nil && !ceiling.Equal(*tt.ceiling) {
				t.Errorf("ceiling %v, want %v", ceiling, tt.ceiling)
			}
		})
	}
}

// TestManagesSessions: sessions are listed and revoked by people signed in,
// never with an API token or from within a session.
func TestManagesSessions(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    gatehouse.Caller
		ok   bool
	}{
		{"signed in", gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u"}}, true},
		{"API token", gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u", TokenID: "tok_x"}}, false},
		{"session", gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u", TokenID: "imp_x", ImpersonatedBy: "v"}}, false},
	} {
		err := authz.ManagesSessions(&tc.c)
		if (err == nil) != tc.ok {
			t.Errorf("%s: ManagesSessions = %v, want allowed %v", tc.name, err, tc.ok)
		}
		if err != nil && gatehouse.ErrorCode(err) != gatehouse.CodeForbidden {
			t.Errorf("%s: code %s, want forbidden", tc.name, gatehouse.ErrorCode(err))
		}
	}
}
