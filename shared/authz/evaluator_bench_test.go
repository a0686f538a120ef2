package authz_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
)

// benchWorld is the benchmark org: 50 roles (custom roles plus the
// built-ins, several bound to groups) and a resource carrying 1,000 grants,
// of which the subject's principals appear only near the end, so that every
// check scans them all.
func benchWorld() (*authz.OrgPolicy, authz.Subject, *authz.Resource, time.Time) {
	cat := authz.NewCatalogue([]string{"device", "dashboard", "bucket", "gateway"})
	perms := cat.Permissions()
	p := &authz.OrgPolicy{Catalogue: cat, CustomRoles: map[string][]string{}, GroupRoles: map[string][]string{}, DefaultResourceAccess: "granted"}
	for i := range 45 { // 45 custom + 5 built-in = 50 roles
		var rp []string
		for j := i; j < len(perms); j += 7 {
			rp = append(rp, perms[j])
		}
		p.CustomRoles[fmt.Sprintf("role%02d", i)] = rp
	}
	for g := range 10 {
		p.GroupRoles[fmt.Sprintf("grp%d", g)] = []string{fmt.Sprintf("role%02d", g), fmt.Sprintf("role%02d", g+20)}
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	s := authz.Subject{
		UserID: "user_me",
		Roles:  []string{authz.RoleDeveloper, "role01", "role02", "role30"},
		Groups: []string{"all", "grp1", "grp2", "grp3"},
	}
	res := &authz.Resource{Type: "device", ID: "dev_1", OwnerID: "user_other"}
	for i := range 1000 {
		g := authz.Grant{Principal: fmt.Sprintf("user:user_%04d", i), Allow: []string{"read", "update"}}
		if i%3 == 0 {
			g.Principal = fmt.Sprintf("group:other%03d", i)
			g.Deny = []string{"delete"}
		}
		if i%5 == 0 {
			g.ExpiresAt = &later
		}
		res.Grants = append(res.Grants, g)
	}
	res.Grants[998] = authz.Grant{Principal: "group:grp2", Allow: []string{"read", "update"}}
	res.Grants[999] = authz.Grant{Principal: "user:user_me", Deny: []string{"share"}}
	res.TypeGrants = []authz.Grant{{Principal: "group:all", Allow: []string{"read"}}}
	return p, s, res, now
}

// BenchmarkCheckResource is one resource decision with the subject's
// permissions already compiled (the per-check cost of the check API's batch
// form and of listings).
func BenchmarkCheckResource(b *testing.B) {
	p, s, res, now := benchWorld()
	eff := authz.Compile(p, s)
	if d := eff.CheckResource("update", res, now); !d.Allowed || d.Reason != authz.ReasonGrant {
		b.Fatalf("setup: %+v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		eff.CheckResource("update", res, now)
	}
}

// BenchmarkCompileAndCheckResource is a whole decision from the snapshot:
// compile the subject's effective permissions over 50 roles, then decide
// one action on the resource with 1,000 grants.
func BenchmarkCompileAndCheckResource(b *testing.B) {
	p, s, res, now := benchWorld()
	b.ReportAllocs()
	for b.Loop() {
		authz.Compile(p, s).CheckResource("update", res, now)
	}
}

// BenchmarkCompile is the authorizer's per-request work: effective
// permissions over 50 roles, then one org-level check.
func BenchmarkCompile(b *testing.B) {
	p, s, _, _ := benchWorld()
	b.ReportAllocs()
	for b.Loop() {
		authz.Compile(p, s).Check("members:read")
	}
}
