package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Helpers of the account administration tests are prefixed with aa.

func aaPlatformAudit(t testing.TB, c *Client, query string) ([]gatehouse.AuditEvent, string) {
	t.Helper()
	var page struct {
		Items      []gatehouse.AuditEvent `json:"items"`
		NextCursor string                 `json:"nextCursor"`
	}
	if st := c.DoJSON(t, "GET", "/v1/admin/audit"+query, nil, &page); st != http.StatusOK {
		t.Fatalf("platform audit: %d", st)
	}
	return page.Items, page.NextCursor
}

// TestAccountAdministration: the platform admin edits an account's
// profile, email and password (blank keeps it), and its changes are in
// the platform audit and the account's own view; nobody else may, bad
// input changes nothing, and an email another account holds is refused in
// the table and in Cognito alike.
func TestAccountAdministration(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	owner := newUser(t)
	org := mbOrg(t, owner)
	email := uniqueEmail(t)
	ada := mbCreate(t, owner, org, email, "viewer").Member.UserID
	base := "/v1/admin/users/" + ada

	// Not a platform admin: refused at the gate.
	r := owner.DoRaw(t, "PATCH", base+"/profile", []byte(`{"name":"Mallory"}`), nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonNotPlatformAdmin)
	r = owner.DoRaw(t, "GET", "/v1/admin/audit", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonNotPlatformAdmin)
	// Bad input changes nothing.
	for _, bad := range []map[string]any{{}, {"phone": "12"}, {"timeZone": "Nowhere/Else"}, {"email": "not-an-email"}, {"password": "short"}, {"name": "a\tb\x01"}} {
		st, raw := admin.Do(t, "PATCH", base+"/profile", bad)
		requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	}

	var u gatehouse.User
	if st := admin.DoJSON(t, "PATCH", base+"/profile", map[string]any{"name": "Ada L.", "phone": "+442071234567",
		"timeZone": "Europe/London", "language": "EN-gb", "password": ""}, &u); st != http.StatusOK {
		t.Fatalf("edit profile: %d", st)
	}
	if u.Name != "Ada L." || u.Phone != "+442071234567" || u.TimeZone != "Europe/London" || u.Language != "en-GB" {
		t.Errorf("after the edit %+v", u)
	}
	// A blank password kept the old one.
	signIn(t, email, defaultPassword)

	// A new password: the old one no longer signs in.
	if st, raw := admin.Do(t, "PATCH", base+"/profile", map[string]any{"password": "Another-pass-77"}); st != http.StatusOK {
		t.Fatalf("set password: %d %s", st, raw)
	}
	if _, err := trySignIn(email, defaultPassword); err == nil {
		t.Error("the old password still signs in")
	}
	signIn(t, email, "Another-pass-77")

	// A new email: the account signs in with it, the old one is free, and
	// another account cannot take the new one.
	newEmail := uniqueEmail(t)
	if st := admin.DoJSON(t, "PATCH", base+"/profile", map[string]any{"email": strings.ToUpper(newEmail[:1]) + newEmail[1:]}, &u); st != http.StatusOK ||
		!strings.EqualFold(u.Email, newEmail) || !u.EmailVerified {
		t.Fatalf("change email: %d %+v", st, u)
	}
	adaNow := signIn(t, newEmail, "Another-pass-77")
	if _, err := trySignIn(email, "Another-pass-77"); err == nil {
		t.Error("the old email still signs in")
	}
	var found struct {
		Items []gatehouse.User `json:"items"`
	}
	if st := admin.DoJSON(t, "GET", "/v1/admin/users?email="+newEmail, nil, &found); st != http.StatusOK || len(found.Items) != 1 || found.Items[0].ID != ada {
		t.Errorf("search by the new email: %d %+v", st, found)
	}
	other := newUser(t)
	st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+other.Sub+"/profile", map[string]any{"email": newEmail})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
	if _, err := trySignIn(other.Email, defaultPassword); err != nil {
		t.Errorf("the refused email change broke the other account's sign-in: %v", err)
	}

	// The platform audit holds the changes, filtered and paged as an org's.
	events, _ := aaPlatformAudit(t, admin, "?target="+ada+"&actor="+admin.Sub)
	if len(events) < 3 || events[0].Action != "account.update" || events[0].After["email"] == nil {
		t.Fatalf("platform audit of the account: %+v, want its three account.update events, the email change newest", events)
	}
	first, next := aaPlatformAudit(t, admin, "?target="+ada+"&limit=1")
	if len(first) != 1 || next == "" {
		t.Fatalf("first page of one: %d items, next %q", len(first), next)
	}
	second, _ := aaPlatformAudit(t, admin, "?target="+ada+"&limit=1&cursor="+next)
	if len(second) != 1 || second[0].ID == first[0].ID {
		t.Errorf("second page %+v after %+v", second, first)
	}
	// A cursor of an org's audit log is not one of the platform's.
	var orgPage struct {
		NextCursor string `json:"nextCursor"`
	}
	owner.DoJSON(t, "GET", "/v1/orgs/"+org+"/audit?limit=1", nil, &orgPage)
	st, raw = admin.Do(t, "GET", "/v1/admin/audit?cursor="+orgPage.NextCursor, nil)
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	// The account sees what was done to it in its own view.
	mine := imMyAudit(t, adaNow)
	if !slices.ContainsFunc(mine, func(e gatehouse.AuditEvent) bool { return e.Action == "account.update" && e.ActorID == admin.Sub }) {
		t.Errorf("own audit view %+v, want the platform admin's account.update", mine)
	}
}

