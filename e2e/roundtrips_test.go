package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// rtCalls is the DynamoDB calls one API request costs, by operation,
// authorizer included (it reads the account, org and membership in one
// BatchGetItem: the local stack runs with the membership cache off).
type rtCalls map[string]int

// rtCase is one operation's round-trip budget.
type rtCase struct {
	name string
	want rtCalls
	// mutation: exactly one TransactWriteItems.
	mutation bool
}

// rtCheck compares the calls measured per operation with the budgets and
// returns the table docs/performance.md shows: exact counts, no Scan on a
// request path, one TransactWriteItems per mutation.
func rtCheck(t *testing.T, expected []rtCase, got map[string]rtCalls) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintln(&b, "| operation | DynamoDB calls (authorizer included) | total |")
	fmt.Fprintln(&b, "|---|---|---|")
	for _, e := range expected {
		g := got[e.name]
		if g == nil {
			t.Errorf("%s: not measured", e.name)
			continue
		}
		n := 0
		for _, v := range g {
			n += v
		}
		fmt.Fprintf(&b, "| `%s` | %s | %d |\n", e.name, g, n)
		if g["Scan"] > 0 {
			t.Errorf("%s: %d Scan calls; no scans on a request path", e.name, g["Scan"])
		}
		if e.mutation && g["TransactWriteItems"] != 1 {
			t.Errorf("%s: %d TransactWriteItems, want exactly one per mutation", e.name, g["TransactWriteItems"])
		}
		if !maps.Equal(g, e.want) {
			t.Errorf("%s: calls %s, want %s", e.name, g, e.want)
		}
	}
	if len(got) != len(expected) {
		t.Errorf("measured %d operations, the table names %d", len(got), len(expected))
	}
	return b.String()
}

func (c rtCalls) String() string {
	if len(c) == 0 {
		return "none"
	}
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, fmt.Sprintf("%s %d", op, c[op]))
	}
	return strings.Join(parts, ", ")
}

