package e2e

import (
	"net/http"
	"testing"
)

// TestRoundTripsIssue17: each mutation of issue 17's items 1, 5 and 7 is
// exactly one TransactWriteItems (the change and its audit event, with the
// target's own audit copy), no Scan, and a request made through an
// impersonation session costs one GetItem (the session) and two auth
// context reads beside what the route needs. Not parallel: the counter is
// the stack's.
func TestRoundTripsIssue17(t *testing.T) {
	calls := stack().DynamoDBCalls
	if calls == nil {
		t.Fatal("the local stack counts no DynamoDB calls (external DynamoDB?)")
	}
	owner := newUser(t)
	org := mbOrg(t, owner)
	dev := mbMember(t, owner, org, "developer")
	admin := adminClient(t)
	var g struct {
		ID string `json:"id"`
	}
	if st := owner.DoJSON(t, "POST", "/v1/orgs/"+org+"/groups", map[string]any{"name": "G"}, &g); st != http.StatusCreated {
		t.Fatalf("create group: %d", st)
	}
	var sess imStarted
	steps := []struct {
		name   string
		c      func() *Client
		method string
		path   func() string
		body   any
		out    any
		status int
		writes int
	}{
		{"PATCH group", func() *Client { return owner }, "PATCH", func() string { return "/v1/orgs/" + org + "/groups/" + g.ID }, map[string]any{"name": "H"}, nil, http.StatusOK, 1},
		{"GET group members", func() *Client { return owner }, "GET", func() string { return "/v1/orgs/" + org + "/groups/" + g.ID + "/members" }, nil, nil, http.StatusOK, 0},
		{"POST impersonation", func() *Client { return owner }, "POST", func() string { return "/v1/orgs/" + org + "/impersonations" }, map[string]any{"userId": dev.Sub}, &sess, http.StatusCreated, 1},
		{"a change through the session", func() *Client { return dev.WithBearer(sess.Secret) }, "PATCH", func() string { return "/v1/orgs/" + org + "/groups/" + g.ID }, map[string]any{"name": "I"}, nil, http.StatusForbidden, 0},
		{"DELETE impersonation", func() *Client { return owner }, "DELETE", func() string { return "/v1/orgs/" + org + "/impersonations/" + sess.ID }, nil, nil, http.StatusNoContent, 1},
		{"PATCH account profile", func() *Client { return admin }, "PATCH", func() string { return "/v1/admin/users/" + dev.Sub + "/profile" }, map[string]any{"name": "D", "timeZone": "UTC"}, nil, http.StatusOK, 1},
		{"GET platform audit", func() *Client { return admin }, "GET", func() string { return "/v1/admin/audit?target=" + dev.Sub }, nil, nil, http.StatusOK, 0},
		{"GET my audit", func() *Client { return dev }, "GET", func() string { return "/v1/me/audit" }, nil, nil, http.StatusOK, 0},
	}
	for _, s := range steps {
		calls.Reset()
		var st int
		if s.out != nil {
			st = s.c().DoJSON(t, s.method, s.path(), s.body, s.out)
		} else {
			st, _ = s.c().Do(t, s.method, s.path(), s.body)
		}
		got := rtCalls(calls.Counts())
		if st != s.status {
			t.Fatalf("%s: status %d, want %d", s.name, st, s.status)
		}
		if got["TransactWriteItems"] != s.writes || got["Scan"] != 0 {
			t.Errorf("%s: %v, want %d TransactWriteItems and no Scan", s.name, got, s.writes)
		}
		if s.name == "a change through the session" && (got["GetItem"] != 1 || got["BatchGetItem"] != 2) {
			t.Errorf("%s: %v, want the session's GetItem and two auth context reads", s.name, got)
		}
		t.Logf("%s: %v", s.name, got)
	}
}
