package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/members"
)

// End-to-end tests of verified domains and join policies
// (docs/domains.md): proof by DNS through the local stack's DNS server
// (GATEHOUSE_DNS_RESOLVER) and by the admin's own verified email, one org
// per domain, rule 11 with and without a verified domain, and the none,
// suggest and auto join policies (auto capped at developer and within
// maxMembers).

// uniqueDomain returns a domain no other test uses (claims are global).
func uniqueDomain() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return "d" + hex.EncodeToString(b[:]) + ".example.test"
}

// dmAdd adds a domain to an org and returns it.
func dmAdd(t testing.TB, c *Client, orgID, domain string) gatehouse.Domain {
	t.Helper()
	var d gatehouse.Domain
	if st := c.DoJSON(t, "POST", "/v1/orgs/"+orgID+"/domains", map[string]any{"domain": domain}, &d); st != http.StatusCreated {
		_, raw := c.Do(t, "POST", "/v1/orgs/"+orgID+"/domains", map[string]any{"domain": domain})
		t.Fatalf("add domain %s: %d %s, want 201", domain, st, raw)
	}
	if d.Status != gatehouse.DomainPending || d.TXTName != "_gatehouse-challenge."+domain || d.TXTValue == "" {
		t.Fatalf("added domain %+v, want pending with its TXT challenge", d)
	}
	return d
}

// dmVerifyDNS publishes the domain's TXT record on the stack's DNS server
// and verifies it.
func dmVerifyDNS(t testing.TB, c *Client, orgID string, d gatehouse.Domain) gatehouse.Domain {
	t.Helper()
	stack().DNS().SetTXT(d.TXTName, "v=spf1 -all", d.TXTValue)
	var out gatehouse.Domain
	if st, raw := c.Do(t, "POST", "/v1/orgs/"+orgID+"/domains/"+d.Domain+"/verify", map[string]any{"method": "dns"}); st != http.StatusOK {
		t.Fatalf("verify %s by DNS: %d %s, want 200", d.Domain, st, raw)
	}
	c.DoJSON(t, "POST", "/v1/orgs/"+orgID+"/domains/"+d.Domain+"/verify", map[string]any{"method": "dns"}, &out)
	if out.Status != gatehouse.DomainVerified || out.VerifiedBy != gatehouse.DomainByDNS {
		t.Fatalf("verified domain %+v, want verified by dns", out)
	}
	return out
}

func dmVerifiedDomains(t testing.TB, c *Client, orgID string) []string {
	t.Helper()
	var o gatehouse.Org
	if st := c.DoJSON(t, "GET", "/v1/orgs/"+orgID, nil, &o); st != http.StatusOK {
		t.Fatalf("GET org: %d", st)
	}
	return o.VerifiedDomains
}

func dmCreateWithPassword(t testing.TB, c *Client, orgID, email string) (int, []byte) {
	t.Helper()
	return c.Do(t, "POST", "/v1/orgs/"+orgID+"/members", map[string]any{
		"email": email, "roles": []string{"viewer"}, "password": defaultPassword})
}

