package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Helpers of the impersonation tests are prefixed with im.

type imStarted struct {
	ID             string `json:"id"`
	OrgID          string `json:"orgId"`
	UserID         string `json:"userId"`
	ImpersonatorID string `json:"impersonatorId"`
	Status         string `json:"status"`
	Secret         string `json:"secret"`
}

type imAccess struct {
	UserID         string   `json:"userId"`
	Permissions    []string `json:"permissions"`
	ImpersonatedBy string   `json:"impersonatedBy"`
}

// imStart starts a session in org acting as userID and returns it.
func imStart(t testing.TB, by *Client, org, userID string) imStarted {
	t.Helper()
	var s imStarted
	if st := by.DoJSON(t, "POST", "/v1/orgs/"+org+"/impersonations", map[string]any{"userId": userID, "minutes": 10, "reason": "support ticket 42"}, &s); st != http.StatusCreated || !strings.HasPrefix(s.Secret, "ghm_") {
		t.Fatalf("start impersonation of %s: %d %+v, want 201 with a ghm_ secret", userID, st, s)
	}
	return s
}

// imAccessOf is what the session may do in org, as the authorizer decided.
func imAccessOf(t testing.TB, c *Client, org string) imAccess {
	t.Helper()
	var a imAccess
	if st := c.DoJSON(t, "GET", "/v1/orgs/"+org+"/me", nil, &a); st != http.StatusOK {
		t.Fatalf("org access: %d", st)
	}
	return a
}

func imMyAudit(t testing.TB, c *Client) []gatehouse.AuditEvent {
	t.Helper()
	var page struct {
		Items []gatehouse.AuditEvent `json:"items"`
	}
	if st := c.DoJSON(t, "GET", "/v1/me/audit", nil, &page); st != http.StatusOK {
		t.Fatalf("my audit: %d", st)
	}
	return page.Items
}

