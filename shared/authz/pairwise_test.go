package authz_test

// The pairwise pass (docs/security.md, "where rules meet"): for each pair
// of decision rules that the pure evaluator decides and that can meet, one
// case of what happens where they do. Pairs decided in the store or the
// services (rules 9, 11, 12 and grants under rule 6) are held by the tests
// the table of docs/security.md names. Each case is named "R<a>xR<b>".

import (
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

var pwNow = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

func pwAt(d time.Duration) *time.Time { t := pwNow.Add(d); return &t }

func pwUser(id string) *gatehouse.User {
	return &gatehouse.User{ID: id, Email: id + "@example.test", Status: gatehouse.StatusActive}
}

func pwMember(org, user string, roles ...string) *gatehouse.Membership {
	return &gatehouse.Membership{OrgID: org, UserID: user, Roles: roles, Status: gatehouse.StatusActive}
}

func pwPolicy() *authz.OrgPolicy {
	return &authz.OrgPolicy{Catalogue: authz.NewCatalogue(authz.DefaultResourceTypes), DefaultResourceAccess: "granted"}
}

// pwCaller builds the caller the authorizer would, from a standing and an
// optional token scope; it fails the test if rule 1 refuses.
func pwCaller(t *testing.T, p *authz.OrgPolicy, st authz.Standing, scope *authz.TokenScope) (*gatehouse.Caller, *authz.Effective) {
	t.Helper()
	sub, ceiling, r := authz.SubjectOf(st, pwNow)
	if r != nil {
		t.Fatalf("standing refused (%s), want a caller", r.Reason)
	}
	sub.Token = scope
	eff := authz.Compile(p, sub)
	c := authz.CallerOf(gatehouse.Actor{UserID: st.User.ID}, "org", eff, ceiling)
	return &c, eff
}

func pwRefusal(t *testing.T, st authz.Standing, want string) {
	t.Helper()
	_, _, r := authz.SubjectOf(st, pwNow)
	if r == nil || r.Reason != want {
		t.Fatalf("refusal %+v, want reason %s", r, want)
	}
}

func pwReason(err error) string {
	var e *gatehouse.Error
	if ge, ok := err.(*gatehouse.Error); ok {
		e = ge
	}
	if e == nil {
		return ""
	}
	return e.Reason
}

// TestRulePairs: one case per pair the evaluator decides.
func TestRulePairs(t *testing.T) {
	p := pwPolicy()
	dev := &authz.Resource{Type: "device", ID: "d1", OwnerID: "alice"}
	cases := []struct {
		pair string
		what string
		run  func(t *testing.T)
	}{
		{"R1xR2", "a token of a disabled member opens nothing: rule 1 refuses before any narrowing", func(t *testing.T) {
			m := pwMember("org", "alice", "owner")
			m.Status = gatehouse.StatusDisabled
			pwRefusal(t, authz.Standing{User: pwUser("alice"), Membership: m}, gatehouse.ReasonDisabled)
		}},
		{"R1xR3", "a disabled read-only member is refused as disabled, not answered as read-only", func(t *testing.T) {
			m := pwMember("org", "alice", "developer")
			m.Status, m.Readonly = gatehouse.StatusDisabled, true
			pwRefusal(t, authz.Standing{User: pwUser("alice"), Membership: m}, gatehouse.ReasonDisabled)
		}},
		{"R1xR4", "the owner of a resource whose membership expired has no access to it", func(t *testing.T) {
			m := pwMember("org", "alice", "developer")
			m.ExpiresAt = pwAt(-time.Minute)
			pwRefusal(t, authz.Standing{User: pwUser("alice"), Membership: m}, gatehouse.ReasonExpired)
		}},
		{"R1xR5", "a parent admin's disabled account cuts its inherited authority; a disabled sub-org membership does not", func(t *testing.T) {
			u := pwUser("alice")
			u.Status = gatehouse.StatusDisabled
			pwRefusal(t, authz.Standing{User: u, Ancestors: []*gatehouse.Membership{pwMember("root", "alice", "admin")}}, gatehouse.ReasonDisabled)
			own := pwMember("org", "alice", "viewer")
			own.Status = gatehouse.StatusDisabled
			_, eff := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: own, Ancestors: []*gatehouse.Membership{pwMember("root", "alice", "admin")}}, nil)
			if !eff.IsAdmin() || !eff.Has("members:create") {
				t.Fatalf("inherited admin cut by the sub-org: %v", eff.Permissions())
			}
			parent := pwMember("root", "alice", "owner")
			parent.ExpiresAt = pwAt(-time.Second)
			pwRefusal(t, authz.Standing{User: pwUser("alice"), Ancestors: []*gatehouse.Membership{parent}}, gatehouse.ReasonNotMember)
		}},
		{"R1xR6", "an inviter who lost its standing gives nothing when its invite is accepted", func(t *testing.T) {
			m := pwMember("org", "bob", "admin")
			m.Status = gatehouse.StatusDisabled
			org := &gatehouse.Org{ID: "org"}
			if c, _, r := authz.StandingCaller(p.Catalogue, org, authz.Standing{User: pwUser("bob"), Membership: m}, pwNow); c != nil || r == nil {
				t.Fatalf("a disabled inviter still stands: %+v", c)
			}
		}},
		{"R1xR7", "a disabled sub-manager in the chain does not cut its manager's reach (the manager's own standing decides)", func(t *testing.T) {
			sub := pwMember("org", "sub", "manager")
			sub.ManagedBy, sub.Status = "boss", gatehouse.StatusDisabled
			leaf := pwMember("org", "leaf", "viewer")
			leaf.ManagedBy = "sub"
			if !authz.Manages("boss", leaf, []*gatehouse.Membership{sub}) {
				t.Fatal("the manager lost a member managed through a disabled sub-manager")
			}
		}},
		{"R1xR8", "the ceiling is the earliest of the account's and the membership's expiry", func(t *testing.T) {
			u := pwUser("alice")
			u.ExpiresAt = pwAt(24 * time.Hour)
			m := pwMember("org", "alice", "admin")
			m.ExpiresAt = pwAt(72 * time.Hour)
			c, _ := pwCaller(t, p, authz.Standing{User: u, Membership: m}, nil)
			if c.ExpiresAt == nil || !c.ExpiresAt.Equal(*u.ExpiresAt) {
				t.Fatalf("ceiling %v, want the account's %v", c.ExpiresAt, u.ExpiresAt)
			}
		}},
		{"R2xR3", "a token narrowed to device:create of a resourceReadonly member holds nothing of it", func(t *testing.T) {
			m := pwMember("org", "alice", "developer")
			m.ResourceReadonly = true
			_, eff := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: m}, &authz.TokenScope{Permissions: []string{"device:create", "device:read"}})
			if eff.Has("device:create") || !eff.Has("device:read") || eff.Has("members:read") {
				t.Fatalf("effective %v, want device:read only", eff.Permissions())
			}
		}},
		{"R2xR4", "a token without device:read does not read its user's own device", func(t *testing.T) {
			_, eff := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: pwMember("org", "alice", "developer")}, &authz.TokenScope{Permissions: []string{"org:read"}})
			if d := eff.CheckResource("read", dev, pwNow); d.Allowed || d.Reason != authz.ReasonTokenNarrowing {
				t.Fatalf("decision %+v, want token_narrowing", d)
			}
		}},
		{"R2xR5", "a parent admin's token is narrowed in the sub-org too", func(t *testing.T) {
			_, eff := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Ancestors: []*gatehouse.Membership{pwMember("root", "alice", "admin")}}, &authz.TokenScope{Readonly: true})
			if eff.Has("members:create") || !eff.Has("members:read") {
				t.Fatalf("effective %v, want reads only", eff.Permissions())
			}
		}},
		{"R2xR6", "an owner's token narrowed to members:invite gives neither owner nor viewer", func(t *testing.T) {
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: pwMember("org", "alice", "owner")}, &authz.TokenScope{Permissions: []string{"members:invite"}})
			for _, role := range []string{"owner", "admin", "viewer"} {
				if err := authz.Give(c, p, []string{role}, nil); pwReason(err) != gatehouse.ReasonEscalation {
					t.Errorf("give %s: %v, want escalation", role, err)
				}
			}
		}},
		{"R2xR7", "a manager's token narrowed to members:update cannot act on a member whose permissions it does not hold", func(t *testing.T) {
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("boss"), Membership: pwMember("org", "boss", "manager")}, &authz.TokenScope{Permissions: []string{"members:update"}})
			leaf := pwMember("org", "leaf", "viewer")
			leaf.ManagedBy = "boss"
			if err := authz.ActOn(c, p, leaf, nil); pwReason(err) != gatehouse.ReasonEscalation {
				t.Fatalf("act on: %v, want escalation", err)
			}
		}},
		{"R2xR8", "a token's default expiry is its maker's ceiling, and no later one is taken", func(t *testing.T) {
			m := pwMember("org", "alice", "admin")
			m.ExpiresAt = pwAt(48 * time.Hour)
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: m}, nil)
			if got := authz.DefaultExpiry(c, nil); got == nil || !got.Equal(*m.ExpiresAt) {
				t.Fatalf("default expiry %v, want %v", got, m.ExpiresAt)
			}
			if err := authz.CheckExpiry(c, pwAt(49*time.Hour)); pwReason(err) != gatehouse.ReasonExpiryCeiling {
				t.Fatalf("later expiry: %v, want expiry_ceiling", err)
			}
		}},
		{"R3xR4", "a resourceReadonly owner of a device reads it but cannot update it", func(t *testing.T) {
			m := pwMember("org", "alice", "developer")
			m.ResourceReadonly = true
			_, eff := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: m}, nil)
			if d := eff.CheckResource("read", dev, pwNow); !d.Allowed {
				t.Errorf("read own: %+v", d)
			}
			if d := eff.CheckResource("update", dev, pwNow); d.Allowed || d.Reason != authz.ReasonResourceReadonly {
				t.Errorf("update own: %+v, want resource_readonly", d)
			}
		}},
		{"R3xR5", "read-only above is read-only below; a sub-org's flag does not narrow inherited admin", func(t *testing.T) {
			parent := pwMember("root", "alice", "admin")
			parent.Readonly = true
			_, eff := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Ancestors: []*gatehouse.Membership{parent}}, nil)
			if d := eff.Check("members:create"); d.Allowed || d.Reason != authz.ReasonReadonly {
				t.Errorf("read-only parent admin writes below: %+v", d)
			}
			own := pwMember("org", "bob", "viewer")
			own.Readonly, own.ResourceReadonly = true, true
			_, eff = pwCaller(t, p, authz.Standing{User: pwUser("bob"), Membership: own, Ancestors: []*gatehouse.Membership{pwMember("root", "bob", "admin")}}, nil)
			if !eff.Has("members:create") || !eff.Has("device:create") {
				t.Errorf("the sub-org's flags narrowed inherited admin: %v", eff.Permissions())
			}
		}},
		{"R3xR6", "a resourceReadonly admin gives a viewer but not a developer nor an admin", func(t *testing.T) {
			m := pwMember("org", "alice", "admin")
			m.ResourceReadonly = true
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: m}, nil)
			if err := authz.Give(c, p, []string{"viewer"}, nil); err != nil {
				t.Errorf("give viewer: %v", err)
			}
			for _, role := range []string{"developer", "admin"} {
				if err := authz.Give(c, p, []string{role}, nil); pwReason(err) != gatehouse.ReasonEscalation {
					t.Errorf("give %s: %v, want escalation", role, err)
				}
			}
		}},
		{"R3xR7", "a resourceReadonly manager cannot act on the developer it manages", func(t *testing.T) {
			m := pwMember("org", "boss", "manager")
			m.ResourceReadonly = true
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("boss"), Membership: m}, nil)
			leaf := pwMember("org", "leaf", "developer")
			leaf.ManagedBy = "boss"
			if err := authz.ActOn(c, p, leaf, nil); pwReason(err) != gatehouse.ReasonEscalation {
				t.Fatalf("act on: %v, want escalation", err)
			}
		}},
		{"R3xR8", "flags leave the ceiling alone: a read-only member's ceiling is its expiry", func(t *testing.T) {
			m := pwMember("org", "alice", "admin")
			m.Readonly, m.ExpiresAt = true, pwAt(time.Hour)
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: m}, nil)
			if c.ExpiresAt == nil || !c.ExpiresAt.Equal(*m.ExpiresAt) {
				t.Fatalf("ceiling %v", c.ExpiresAt)
			}
		}},
		{"R4xR5", "an inherited admin acts on every resource, and no deny reaches it", func(t *testing.T) {
			_, eff := pwCaller(t, p, authz.Standing{User: pwUser("bob"), Ancestors: []*gatehouse.Membership{pwMember("root", "bob", "admin")}}, nil)
			r := &authz.Resource{Type: "device", ID: "d2", OwnerID: "carol", Grants: []authz.Grant{{Principal: "user:bob", Deny: []string{"*"}}}}
			if d := eff.CheckResource("delete", r, pwNow); !d.Allowed {
				t.Fatalf("decision %+v, want allowed (admin)", d)
			}
		}},
		{"R4xR7", "a manager is no admin for resources: it needs a grant", func(t *testing.T) {
			_, eff := pwCaller(t, p, authz.Standing{User: pwUser("boss"), Membership: pwMember("org", "boss", "manager")}, nil)
			r := &authz.Resource{Type: "device", ID: "d3", OwnerID: "leaf"}
			if d := eff.CheckResource("read", r, pwNow); d.Allowed || d.Reason != authz.ReasonNoAccess {
				t.Fatalf("decision %+v, want no_resource_access", d)
			}
		}},
		{"R4xR8", "an expired grant gives nothing", func(t *testing.T) {
			_, eff := pwCaller(t, p, authz.Standing{User: pwUser("bob"), Membership: pwMember("org", "bob", "viewer")}, nil)
			r := &authz.Resource{Type: "device", ID: "d4", OwnerID: "carol", Grants: []authz.Grant{{Principal: "user:bob", Allow: []string{"read"}, ExpiresAt: pwAt(-time.Second)}}}
			if d := eff.CheckResource("read", r, pwNow); d.Allowed {
				t.Fatalf("decision %+v, want refused", d)
			}
		}},
		{"R4xR10", "the owner deletes its own device whatever denies say", func(t *testing.T) {
			_, eff := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: pwMember("org", "alice", "developer")}, nil)
			r := &authz.Resource{Type: "device", ID: "d1", OwnerID: "alice", Grants: []authz.Grant{{Principal: "group:all", Deny: []string{"*"}}}}
			if d := eff.CheckResource("delete", r, pwNow); !d.Allowed || d.Reason != authz.ReasonOwner {
				t.Fatalf("decision %+v, want allowed as resource_owner", d)
			}
		}},
		{"R3xR10", "a resourceReadonly owner cannot delete its own device", func(t *testing.T) {
			m := pwMember("org", "alice", "developer")
			m.ResourceReadonly = true
			_, eff := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: m}, nil)
			if d := eff.CheckResource("delete", dev, pwNow); d.Allowed {
				t.Fatalf("decision %+v, want refused", d)
			}
		}},
		{"R5xR6", "an inherited admin makes admins in the sub-org, never owners", func(t *testing.T) {
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Ancestors: []*gatehouse.Membership{pwMember("root", "alice", "owner")}}, nil)
			if err := authz.Give(c, p, []string{"admin"}, nil); err != nil {
				t.Errorf("give admin: %v", err)
			}
			if err := authz.Give(c, p, []string{"owner"}, nil); pwReason(err) != gatehouse.ReasonEscalation {
				t.Errorf("give owner: %v, want escalation", err)
			}
		}},
		{"R5xR7", "a manager of the sub-org that is admin above reads every member", func(t *testing.T) {
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: pwMember("org", "alice", "manager"), Ancestors: []*gatehouse.Membership{pwMember("root", "alice", "admin")}}, nil)
			if authz.ReadsOnlyManaged(c) {
				t.Fatal("an inherited admin was limited to the members it manages")
			}
		}},
		{"R5xR8", "own and inherited authority: the ceiling is when the later of them ends", func(t *testing.T) {
			own := pwMember("org", "alice", "owner")
			parent := pwMember("root", "alice", "admin")
			parent.ExpiresAt = pwAt(48 * time.Hour)
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: own, Ancestors: []*gatehouse.Membership{parent}}, nil)
			if c.ExpiresAt != nil {
				t.Errorf("an owner without expiry here got the parent's ceiling %v", c.ExpiresAt)
			}
			own.ExpiresAt = pwAt(24 * time.Hour)
			c, _ = pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: own, Ancestors: []*gatehouse.Membership{parent}}, nil)
			if c.ExpiresAt == nil || !c.ExpiresAt.Equal(*parent.ExpiresAt) {
				t.Errorf("ceiling %v, want the later %v", c.ExpiresAt, parent.ExpiresAt)
			}
			c, _ = pwCaller(t, p, authz.Standing{User: pwUser("bob"), Ancestors: []*gatehouse.Membership{parent}}, nil)
			if c.ExpiresAt == nil || !c.ExpiresAt.Equal(*parent.ExpiresAt) {
				t.Errorf("inherited only: ceiling %v, want %v", c.ExpiresAt, parent.ExpiresAt)
			}
		}},
		{"R6xR7", "a manager gives what it holds, to members it manages only", func(t *testing.T) {
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("boss"), Membership: pwMember("org", "boss", "manager")}, nil)
			if err := authz.Give(c, p, []string{"admin"}, nil); pwReason(err) != gatehouse.ReasonEscalation {
				t.Errorf("manager gives admin: %v", err)
			}
			stranger := pwMember("org", "x", "viewer")
			if err := authz.ActOn(c, p, stranger, nil); pwReason(err) != gatehouse.ReasonNotManaged {
				t.Errorf("act on an unmanaged member: %v, want not_managed", err)
			}
			stranger.ManagedBy = "boss"
			if err := authz.ActOn(c, p, stranger, nil); err != nil {
				t.Errorf("act on a managed viewer: %v", err)
			}
		}},
		{"R6xR8", "with a ceiling, giving no expiry is refused", func(t *testing.T) {
			m := pwMember("org", "alice", "admin")
			m.ExpiresAt = pwAt(time.Hour)
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("alice"), Membership: m}, nil)
			if err := authz.CheckExpiry(c, nil); pwReason(err) != gatehouse.ReasonExpiryCeiling {
				t.Errorf("no expiry: %v", err)
			}
			if err := authz.CheckOwnExpiry(c, m.ExpiresAt, pwAt(2*time.Hour)); pwReason(err) != gatehouse.ReasonExpiryCeiling {
				t.Errorf("extend own: %v", err)
			}
			if err := authz.CheckOwnExpiry(c, m.ExpiresAt, pwAt(time.Minute)); err != nil {
				t.Errorf("shorten own: %v", err)
			}
		}},
		{"R7xR8", "a manager with a ceiling creates managed members that end with it", func(t *testing.T) {
			m := pwMember("org", "boss", "manager")
			m.ExpiresAt = pwAt(5 * time.Hour)
			c, _ := pwCaller(t, p, authz.Standing{User: pwUser("boss"), Membership: m}, nil)
			if !authz.CreatesManaged(c) {
				t.Error("a manager's member is not managed by it")
			}
			if got := authz.DefaultExpiry(c, nil); got == nil || !got.Equal(*m.ExpiresAt) {
				t.Errorf("default expiry %v", got)
			}
		}},
		{"R1xR12", "a deleted account (no profile) has no standing anywhere", func(t *testing.T) {
			if r := authz.AccountRefusal(nil, pwNow); r == nil || r.Reason != gatehouse.ReasonNoProfile {
				t.Fatalf("refusal %+v, want no_profile", r)
			}
		}},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.pair] {
			t.Errorf("pair %s twice", tc.pair)
		}
		seen[tc.pair] = true
		t.Run(tc.pair, func(t *testing.T) {
			t.Log(tc.what)
			tc.run(t)
		})
	}
	if !slices.Contains(authz.BuiltinRoleIDs, authz.RoleManager) {
		t.Fatal("the manager role is gone")
	}
}