func TestDomainVerifyByDNS(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	domain := uniqueDomain()

	// Rule 11 before: no password for an address outside verified domains.
	st, raw := dmCreateWithPassword(t, owner, org, uniqueEmailAt(t, domain))
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonDomainNotVerified {
		t.Fatalf("reason %q, want %q", p.Reason, gatehouse.ReasonDomainNotVerified)
	}

	d := dmAdd(t, owner, org, domain)
	// Adding it twice is a conflict; a public suffix or garbage is invalid.
	st, raw = owner.Do(t, "POST", "/v1/orgs/"+org+"/domains", map[string]any{"domain": domain})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
	for _, bad := range []string{"com", "co.uk", "not a domain", "-x.example.test", ""} {
		st, raw = owner.Do(t, "POST", "/v1/orgs/"+org+"/domains", map[string]any{"domain": bad})
		requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	}

	// No record yet (NXDOMAIN), then a wrong one: unproven, nothing changes.
	st, raw = owner.Do(t, "POST", "/v1/orgs/"+org+"/domains/"+domain+"/verify", map[string]any{"method": "dns"})
	if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict); p.Reason != gatehouse.ReasonDomainUnproven {
		t.Fatalf("reason %q, want %q", p.Reason, gatehouse.ReasonDomainUnproven)
	}
	stack().DNS().SetTXT(d.TXTName, "gatehouse-domain-verification=someone-else")
	st, raw = owner.Do(t, "POST", "/v1/orgs/"+org+"/domains/"+domain+"/verify", map[string]any{"method": "dns"})
	if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict); p.Reason != gatehouse.ReasonDomainUnproven {
		t.Fatalf("reason %q, want %q", p.Reason, gatehouse.ReasonDomainUnproven)
	}
	if got := dmVerifiedDomains(t, owner, org); len(got) != 0 {
		t.Fatalf("verifiedDomains %v before proof, want none", got)
	}

	dmVerifyDNS(t, owner, org, d)
	if got := dmVerifiedDomains(t, owner, org); !slices.Equal(got, []string{domain}) {
		t.Fatalf("verifiedDomains %v, want [%s]", got, domain)
	}

	// Rule 11 after: the org mints accounts under its verified domain, not
	// elsewhere.
	var res members.CreateResult
	st, raw = dmCreateWithPassword(t, owner, org, uniqueEmailAt(t, domain))
	if st != http.StatusCreated {
		t.Fatalf("create with password under the verified domain: %d %s, want 201", st, raw)
	}
	mustUnmarshal(t, raw, &res)
	if !res.AccountCreated || res.Member == nil || res.Member.AccountStatus != gatehouse.StatusActive {
		t.Fatalf("result %s, want an active account created", raw)
	}
	st, raw = dmCreateWithPassword(t, owner, org, uniqueEmailAt(t, "other-"+domain))
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonDomainNotVerified {
		t.Fatalf("outside the domain: reason %q, want %q", p.Reason, gatehouse.ReasonDomainNotVerified)
	}

	// One org per domain: another org can neither add nor verify it.
	other := newUser(t)
	otherOrg := mbOrg(t, other)
	st, raw = other.Do(t, "POST", "/v1/orgs/"+otherOrg+"/domains", map[string]any{"domain": domain})
	if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict); p.Reason != gatehouse.ReasonDomainClaimed {
		t.Fatalf("second org adding: reason %q, want %q", p.Reason, gatehouse.ReasonDomainClaimed)
	}

	// Sub-orgs hold no domains.
	var sub struct {
		ID string `json:"id"`
	}
	if st := owner.DoJSON(t, "POST", "/v1/orgs/"+org+"/suborgs", map[string]any{"name": "customer"}, &sub); st != http.StatusCreated {
		t.Fatalf("create sub-org: %d", st)
	}
	st, raw = owner.Do(t, "POST", "/v1/orgs/"+sub.ID+"/domains", map[string]any{"domain": uniqueDomain()})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonTopLevelOnly {
		t.Fatalf("sub-org: reason %q, want %q", p.Reason, gatehouse.ReasonTopLevelOnly)
	}

	// Listing, then removal: the org stops minting there, and the domain
	// is free for another org.
	var page struct {
		Items []gatehouse.Domain `json:"items"`
	}
	if st := owner.DoJSON(t, "GET", "/v1/orgs/"+org+"/domains", nil, &page); st != http.StatusOK || len(page.Items) != 1 || page.Items[0].Status != gatehouse.DomainVerified {
		t.Fatalf("list: %d %+v, want the one verified domain", st, page)
	}
	if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+org+"/domains/"+domain, nil); st != http.StatusNoContent {
		t.Fatalf("remove: %d %s", st, raw)
	}
	if got := dmVerifiedDomains(t, owner, org); len(got) != 0 {
		t.Fatalf("verifiedDomains %v after removal, want none", got)
	}
	st, raw = dmCreateWithPassword(t, owner, org, uniqueEmailAt(t, domain))
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	d2 := dmAdd(t, other, otherOrg, domain)
	dmVerifyDNS(t, other, otherOrg, d2)

	// Every change is audited.
	var actions []string
	for _, e := range mbAudit(t, owner, org, "") {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"domain.add", "domain.verify", "domain.remove"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit %v, want %s", actions, want)
		}
	}
}

