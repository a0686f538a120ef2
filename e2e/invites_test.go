package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
)

// mbInvite invites email into org and returns the answer.
func mbInvite(t testing.TB, by *Client, orgID, email string, roles ...string) invites.Sent {
	t.Helper()
	var out invites.Sent
	st, raw := by.Do(t, "POST", "/v1/orgs/"+orgID+"/invites", map[string]any{"email": email, "roles": roles, "message": "welcome"})
	if st != http.StatusCreated {
		t.Fatalf("invite %s: %d %s", email, st, raw)
	}
	if err := jsonUnmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func tokenOf(t testing.TB, link string) string {
	t.Helper()
	i := strings.Index(link, "token=")
	if i < 0 {
		t.Fatalf("no token in %q", link)
	}
	return strings.Fields(link[i+6:])[0]
}

// mbUnverified makes an account whose email is not verified, in the
// profile and in Cognito: minted with a password and emailVerified false by
// a platform admin, the one who may (rule 11; a confirmed sign-up and an
// activation from the mailbox both verify the address).
func mbUnverified(t testing.TB, email string) *Client {
	t.Helper()
	admin := adminClient(t)
	org := mbOrg(t, admin)
	if st, raw := admin.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{
		"email": email, "roles": []string{"viewer"}, "password": defaultPassword, "emailVerified": false}); st != http.StatusCreated {
		t.Fatalf("create unverified: %d %s", st, raw)
	}
	return signIn(t, email, defaultPassword)
}

func TestInvitesSameDomainIsEmailedAndAcceptedOnce(t *testing.T) {
	t.Parallel()
	owner := signUp(t, uniqueEmailAt(t, "acme.test"), defaultPassword)
	org := mbOrg(t, owner)
	email := uniqueEmailAt(t, "ACME.test")
	sent := mbInvite(t, owner, org, email, "developer")
	if sent.Delivery != invites.DeliveryEmail || sent.AcceptURL != "" || sent.Invite.Status != gatehouse.StatusPending {
		t.Fatalf("sent %+v: want emailed, no link returned", sent)
	}
	if !sent.Invite.ExpiresAt.After(time.Now().Add(6*24*time.Hour)) || sent.Invite.ExpiresAt.After(time.Now().Add(8*24*time.Hour)) {
		t.Errorf("default expiry %v, want 7 days", sent.Invite.ExpiresAt)
	}
	var mails []Email
	eventually(t, 5*time.Second, func() bool { mails = emailsTo(t, email); return len(mails) == 1 })
	if !strings.Contains(mails[0].Text, "welcome") {
		t.Errorf("email without the message: %s", mails[0].Text)
	}
	token := tokenOf(t, mails[0].Text)
	// The token is stored only hashed and never audited.
	for _, e := range mbAudit(t, owner, org, "") {
		if strings.Contains(e.Target+e.Action, token) {
			t.Fatal("token in audit")
		}
	}
	// A second pending invite for the same email is refused.
	st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/invites", map[string]any{"email": strings.ToUpper(email), "roles": []string{"viewer"}})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)

	invitee := signUp(t, email, defaultPassword)
	var m gatehouse.Membership
	if st := invitee.DoJSON(t, "POST", "/v1/invites/accept", map[string]any{"token": token}, &m); st != http.StatusOK || m.OrgID != org || m.Roles[0] != "developer" {
		t.Fatalf("accept: %d %+v", st, m)
	}
	if st, raw := invitee.Do(t, "GET", "/v1/orgs/"+org+"/members", nil); st != http.StatusOK {
		t.Fatalf("new member lists members: %d %s", st, raw)
	}
	// Single use.
	before := mbSnapshot(t, org)
	st, raw = invitee.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": token})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
	mbRequireUnchanged(t, org, before)
	var list apigw.Page[invites.View]
	if st := owner.DoJSON(t, "GET", "/v1/orgs/"+org+"/invites", nil, &list); st != http.StatusOK || len(list.Items) != 1 || list.Items[0].Status != gatehouse.StatusAccepted || list.Items[0].AcceptedBy != invitee.Sub {
		t.Fatalf("invites list: %d %+v", st, list)
	}
	evs := mbAudit(t, owner, org, "?actor="+invitee.Sub)
	if len(evs) != 1 || evs[0].Action != "invite.accept" {
		_, all := owner.Do(t, "GET", "/v1/orgs/"+org+"/audit", nil)
		t.Fatalf("accept audit %+v; invitee %s; whole log %s", evs, invitee.Sub, all)
	}
}

func TestInvitesOtherDomainReturnsTheLink(t *testing.T) {
	t.Parallel()
	owner := signUp(t, uniqueEmailAt(t, "acme.test"), defaultPassword)
	org := mbOrg(t, owner)
	email := uniqueEmailAt(t, "elsewhere.test")
	sent := mbInvite(t, owner, org, email, "viewer")
	if sent.Delivery != invites.DeliveryLink || !strings.Contains(sent.AcceptURL, "token=ghi_") {
		t.Fatalf("sent %+v: want the link returned", sent)
	}
	if n := len(emailsTo(t, email)); n != 0 {
		t.Fatalf("%d emails sent to another domain", n)
	}
}

