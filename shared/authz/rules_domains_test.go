package authz_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

func reasonOf(err error) string {
	if e, ok := errors.AsType[*gatehouse.Error](err); ok {
		return string(e.Code) + "/" + e.Reason
	}
	if err == nil {
		return ""
	}
	return "other"
}

// TestJoinRoleWithinCap: a join policy gives at most what developer gives
// (docs/domains.md), whatever the role is called.
func TestJoinRoleWithinCap(t *testing.T) {
	cat := authz.NewCatalogue([]string{"device"})
	o := &gatehouse.Org{CustomRoles: map[string]gatehouse.Role{
		"reader":  {ID: "reader", Permissions: []string{"device:read", "org:read"}},
		"inviter": {ID: "inviter", Permissions: []string{"device:read", "members:invite"}},
	}}
	p := authz.PolicyOf(cat, o)
	for _, tc := range []struct {
		role, want string
	}{
		{"viewer", ""},
		{"developer", ""},
		{"reader", ""},
		{"manager", "forbidden/join_role_cap"},
		{"admin", "forbidden/join_role_cap"},
		{"owner", "forbidden/join_role_cap"},
		{"inviter", "forbidden/join_role_cap"},
		{"nosuch", "validation_failed/"},
	} {
		if got := reasonOf(authz.JoinRoleWithinCap(p, tc.role)); got != tc.want {
			t.Errorf("JoinRoleWithinCap(%q) = %q, want %q", tc.role, got, tc.want)
		}
	}
}

func TestHoldsDomains(t *testing.T) {
	if err := authz.HoldsDomains(&gatehouse.Org{ID: "org_a"}); err != nil {
		t.Errorf("top-level org refused: %v", err)
	}
	sub := &gatehouse.Org{ID: "org_b", ParentID: "org_a", Ancestors: []string{"org_a"}}
	if got := reasonOf(authz.HoldsDomains(sub)); got != "forbidden/top_level_only" {
		t.Errorf("sub-org: %q, want forbidden/top_level_only", got)
	}
}

func TestProvesByEmail(t *testing.T) {
	me := &gatehouse.User{ID: "u1", Email: "Ann@Example.com", EmailVerified: true, Status: gatehouse.StatusActive}
	unverified := *me
	unverified.EmailVerified = false
	for _, tc := range []struct {
		name   string
		c      *gatehouse.Caller
		u      *gatehouse.User
		domain string
		ok     bool
	}{
		{"own verified address at the domain", &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u1"}}, me, "example.com", true},
		{"another domain", &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u1"}}, me, "example.org", false},
		{"a subdomain is another domain", &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u1"}}, me, "eu.example.com", false},
		{"unverified address", &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u1"}}, &unverified, "example.com", false},
		{"someone else's account", &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u2"}}, me, "example.com", false},
		{"an API token proves no mailbox", &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "u1", TokenID: "tok_1"}}, me, "example.com", false},
	} {
		err := authz.ProvesByEmail(tc.c, tc.u, tc.domain)
		if tc.ok != (err == nil) {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && reasonOf(err) != "conflict/domain_unproven" {
			t.Errorf("%s: %q, want conflict/domain_unproven", tc.name, reasonOf(err))
		}
	}
}

func TestJoinsByDomain(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := &gatehouse.User{ID: "u1", Email: "bob@acme.test", EmailVerified: true, Status: gatehouse.StatusActive}
	unverified := *u
	unverified.EmailVerified = false
	disabled := *u
	disabled.Status = gatehouse.StatusDisabled
	claim := func(policy string) *gatehouse.DomainClaim {
		return &gatehouse.DomainClaim{Domain: "acme.test", OrgID: "org_a", JoinPolicy: policy, JoinRole: "viewer"}
	}
	for _, tc := range []struct {
		name      string
		u         *gatehouse.User
		cl        *gatehouse.DomainClaim
		joins     bool
		autoJoins bool
	}{
		{"suggest", u, claim(gatehouse.JoinSuggest), true, false},
		{"auto", u, claim(gatehouse.JoinAuto), true, true},
		{"none", u, claim(gatehouse.JoinNone), false, false},
		{"unverified address", &unverified, claim(gatehouse.JoinAuto), false, false},
		{"disabled account", &disabled, claim(gatehouse.JoinAuto), false, false},
		{"other domain", u, &gatehouse.DomainClaim{Domain: "other.test", OrgID: "org_a", JoinPolicy: gatehouse.JoinAuto}, false, false},
		{"no claim", u, nil, false, false},
	} {
		err := authz.JoinsByDomain(tc.u, tc.cl, now)
		if tc.joins != (err == nil) {
			t.Errorf("%s: JoinsByDomain %v, want joins=%v", tc.name, err, tc.joins)
		}
		if err != nil && reasonOf(err) != "forbidden/not_suggested" {
			t.Errorf("%s: %q, want forbidden/not_suggested", tc.name, reasonOf(err))
		}
		if got := authz.AutoJoins(tc.u, tc.cl, now); got != tc.autoJoins {
			t.Errorf("%s: AutoJoins %v, want %v", tc.name, got, tc.autoJoins)
		}
	}
}