// TestDomainClaimedByTwoOrgs: two orgs may hold the same domain pending;
// the first to prove it claims it and the other's proof is refused.
func TestDomainClaimedByTwoOrgs(t *testing.T) {
	t.Parallel()
	a, b := newUser(t), newUser(t)
	orgA, orgB := mbOrg(t, a), mbOrg(t, b)
	domain := uniqueDomain()
	da, db := dmAdd(t, a, orgA, domain), dmAdd(t, b, orgB, domain)
	dmVerifyDNS(t, a, orgA, da)
	stack().DNS().SetTXT(db.TXTName, da.TXTValue, db.TXTValue)
	st, raw := b.Do(t, "POST", "/v1/orgs/"+orgB+"/domains/"+domain+"/verify", map[string]any{"method": "dns"})
	if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict); p.Reason != gatehouse.ReasonDomainClaimed {
		t.Fatalf("reason %q, want %q", p.Reason, gatehouse.ReasonDomainClaimed)
	}
	if got := dmVerifiedDomains(t, b, orgB); len(got) != 0 {
		t.Fatalf("org B verifiedDomains %v, want none", got)
	}
}

func TestDomainVerifyByEmail(t *testing.T) {
	t.Parallel()
	domain := uniqueDomain()
	admin := signUp(t, uniqueEmailAt(t, domain), defaultPassword)
	org := mbOrg(t, admin)
	dmAdd(t, admin, org, domain)
	var d gatehouse.Domain
	if st := admin.DoJSON(t, "POST", "/v1/orgs/"+org+"/domains/"+domain+"/verify", map[string]any{"method": "email"}, &d); st != http.StatusOK {
		t.Fatalf("verify by email: %d", st)
	}
	if d.Status != gatehouse.DomainVerified || d.VerifiedBy != gatehouse.DomainByEmail {
		t.Fatalf("domain %+v, want verified by email", d)
	}
	if st, raw := dmCreateWithPassword(t, admin, org, uniqueEmailAt(t, domain)); st != http.StatusCreated {
		t.Fatalf("create with password after email proof: %d %s", st, raw)
	}

	// An address elsewhere proves nothing.
	other := newUser(t)
	otherOrg := mbOrg(t, other)
	dmAdd(t, other, otherOrg, uniqueDomain())
	var page struct {
		Items []gatehouse.Domain `json:"items"`
	}
	other.DoJSON(t, "GET", "/v1/orgs/"+otherOrg+"/domains", nil, &page)
	st, raw := other.Do(t, "POST", "/v1/orgs/"+otherOrg+"/domains/"+page.Items[0].Domain+"/verify", map[string]any{"method": "email"})
	if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict); p.Reason != gatehouse.ReasonDomainUnproven {
		t.Fatalf("reason %q, want %q", p.Reason, gatehouse.ReasonDomainUnproven)
	}
}

type dmMe struct {
	Memberships []struct {
		OrgID string   `json:"orgId"`
		Roles []string `json:"roles"`
	} `json:"memberships"`
}

func dmRolesIn(t testing.TB, c *Client, orgID string) []string {
	t.Helper()
	var me dmMe
	if st := c.DoJSON(t, "GET", "/v1/me", nil, &me); st != http.StatusOK {
		t.Fatalf("GET /v1/me: %d", st)
	}
	for _, m := range me.Memberships {
		if m.OrgID == orgID {
			return m.Roles
		}
	}
	return nil
}

type dmSuggested struct {
	Items []struct {
		OrgID    string `json:"orgId"`
		JoinRole string `json:"joinRole"`
	} `json:"items"`
}

func dmPolicy(t testing.TB, c *Client, orgID, domain, policy, role string) (int, []byte) {
	t.Helper()
	return c.Do(t, "PUT", "/v1/orgs/"+orgID+"/domains/"+domain+"/policy", map[string]any{"joinPolicy": policy, "joinRole": role})
}