func TestInvitesRefusals(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	admin := mbMember(t, owner, org, "admin")
	manager := mbMember(t, owner, org, "manager")
	email := mbOther(t)
	token := tokenOf(t, mbInvite(t, owner, org, email, "viewer").AcceptURL)

	t.Run("accept by a different email", func(t *testing.T) {
		other := newUser(t)
		before := mbSnapshot(t, org)
		st, raw := other.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": token})
		p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
		if p.Reason != gatehouse.ReasonEmailMismatch {
			t.Errorf("reason %q", p.Reason)
		}
		mbRequireUnchanged(t, org, before)
	})
	t.Run("accept with an unverified email", func(t *testing.T) {
		e := mbOther(t)
		tok := tokenOf(t, mbInvite(t, owner, org, e, "viewer").AcceptURL)
		u := mbUnverified(t, e)
		before := mbSnapshot(t, org)
		st, raw := u.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": tok})
		p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
		if p.Reason != gatehouse.ReasonEmailUnverified {
			t.Errorf("reason %q", p.Reason)
		}
		mbRequireUnchanged(t, org, before)
	})
	t.Run("escalation", func(t *testing.T) {
		for _, tc := range []struct {
			by   *Client
			role string
		}{{admin, "owner"}, {manager, "admin"}} {
			before := mbSnapshot(t, org)
			st, raw := tc.by.Do(t, "POST", "/v1/orgs/"+org+"/invites", map[string]any{"email": mbOther(t), "roles": []string{tc.role}})
			p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
			if p.Reason != gatehouse.ReasonEscalation {
				t.Errorf("reason %q", p.Reason)
			}
			mbRequireUnchanged(t, org, before)
		}
	})
	t.Run("malformed and unknown fields", func(t *testing.T) {
		for _, body := range []any{`{"email":`, map[string]any{"email": mbOther(t), "roles": []string{"viewer"}, "token": "x"}, map[string]any{"email": "not-an-email", "roles": []string{"viewer"}}} {
			before := mbSnapshot(t, org)
			st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/invites", body)
			requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
			mbRequireUnchanged(t, org, before)
		}
		st, raw := owner.Do(t, "POST", "/v1/invites/accept", `{"token": 1}`)
		requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	})
	t.Run("already a member", func(t *testing.T) {
		before := mbSnapshot(t, org)
		st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/invites", map[string]any{"email": admin.Email, "roles": []string{"viewer"}})
		requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
		mbRequireUnchanged(t, org, before)
	})
	t.Run("revoked", func(t *testing.T) {
		e := mbOther(t)
		sent := mbInvite(t, owner, org, e, "viewer")
		if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+org+"/invites/"+sent.Invite.ID, nil); st != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", st, raw)
		}
		u := signUp(t, e, defaultPassword)
		before := mbSnapshot(t, org)
		st, raw := u.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": tokenOf(t, sent.AcceptURL)})
		requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
		mbRequireUnchanged(t, org, before)
		// Revoked twice, resent after revoke: conflict.
		st, raw = owner.Do(t, "DELETE", "/v1/orgs/"+org+"/invites/"+sent.Invite.ID, nil)
		requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
		// A revoked invite does not block a new one.
		mbInvite(t, owner, org, e, "viewer")
	})
	t.Run("resend kills the old link", func(t *testing.T) {
		e := mbOther(t)
		sent := mbInvite(t, owner, org, e, "viewer")
		var again invites.Sent
		if st := owner.DoJSON(t, "POST", "/v1/orgs/"+org+"/invites/"+sent.Invite.ID+"/resend", nil, &again); st != http.StatusOK || again.AcceptURL == sent.AcceptURL {
			t.Fatalf("resend: %d %+v", st, again)
		}
		u := signUp(t, e, defaultPassword)
		st, raw := u.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": tokenOf(t, sent.AcceptURL)})
		requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
		if st, raw := u.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": tokenOf(t, again.AcceptURL)}); st != http.StatusOK {
			t.Fatalf("accept the new link: %d %s", st, raw)
		}
	})
	t.Run("unknown token", func(t *testing.T) {
		st, raw := owner.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": "ghi_nothing"})
		requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	})
	t.Run("manager acts only on its own invites", func(t *testing.T) {
		sent := mbInvite(t, owner, org, mbOther(t), "viewer")
		st, raw := manager.Do(t, "DELETE", "/v1/orgs/"+org+"/invites/"+sent.Invite.ID, nil)
		requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	})
}

// TestInvitesExpired uses the store's clock through a short expiry: an
// expired invite answers 403 expired, can be resent, and never blocks a new
// invite for the same email.
func TestInvitesExpired(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	email := mbOther(t)
	var sent invites.Sent
	st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/invites", map[string]any{"email": email, "roles": []string{"viewer"}, "expiresAt": time.Now().Add(1500 * time.Millisecond)})
	if st != http.StatusCreated {
		t.Fatalf("invite: %d %s", st, raw)
	}
	_ = jsonUnmarshal(raw, &sent)
	u := signUp(t, email, defaultPassword)
	time.Sleep(time.Until(sent.Invite.ExpiresAt) + 100*time.Millisecond)
	before := mbSnapshot(t, org)
	st, raw = u.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": tokenOf(t, sent.AcceptURL)})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeExpired)
	mbRequireUnchanged(t, org, before)
	// A new invite for the same email replaces it.
	fresh := mbInvite(t, owner, org, email, "viewer")
	if st, raw := u.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": tokenOf(t, fresh.AcceptURL)}); st != http.StatusOK {
		t.Fatalf("accept the replacement: %d %s", st, raw)
	}
	// The expired one can still be resent (here: it is for a member now).
	var again invites.Sent
	if st := owner.DoJSON(t, "POST", "/v1/orgs/"+org+"/invites/"+sent.Invite.ID+"/resend", nil, &again); st != http.StatusOK || again.Invite.Status != gatehouse.StatusPending {
		t.Fatalf("resend expired: %d %+v", st, again)
	}
}

func jsonUnmarshal(raw []byte, v any) error { return json.Unmarshal(raw, v) }

// mbOther is an address outside the inviters' domain: the accept link comes
// back in the answer instead of an email.
func mbOther(t testing.TB) string { return uniqueEmailAt(t, "elsewhere.test") }