// rtExpected is the round-trip budget of each main API operation
// (docs/performance.md): each mutation is exactly one TransactWriteItems
// (the change, its counters and its audit event) plus the reads it needs;
// no Scan anywhere. docs/performance.md shows the same table; a change in
// either direction fails here, so an improvement updates both.
var rtExpected = []rtCase{
	{"GET /v1/me", rtCalls{"BatchGetItem": 2, "GetItem": 1, "Query": 1}, false},
	{"PATCH /v1/me", rtCalls{"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}, true},
	{"POST /v1/orgs", rtCalls{"BatchGetItem": 1, "GetItem": 2, "TransactWriteItems": 1}, true},
	{"GET /v1/orgs/{orgId}", rtCalls{"BatchGetItem": 1, "GetItem": 1}, false},
	{"PATCH /v1/orgs/{orgId}", rtCalls{"BatchGetItem": 1, "GetItem": 2, "TransactWriteItems": 1}, true},
	{"GET /v1/orgs/{orgId}/members", rtCalls{"BatchGetItem": 2, "Query": 1}, false},
	{"POST /v1/orgs/{orgId}/members", rtCalls{"BatchGetItem": 1, "GetItem": 2, "PutItem": 1, "TransactWriteItems": 1}, true}, // PutItem: the intent (docs/reliability.md)
	{"GET /v1/orgs/{orgId}/members/{userId}", rtCalls{"BatchGetItem": 2, "GetItem": 1}, false},
	{"PUT /v1/orgs/{orgId}/members/{userId}/roles", rtCalls{"BatchGetItem": 2, "GetItem": 3, "TransactWriteItems": 1}, true},
	{"PATCH /v1/orgs/{orgId}/members/{userId}", rtCalls{"BatchGetItem": 2, "GetItem": 3, "TransactWriteItems": 1}, true},
	{"PUT /v1/orgs/{orgId}/members/{userId}/limits", rtCalls{"BatchGetItem": 2, "GetItem": 3, "TransactWriteItems": 1}, true},
	{"POST /v1/orgs/{orgId}/invites", rtCalls{"BatchGetItem": 1, "GetItem": 2, "TransactWriteItems": 1}, true},
	{"POST /v1/invites/accept", rtCalls{"BatchGetItem": 2, "GetItem": 5, "TransactWriteItems": 1}, true}, // the inviter is checked again (rule 6)
	{"POST /v1/orgs/{orgId}/roles", rtCalls{"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}, true},
	{"POST /v1/orgs/{orgId}/groups", rtCalls{"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}, true},
	{"POST /v1/orgs/{orgId}/resources", rtCalls{"BatchGetItem": 2, "TransactWriteItems": 1}, true},
	{"PUT /v1/orgs/{orgId}/resources/{type}/{resourceId}/grants", rtCalls{"BatchGetItem": 2, "TransactWriteItems": 1}, true},
	{"GET /v1/orgs/{orgId}/resources", rtCalls{"BatchGetItem": 2, "Query": 1}, false},
	{"POST /v1/orgs/{orgId}/authorize", rtCalls{"BatchGetItem": 2}, false},
	// The check batch: the authorizer's read, then the snapshot's 104
	// keys in two BatchGetItem calls made in parallel (docs/performance.md:
	// at most 2 for 100 checks).
	{"POST /v1/orgs/{orgId}/authorize (100 checks)", rtCalls{"BatchGetItem": 3}, false},
	// What a member sees: the authorizer, the snapshot, one query per
	// stream (owned, granted to the user, to the all group) and one
	// BatchGetItem for the resources the grants name.
	{"GET /v1/orgs/{orgId}/resources (a member with a grant)", rtCalls{"BatchGetItem": 3, "Query": 3}, false},
	{"POST /v1/orgs/{orgId}/tokens", rtCalls{"BatchGetItem": 1, "TransactWriteItems": 1}, true},
	{"DELETE /v1/orgs/{orgId}/tokens/{tokenId}", rtCalls{"BatchGetItem": 1, "GetItem": 2, "TransactWriteItems": 1}, true},
	{"DELETE /v1/orgs/{orgId}/resources/{type}/{resourceId}", rtCalls{"BatchGetItem": 3, "TransactWriteItems": 1}, true},
	// Rule 6: the member's active API tokens and pending invites are found
	// (two queries, run concurrently) and revoked in the removal's
	// transaction (docs/security-store.md).
	{"DELETE /v1/orgs/{orgId}/members/{userId}", rtCalls{"BatchGetItem": 1, "GetItem": 3, "Query": 3, "TransactWriteItems": 1}, true},
	{"GET /v1/orgs/{orgId}/audit", rtCalls{"BatchGetItem": 1, "Query": 1}, false},
}

// TestRoundTrips counts the DynamoDB calls of each main API operation
// through the whole local stack (gateway, authorizer, function) and checks
// them against rtExpected. Not parallel: the counter is the stack's, so
// nothing else may run meanwhile (Go runs the non-parallel top-level tests
// alone, before the parallel ones resume).
func TestRoundTrips(t *testing.T) {
	calls := stack().DynamoDBCalls
	if calls == nil {
		t.Fatal("the local stack counts no DynamoDB calls (external DynamoDB?)")
	}
	owner := newUser(t)
	invitee := newUser(t)
	base := "/v1/orgs/" + rtOrg(t, owner)
	member := rtCreateMember(t, owner, base)

	got := map[string]rtCalls{}
	// do runs one request, checks its status and records its calls.
	do := func(op string, c *Client, wantStatus int, path string, body any) []byte {
		t.Helper()
		method, _, _ := strings.Cut(op, " ")
		calls.Reset()
		st, raw := c.Do(t, method, path, body)
		got[op] = calls.Counts()
		if st != wantStatus {
			t.Fatalf("%s: status %d, want %d; body %s", op, st, wantStatus, raw)
		}
		return raw
	}
	field := func(raw []byte, path ...string) string {
		t.Helper()
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		for _, p := range path {
			m, _ := v.(map[string]any)
			v = m[p]
		}
		s, _ := v.(string)
		if s == "" {
			t.Fatalf("no %s in %s", strings.Join(path, "."), raw)
		}
		return s
	}

	do("GET /v1/me", owner, http.StatusOK, "/v1/me", nil)
	do("PATCH /v1/me", owner, http.StatusOK, "/v1/me", map[string]any{"name": "Round Trips"})
	do("POST /v1/orgs", owner, http.StatusCreated, "/v1/orgs", map[string]any{"name": "another org"})
	do("GET /v1/orgs/{orgId}", owner, http.StatusOK, base, nil)
	do("PATCH /v1/orgs/{orgId}", owner, http.StatusOK, base, map[string]any{"name": "renamed"})
	do("GET /v1/orgs/{orgId}/members", owner, http.StatusOK, base+"/members", nil)
	raw := do("POST /v1/orgs/{orgId}/members", owner, http.StatusCreated, base+"/members", map[string]any{
		"email": uniqueEmail(t), "name": "Created", "roles": []string{"viewer"},
	})
	created := field(raw, "member", "userId")
	do("GET /v1/orgs/{orgId}/members/{userId}", owner, http.StatusOK, base+"/members/"+member, nil)
	do("PUT /v1/orgs/{orgId}/members/{userId}/roles", owner, http.StatusOK, base+"/members/"+member+"/roles", map[string]any{"roles": []string{"developer"}})
	do("PATCH /v1/orgs/{orgId}/members/{userId}", owner, http.StatusOK, base+"/members/"+member, map[string]any{"resourceReadonly": true})
	do("PUT /v1/orgs/{orgId}/members/{userId}/limits", owner, http.StatusOK, base+"/members/"+member+"/limits", map[string]any{"userLimit": 0, "resourceLimit": 5})
	raw = do("POST /v1/orgs/{orgId}/invites", owner, http.StatusCreated, base+"/invites", map[string]any{"email": invitee.Email, "roles": []string{"viewer"}})
	token := rtInviteToken(t, raw, invitee.Email)
	do("POST /v1/invites/accept", invitee, http.StatusOK, "/v1/invites/accept", map[string]any{"token": token})
	do("POST /v1/orgs/{orgId}/roles", owner, http.StatusCreated, base+"/roles", map[string]any{"name": "Auditor", "permissions": []string{"audit:read"}})
	do("POST /v1/orgs/{orgId}/groups", owner, http.StatusCreated, base+"/groups", map[string]any{"name": "Installers"})
	do("POST /v1/orgs/{orgId}/resources", owner, http.StatusCreated, base+"/resources", map[string]any{"type": "device", "id": "rt-1"})
	do("PUT /v1/orgs/{orgId}/resources/{type}/{resourceId}/grants", owner, http.StatusOK, base+"/resources/device/rt-1/grants",
		map[string]any{"grants": []map[string]any{{"principal": "user:" + member, "allow": []string{"read"}}, {"principal": "user:" + invitee.Sub, "allow": []string{"read"}}}})
	do("GET /v1/orgs/{orgId}/resources", owner, http.StatusOK, base+"/resources", nil)
	do("POST /v1/orgs/{orgId}/authorize", owner, http.StatusOK, base+"/authorize",
		map[string]any{"userId": member, "action": "read", "resource": map[string]any{"type": "device", "id": "rt-1"}})
	checks := []map[string]any{{"action": "read", "resource": map[string]any{"type": "device", "id": "rt-1"}}}
	for i := range 99 {
		checks = append(checks, map[string]any{"action": "update", "resource": map[string]any{"type": "device", "id": fmt.Sprintf("rt-absent-%d", i)}})
	}
	do("POST /v1/orgs/{orgId}/authorize (100 checks)", owner, http.StatusOK, base+"/authorize", map[string]any{"checks": checks})
	do("GET /v1/orgs/{orgId}/resources (a member with a grant)", invitee, http.StatusOK, base+"/resources", nil)
	raw = do("POST /v1/orgs/{orgId}/tokens", owner, http.StatusCreated, base+"/tokens", map[string]any{"name": "rt"})
	do("DELETE /v1/orgs/{orgId}/tokens/{tokenId}", owner, http.StatusNoContent, base+"/tokens/"+field(raw, "id"), nil)
	do("DELETE /v1/orgs/{orgId}/resources/{type}/{resourceId}", owner, http.StatusNoContent, base+"/resources/device/rt-1", nil)
	do("DELETE /v1/orgs/{orgId}/members/{userId}", owner, http.StatusNoContent, base+"/members/"+created, nil)
	do("GET /v1/orgs/{orgId}/audit", owner, http.StatusOK, base+"/audit", nil)

	// The table docs/performance.md shows, in the test log.
	t.Logf("round trips per operation:\n%s", rtCheck(t, rtExpected, got))
}

// rtOrg creates an org owned by owner and returns its id.
func rtOrg(t *testing.T, owner *Client) string {
	t.Helper()
	var o struct {
		ID string `json:"id"`
	}
	if st := owner.DoJSON(t, "POST", "/v1/orgs", map[string]any{"name": "round trips"}, &o); st != http.StatusCreated || o.ID == "" {
		t.Fatalf("create org: %d %+v", st, o)
	}
	return o.ID
}

// rtCreateMember creates a viewer directly and returns its user id.
func rtCreateMember(t *testing.T, owner *Client, base string) string {
	t.Helper()
	var res struct {
		Member struct {
			UserID string `json:"userId"`
		} `json:"member"`
	}
	body := map[string]any{"email": uniqueEmail(t), "name": "Member", "roles": []string{"viewer"}}
	if st := owner.DoJSON(t, "POST", base+"/members", body, &res); st != http.StatusCreated || res.Member.UserID == "" {
		t.Fatalf("create member: %d %+v", st, res)
	}
	return res.Member.UserID
}

// rtInviteToken finds the accept token: in the answer when the link is
// returned to the inviter, else in the email the local outbox holds.
func rtInviteToken(t *testing.T, raw []byte, email string) string {
	t.Helper()
	var sent struct {
		AcceptURL string `json:"acceptUrl"`
	}
	if err := json.Unmarshal(raw, &sent); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	text := sent.AcceptURL
	if text == "" {
		var mails []Email
		eventually(t, 5*time.Second, func() bool { mails = emailsTo(t, email); return len(mails) > 0 })
		text = mails[0].Text
	}
	i := strings.Index(text, "token=")
	if i < 0 {
		t.Fatalf("no token in %q", text)
	}
	return strings.Fields(text[i+len("token="):])[0]
}