func TestDomainJoinPolicies(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	domain := uniqueDomain()
	dmVerifyDNS(t, owner, org, dmAdd(t, owner, org, domain))

	t.Run("none: nothing offered", func(t *testing.T) {
		u := signUp(t, uniqueEmailAt(t, domain), defaultPassword)
		if roles := dmRolesIn(t, u, org); roles != nil {
			t.Fatalf("joined with %v under policy none", roles)
		}
		var s dmSuggested
		if st := u.DoJSON(t, "GET", "/v1/me/suggested-orgs", nil, &s); st != http.StatusOK || len(s.Items) != 0 {
			t.Fatalf("suggested %d %+v, want none", st, s)
		}
		st, raw := u.Do(t, "POST", "/v1/me/suggested-orgs/join", map[string]any{"orgId": org})
		if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonNotSuggested {
			t.Fatalf("reason %q, want %q", p.Reason, gatehouse.ReasonNotSuggested)
		}
	})

	t.Run("suggest: seen, joined by the user's own act", func(t *testing.T) {
		if st, raw := dmPolicy(t, owner, org, domain, "suggest", "developer"); st != http.StatusOK {
			t.Fatalf("set policy: %d %s", st, raw)
		}
		u := signUp(t, uniqueEmailAt(t, domain), defaultPassword)
		if roles := dmRolesIn(t, u, org); roles != nil {
			t.Fatalf("joined with %v at sign-up under policy suggest", roles)
		}
		var s dmSuggested
		if st := u.DoJSON(t, "GET", "/v1/me/suggested-orgs", nil, &s); st != http.StatusOK || len(s.Items) != 1 || s.Items[0].OrgID != org || s.Items[0].JoinRole != "developer" {
			t.Fatalf("suggested %d %+v, want the org with developer", st, s)
		}
		// Someone elsewhere is offered nothing and cannot join.
		stranger := newUser(t)
		st, raw := stranger.Do(t, "POST", "/v1/me/suggested-orgs/join", map[string]any{"orgId": org})
		requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)

		if st, raw := u.Do(t, "POST", "/v1/me/suggested-orgs/join", map[string]any{"orgId": org}); st != http.StatusCreated {
			t.Fatalf("join: %d %s", st, raw)
		}
		if roles := dmRolesIn(t, u, org); !slices.Equal(roles, []string{"developer"}) {
			t.Fatalf("roles %v after joining, want [developer]", roles)
		}
		u.DoJSON(t, "GET", "/v1/me/suggested-orgs", nil, &s)
		if len(s.Items) != 0 {
			t.Fatalf("suggested %+v after joining, want none", s)
		}
		st, raw = u.Do(t, "POST", "/v1/me/suggested-orgs/join", map[string]any{"orgId": org})
		requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
	})

	t.Run("auto: capped at developer", func(t *testing.T) {
		for _, role := range []string{"owner", "admin", "manager"} {
			st, raw := dmPolicy(t, owner, org, domain, "auto", role)
			if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonJoinRoleCap {
				t.Fatalf("auto with %s: reason %q, want %q", role, p.Reason, gatehouse.ReasonJoinRoleCap)
			}
		}
		if st, raw := dmPolicy(t, owner, org, domain, "auto", "developer"); st != http.StatusOK {
			t.Fatalf("set policy: %d %s", st, raw)
		}
		u := signUp(t, uniqueEmailAt(t, domain), defaultPassword)
		if roles := dmRolesIn(t, u, org); !slices.Equal(roles, []string{"developer"}) {
			t.Fatalf("roles %v after sign-up under auto, want [developer]", roles)
		}
		var me dmMe
		u.DoJSON(t, "GET", "/v1/me", nil, &me)
		if len(me.Memberships) != 1 {
			t.Fatalf("memberships %+v, want only the domain's org (no personal org)", me.Memberships)
		}
	})

	t.Run("auto: within maxMembers", func(t *testing.T) {
		o, err := stack().Store().Org(t.Context(), org)
		if err != nil {
			t.Fatal(err)
		}
		admin := adminClient(t)
		if st, raw := admin.Do(t, "PUT", "/v1/orgs/"+org+"/limits", map[string]any{"maxMembers": o.Usage.SubtreeSeats}); st != http.StatusOK {
			t.Fatalf("set maxMembers: %d %s", st, raw)
		}
		u := signUp(t, uniqueEmailAt(t, domain), defaultPassword)
		if roles := dmRolesIn(t, u, org); roles != nil {
			t.Fatalf("joined a full org with %v", roles)
		}
		var me dmMe
		u.DoJSON(t, "GET", "/v1/me", nil, &me)
		if len(me.Memberships) != 1 {
			t.Fatalf("memberships %+v, want the personal org the full org left it", me.Memberships)
		}
		after, _ := stack().Store().Org(t.Context(), org)
		if after.Usage.SubtreeSeats != o.Usage.SubtreeSeats {
			t.Fatalf("seats %d, want %d (unchanged)", after.Usage.SubtreeSeats, o.Usage.SubtreeSeats)
		}
	})
}

func mustUnmarshal(t testing.TB, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}