// TestImpersonation: an admin acts as a developer through a session:
// it is the developer with the developer's rights, its changes are
// audited with both identities and the developer sees them in its own
// audit view; the session opens nothing outside its org's member routes,
// mints no token and starts no session, and ends when revoked.
func TestImpersonation(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	admin := mbMember(t, owner, org, "admin")
	dev := mbMember(t, owner, org, "developer")
	rsUnlimited(t, owner, org, dev.Sub)
	other := newUser(t)
	otherOrg := mbOrg(t, other)

	s := imStart(t, admin, org, dev.Sub)
	if s.UserID != dev.Sub || s.ImpersonatorID != admin.Sub || s.OrgID != org || s.Status != "active" {
		t.Fatalf("session %+v, want active, acting as the developer, started by the admin", s)
	}
	sess := dev.WithBearer(s.Secret)

	// It is the developer, with the developer's rights (the admin holds
	// them all), and knows who it really is.
	a := imAccessOf(t, sess, org)
	devAccess := imAccessOf(t, dev, org)
	if a.UserID != dev.Sub || a.ImpersonatedBy != admin.Sub || !slices.Equal(a.Permissions, devAccess.Permissions) {
		t.Errorf("session access %+v, want the developer's %v, impersonated by %s", a, devAccess.Permissions, admin.Sub)
	}
	// A change through it: audited as the developer, impersonated by the admin.
	rsRegister(t, sess, org, "device", "imp-d1")
	events := mbAudit(t, owner, org, "?target=device/imp-d1")
	if len(events) == 0 || events[0].Action != "resource.register" || events[0].ActorID != dev.Sub || events[0].ImpersonatedBy != admin.Sub {
		t.Errorf("audit of the change: %+v, want resource.register by the developer impersonated by the admin", events)
	}
	started := mbAudit(t, owner, org, "?target="+dev.Sub)
	if len(started) == 0 || started[len(started)-1].Action == "" || !slices.ContainsFunc(started, func(e gatehouse.AuditEvent) bool {
		return e.Action == "impersonation.start" && e.ActorID == admin.Sub
	}) {
		t.Errorf("org audit on the developer: %+v, want impersonation.start by the admin", started)
	}
	// The developer sees both in its own audit view.
	mine := imMyAudit(t, dev)
	if !slices.ContainsFunc(mine, func(e gatehouse.AuditEvent) bool { return e.Action == "impersonation.start" && e.ActorID == admin.Sub }) ||
		!slices.ContainsFunc(mine, func(e gatehouse.AuditEvent) bool {
			return e.Action == "resource.register" && e.ImpersonatedBy == admin.Sub
		}) {
		t.Errorf("the developer's own audit view: %+v, want the session's start and its change", mine)
	}

	// Bound to its org and to member routes.
	r := sess.DoRaw(t, "GET", "/v1/orgs/"+otherOrg+"/me", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonNotMember)
	for _, p := range []string{"/v1/me", "/v1/me/audit", "/v1/admin/users"} {
		r := sess.DoRaw(t, "GET", p, nil, nil)
		requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonImpersonation)
	}
	r = sess.DoRaw(t, "GET", "/v1/orgs/"+org+"/me?token="+s.Secret, nil, http.Header{"Authorization": nil})
	requireProblemResponse(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated)
	// It mints no API token (which would outlive it).
	st, raw := sess.Do(t, "POST", "/v1/orgs/"+org+"/tokens", map[string]any{"name": "keep"})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)

	// Revoked by the admin who started it: the secret opens nothing more.
	var list struct {
		Items []imStarted `json:"items"`
	}
	if st := admin.DoJSON(t, "GET", "/v1/orgs/"+org+"/impersonations", nil, &list); st != http.StatusOK || len(list.Items) != 1 || list.Items[0].Secret != "" {
		t.Fatalf("sessions: %d %+v, want the one session, without its secret", st, list)
	}
	r = dev.DoRaw(t, "GET", "/v1/orgs/"+org+"/impersonations", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	if st, raw := admin.Do(t, "DELETE", "/v1/orgs/"+org+"/impersonations/"+s.ID, nil); st != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", st, raw)
	}
	r = sess.DoRaw(t, "GET", "/v1/orgs/"+org+"/me", nil, nil)
	requireProblemResponse(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated)
	if st := admin.DoJSON(t, "GET", "/v1/orgs/"+org+"/impersonations", nil, &list); st != http.StatusOK || list.Items[0].Status != "revoked" {
		t.Errorf("after revocation: %+v", list)
	}
	if mine := imMyAudit(t, dev); !slices.ContainsFunc(mine, func(e gatehouse.AuditEvent) bool { return e.Action == "impersonation.revoke" }) {
		t.Errorf("the developer's own audit view lacks the revocation: %+v", mine)
	}
}

