package e2e

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// rsToken creates an API token for by and returns its id and secret.
func rsToken(t testing.TB, by *Client, orgID string, body map[string]any) (id, secret string) {
	t.Helper()
	var c struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	if st := by.DoJSON(t, "POST", "/v1/orgs/"+orgID+"/tokens", body, &c); st != http.StatusCreated || c.Secret == "" {
		_, raw := by.Do(t, "POST", "/v1/orgs/"+orgID+"/tokens", body)
		t.Fatalf("create token: %d %s", st, raw)
	}
	return c.ID, c.Secret
}

// TestAPITokens: a token acts for its user in its org, within its
// narrowing and the user's CURRENT permissions; ?token= works on GET routes
// only; revoked and expired tokens are refused.
func TestAPITokens(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	dev := mbMember(t, owner, org, "developer")
	rsUnlimited(t, owner, org, dev.Sub)
	// Developers do not hold tokens:manage; a custom role adds it.
	var role struct {
		ID string `json:"id"`
	}
	if st := owner.DoJSON(t, "POST", "/v1/orgs/"+org+"/roles", map[string]any{"name": "Token user", "permissions": []string{"tokens:manage"}}, &role); st != http.StatusCreated {
		t.Fatalf("create role: %d", st)
	}
	tokenUser := role.ID
	if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+org+"/members/"+dev.Sub+"/roles", map[string]any{"roles": []string{"developer", tokenUser}}); st != http.StatusOK {
		t.Fatalf("give role: %d %s", st, raw)
	}
	base := "/v1/orgs/" + org

	// Escalation: a developer cannot narrow to what it does not hold.
	st, raw := dev.Do(t, "POST", base+"/tokens", map[string]any{"name": "x", "permissions": []string{"members:invite"}})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonEscalation {
		t.Errorf("reason %q", p.Reason)
	}

	_, full := rsToken(t, dev, org, map[string]any{"name": "full"})
	_, narrow := rsToken(t, dev, org, map[string]any{"name": "read devices", "permissions": []string{"device:read", "members:read"}})
	fullC, narrowC := dev.WithBearer(full), dev.WithBearer(narrow)

	// The full token registers; the narrowed one reads but cannot register.
	rsRegister(t, fullC, org, "device", "by-token")
	st, raw = narrowC.Do(t, "POST", base+"/resources", map[string]any{"type": "device", "id": "nope"})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonTokenNarrowing {
		t.Errorf("narrowed register: reason %q", p.Reason)
	}
	if got := rsList(t, narrowC, org); len(got) != 1 {
		t.Errorf("narrowed token lists %v", got)
	}
	// A permission route outside the narrowing is refused at the gate.
	r := narrowC.DoRaw(t, "GET", base+"/groups", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonTokenNarrowing)
	// Tokens cannot mint tokens.
	st, raw = fullC.Do(t, "POST", base+"/tokens", map[string]any{"name": "child"})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)

	// ?token= on GET routes only (embedded read-only views).
	r = anonymous().DoRaw(t, "GET", base+"/resources?token="+url.QueryEscape(narrow), nil, nil)
	if r.Status != http.StatusOK {
		t.Errorf("GET with ?token=: %d %s", r.Status, r.Body)
	}
	r = anonymous().DoRaw(t, "POST", base+"/resources?token="+url.QueryEscape(full), []byte(`{"type":"device","id":"q"}`), nil)
	requireRefusal(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated, "")

	// Demote the user: the token loses what the user lost, at once.
	if st, raw := owner.Do(t, "PUT", base+"/members/"+dev.Sub+"/roles", map[string]any{"roles": []string{"viewer"}}); st != http.StatusOK {
		t.Fatalf("demote: %d %s", st, raw)
	}
	st, raw = fullC.Do(t, "POST", base+"/resources", map[string]any{"type": "device", "id": "after-demotion"})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	r = narrowC.DoRaw(t, "GET", base+"/members", nil, nil) // members:read was in the narrowing, not in viewer
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	// Restore tokens:manage so the owner's view of tokens stays simple.
	if st, raw := owner.Do(t, "PUT", base+"/members/"+dev.Sub+"/roles", map[string]any{"roles": []string{"developer", tokenUser}}); st != http.StatusOK {
		t.Fatalf("restore: %d %s", st, raw)
	}

	// Listing shows no secrets; the owner (admin) sees the developer's.
	var list struct {
		Items []map[string]any `json:"items"`
	}
	if st := owner.DoJSON(t, "GET", base+"/tokens", nil, &list); st != http.StatusOK || len(list.Items) != 2 {
		t.Fatalf("owner lists: %d %+v", st, list)
	}
	for _, it := range list.Items {
		if _, ok := it["secret"]; ok {
			t.Errorf("a listed token carries its secret: %v", it)
		}
	}

	// Revoked: refused (401) at the next request.
	fullID := ""
	for _, it := range list.Items {
		if it["name"] == "full" {
			fullID, _ = it["id"].(string)
		}
	}
	if st, raw := owner.Do(t, "DELETE", base+"/tokens/"+fullID, nil); st != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", st, raw)
	}
	r = fullC.DoRaw(t, "GET", base+"/resources", nil, nil)
	requireRefusal(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated, "")

	// Expired: a token that lives two seconds is refused after them.
	soon := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
	_, short := rsToken(t, dev, org, map[string]any{"name": "short", "expiresAt": soon})
	if r := dev.WithBearer(short).DoRaw(t, "GET", base+"/resources", nil, nil); r.Status != http.StatusOK {
		t.Fatalf("fresh short token: %d %s", r.Status, r.Body)
	}
	eventually(t, 10*time.Second, func() bool {
		return dev.WithBearer(short).DoRaw(t, "GET", base+"/resources", nil, nil).Status == http.StatusUnauthorized
	})

	// A token is bound to its org: it opens nothing in another.
	other := mbOrg(t, dev)
	r = narrowC.DoRaw(t, "GET", "/v1/orgs/"+other+"/resources", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonNotMember)
}
