package e2e

import (
	"net/http"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Helpers of the profile-at-creation tests are prefixed with pc.

func pcMe(t testing.TB, c *Client) gatehouse.User {
	t.Helper()
	var u gatehouse.User
	if st := c.DoJSON(t, "GET", "/v1/me", nil, &u); st != http.StatusOK {
		t.Fatalf("me: %d", st)
	}
	return u
}

// TestProfileAtCreation: name, phone, time zone and language given when a
// member is created start its profile, validated as PATCH /v1/me
// validates them (bad input changes nothing); given in an invite, they
// fill on acceptance only what the account's own profile lacks.
func TestProfileAtCreation(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	before := mbSnapshot(t, org)
	for _, bad := range []map[string]any{
		{"phone": "600 123 456"},
		{"timeZone": "Mars/Olympus"},
		{"timeZone": "Local"},
		{"language": "not a tag!"},
		{"name": "Ada\u0000Lovelace"},
	} {
		body := map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}}
		for k, v := range bad {
			body[k] = v
		}
		st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/members", body)
		requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
		st, raw = owner.Do(t, "POST", "/v1/orgs/"+org+"/invites", body)
		requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	}
	mbRequireUnchanged(t, org, before)

	// Created with a profile: the account starts with it (the language
	// canonicalized), and the audit says so.
	email := uniqueEmail(t)
	if st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{
		"email": email, "roles": []string{"viewer"}, "name": "  Ada Lovelace ", "phone": "+34600123456",
		"timeZone": "Europe/Madrid", "language": "en-gb"}); st != http.StatusCreated {
		t.Fatalf("create with a profile: %d %s", st, raw)
	}
	activateFromMailbox(t, email)
	ada := signIn(t, email, defaultPassword)
	got := pcMe(t, ada)
	if got.Name != "Ada Lovelace" || got.Phone != "+34600123456" || got.TimeZone != "Europe/Madrid" || got.Language != "en-GB" {
		t.Errorf("profile after creation %+v, want Ada Lovelace, +34600123456, Europe/Madrid, en-GB", got)
	}

	// Invited with a profile, a new account gets it on acceptance.
	invitee := uniqueEmail(t)
	var sent struct {
		Invite struct {
			Profile *gatehouse.Profile `json:"profile"`
		} `json:"invite"`
	}
	if st := owner.DoJSON(t, "POST", "/v1/orgs/"+org+"/invites", map[string]any{"email": invitee, "roles": []string{"viewer"},
		"name": "Grace Hopper", "phone": "+15550100", "timeZone": "America/New_York", "language": "en-US"}, &sent); st != http.StatusCreated ||
		sent.Invite.Profile == nil || sent.Invite.Profile.TimeZone != "America/New_York" {
		t.Fatalf("invite with a profile: %d %+v", st, sent)
	}
	grace := signUp(t, invitee, defaultPassword)
	acceptFromMailbox(t, grace)
	if got := pcMe(t, grace); got.Name != "Grace Hopper" || got.Phone != "+15550100" || got.TimeZone != "America/New_York" || got.Language != "en-US" {
		t.Errorf("profile after accepting %+v, want the invite's", got)
	}

	// An existing account keeps what it set itself; the invite fills the rest.
	kept := newUser(t)
	if st, raw := kept.Do(t, "PATCH", "/v1/me", map[string]any{"timeZone": "Asia/Tokyo"}); st != http.StatusOK {
		t.Fatalf("own profile: %d %s", st, raw)
	}
	// Created as a member, an existing account is invited instead (rule 11).
	if st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{"email": kept.Email, "roles": []string{"viewer"},
		"timeZone": "Europe/Paris", "language": "fr"}); st != http.StatusCreated {
		t.Fatalf("create for an existing account: %d %s", st, raw)
	}
	acceptFromMailbox(t, kept)
	if got := pcMe(t, kept); got.TimeZone != "Asia/Tokyo" || got.Language != "fr" {
		t.Errorf("existing account after accepting %+v, want its own time zone kept and the invite's language", got)
	}
}