// TestImpersonationRefusals: who may impersonate whom. Never an owner but
// by an owner (not by an admin, not by a platform admin), never a member
// of another org, never by a member below admin, never from a session;
// and a session of an impersonator with fewer rights than its target gets
// only what both hold.
func TestImpersonationRefusals(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	admin := mbMember(t, owner, org, "admin")
	dev := mbMember(t, owner, org, "developer")
	rsUnlimited(t, owner, org, dev.Sub)
	other := newUser(t)
	otherOrg := mbOrg(t, other)
	outsider := mbMember(t, other, otherOrg, "viewer")
	base := "/v1/orgs/" + org + "/impersonations"
	before := mbSnapshot(t, org)

	// An owner, by a non-owner admin: refused, nothing written.
	st, raw := admin.Do(t, "POST", base, map[string]any{"userId": owner.Sub})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonEscalation {
		t.Errorf("admin impersonating the owner: reason %q, want %q", p.Reason, gatehouse.ReasonEscalation)
	}
	// By a platform admin, who is no owner of the org: refused too.
	st, raw = adminClient(t).Do(t, "POST", "/v1/admin/impersonations", map[string]any{"orgId": org, "userId": owner.Sub})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonEscalation {
		t.Errorf("platform admin impersonating the owner: reason %q, want %q", p.Reason, gatehouse.ReasonEscalation)
	}
	// Across orgs: a member of another org is no member here.
	st, raw = admin.Do(t, "POST", base, map[string]any{"userId": outsider.Sub})
	requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	r := admin.DoRaw(t, "POST", "/v1/orgs/"+otherOrg+"/impersonations", []byte(`{"userId":"`+outsider.Sub+`"}`), nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonNotMember)
	// Below admin: the gate refuses a developer.
	r = dev.DoRaw(t, "POST", base, []byte(`{"userId":"`+admin.Sub+`"}`), nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	// Bad input changes nothing.
	for _, bad := range []map[string]any{{}, {"userId": dev.Sub, "minutes": 61}, {"userId": dev.Sub, "minutes": -1}, {"userId": dev.Sub, "reason": "a\x00b"}, {"userId": admin.Sub + "x"}} {
		st, raw := admin.Do(t, "POST", base, bad)
		if st != http.StatusBadRequest && st != http.StatusNotFound {
			t.Errorf("start with %v: %d %s, want 400 or 404", bad, st, raw)
		}
	}
	st, raw = admin.Do(t, "POST", base, map[string]any{"userId": admin.Sub})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	mbRequireUnchanged(t, org, before)

	// The owner may impersonate the admin; that session starts no session.
	s := imStart(t, owner, org, admin.Sub)
	sess := admin.WithBearer(s.Secret)
	st, raw = sess.Do(t, "POST", base, map[string]any{"userId": dev.Sub})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonImpersonation {
		t.Errorf("a session starting a session: reason %q, want %q", p.Reason, gatehouse.ReasonImpersonation)
	}

	// A platform admin acts as the developer with the developer's rights.
	var ps imStarted
	if st := adminClient(t).DoJSON(t, "POST", "/v1/admin/impersonations", map[string]any{"orgId": org, "userId": dev.Sub, "minutes": 5}, &ps); st != http.StatusCreated || ps.Secret == "" {
		t.Fatalf("platform admin start: %d %+v", st, ps)
	}
	if a := imAccessOf(t, dev.WithBearer(ps.Secret), org); a.UserID != dev.Sub || !slices.Contains(a.Permissions, "device:create") {
		t.Errorf("platform admin's session: %+v, want the developer with device:create", a)
	}
	if st, raw := adminClient(t).Do(t, "DELETE", "/v1/admin/impersonations/"+ps.ID+"?orgId="+org, nil); st != http.StatusNoContent {
		t.Errorf("platform admin revoke: %d %s", st, raw)
	}
	r = dev.WithBearer(ps.Secret).DoRaw(t, "GET", "/v1/orgs/"+org+"/me", nil, nil)
	requireProblemResponse(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated)

	// Fewer rights than the target: an admin that may not change
	// resources (resourceReadonly) acts as the developer with only what
	// both hold: the developer's rights less resource changes.
	if st, raw := owner.Do(t, "PATCH", "/v1/orgs/"+org+"/members/"+admin.Sub, map[string]any{"resourceReadonly": true}); st != http.StatusOK {
		t.Fatalf("make the admin resource-read-only: %d %s", st, raw)
	}
	ro := imStart(t, admin, org, dev.Sub)
	roSess := dev.WithBearer(ro.Secret)
	a := imAccessOf(t, roSess, org)
	devPerms := imAccessOf(t, dev, org).Permissions
	for _, p := range a.Permissions {
		if !slices.Contains(devPerms, p) || strings.HasPrefix(p, "device:") && p != "device:read" {
			t.Errorf("the session holds %s, want only what both hold (%v)", p, a.Permissions)
		}
	}
	for _, p := range []string{"device:read", "members:read"} {
		if !slices.Contains(a.Permissions, p) {
			t.Errorf("session permissions %v, want %s, which both hold", a.Permissions, p)
		}
	}
	st, raw = roSess.Do(t, "POST", "/v1/orgs/"+org+"/resources", map[string]any{"type": "device", "id": "ro-1"})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	rsRegister(t, dev, org, "device", "dev-own") // the developer itself still may
	// Losing its standing ends the impersonator's sessions at once.
	if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+org+"/members/"+admin.Sub, nil); st != http.StatusNoContent {
		t.Fatalf("remove the admin: %d %s", st, raw)
	}
	r = roSess.DoRaw(t, "GET", "/v1/orgs/"+org+"/me", nil, nil)
	requireProblemResponse(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated)
}