// TestAccountActivationReissue: a pending account whose link expired or
// was lost gets a new one from the platform admin, which activates it; an
// active account gets none.
func TestAccountActivationReissue(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	owner := newUser(t)
	org := mbOrg(t, owner)
	email := uniqueEmail(t)
	var res struct {
		Member struct {
			UserID string `json:"userId"`
		} `json:"member"`
	}
	if st := owner.DoJSON(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{"email": email, "roles": []string{"viewer"}}, &res); st != http.StatusCreated {
		t.Fatalf("create pending member: %d", st)
	}
	r := owner.DoRaw(t, "POST", "/v1/admin/users/"+res.Member.UserID+"/activation", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonNotPlatformAdmin)
	var re struct {
		ActivationURL string `json:"activationUrl"`
	}
	if st := admin.DoJSON(t, "POST", "/v1/admin/users/"+res.Member.UserID+"/activation", nil, &re); st != http.StatusCreated || !strings.Contains(re.ActivationURL, "token=ghv_") {
		t.Fatalf("reissue: %d %+v", st, re)
	}
	token := re.ActivationURL[strings.Index(re.ActivationURL, "token=")+6:]
	if st, raw := anonymous().Do(t, "POST", "/v1/activate", map[string]any{"token": token, "password": defaultPassword}); st != http.StatusOK {
		t.Fatalf("activate with the new link: %d %s", st, raw)
	}
	signIn(t, email, defaultPassword)
	st, raw := admin.Do(t, "POST", "/v1/admin/users/"+res.Member.UserID+"/activation", nil)
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
	st, raw = admin.Do(t, "POST", "/v1/admin/users/nobody/activation", nil)
	requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	events, _ := aaPlatformAudit(t, admin, "?target="+res.Member.UserID)
	if !slices.ContainsFunc(events, func(e gatehouse.AuditEvent) bool {
		return e.Action == "account.activation_reissue" && e.ActorID == admin.Sub
	}) {
		t.Errorf("platform audit %+v, want account.activation_reissue by the platform admin", events)
	}
}

// TestAccountEmailChangeCognitoDown: when Cognito cannot take the new
// email, the table's change is undone: the account keeps its email in both
// places and the new one stays free. Cognito is down for this account's
// calls only.
func TestAccountEmailChangeCognitoDown(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	u := newUser(t)
	newEmail := uniqueEmail(t)
	withCognitoDown(t, []string{u.Sub, u.Email, newEmail}, func() {
		st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+u.Sub+"/profile", map[string]any{"email": newEmail})
		requireProblem(t, st, raw, http.StatusServiceUnavailable, gatehouse.CodeUnavailable)
	})
	var got gatehouse.User
	if st := admin.DoJSON(t, "GET", "/v1/admin/users/"+u.Sub, nil, &got); st != http.StatusOK || got.Email != u.Email {
		t.Errorf("after the failed change the account reads %d %+v, want its old email %s", st, got, u.Email)
	}
	signIn(t, u.Email, defaultPassword)
	// The new email is free again: the change succeeds once Cognito is back.
	if st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+u.Sub+"/profile", map[string]any{"email": newEmail}); st != http.StatusOK {
		t.Fatalf("change after recovery: %d %s", st, raw)
	}
	signIn(t, newEmail, defaultPassword)
}
