package e2e

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// clRTExpected is the round-trip budget of the collection, lifecycle and
// embedded-view operations (issue 17; docs/performance.md), in the style
// of rtExpected: the authorizer included, exact counts, one
// TransactWriteItems per mutation. The check and listing rows show that a
// collection grant keeps their budgets: the collections' grants are one
// item of the snapshot's BatchGetItem, so a check costs the same whatever
// the number of collections its resource is in, and a member's listing
// reads one more stream per collection granted to it, not per collection
// a resource is in.
var clRTExpected = []rtCase{
	{"POST /v1/orgs/{orgId}/collections", rtCalls{"BatchGetItem": 2, "TransactWriteItems": 1}, true},
	{"PUT /v1/orgs/{orgId}/collections/{collectionId}/grants", rtCalls{"BatchGetItem": 3, "TransactWriteItems": 1}, true},
	{"PUT /v1/orgs/{orgId}/collections/{collectionId}/resources/{type}/{resourceId}", rtCalls{"BatchGetItem": 2, "TransactWriteItems": 1}, true},
	{"GET /v1/orgs/{orgId}/collections", rtCalls{"BatchGetItem": 2, "GetItem": 1, "Query": 1}, false},
	{"PATCH /v1/orgs/{orgId}/resources/{type}/{resourceId}", rtCalls{"BatchGetItem": 2, "TransactWriteItems": 1}, true},
	{"POST /v1/orgs/{orgId}/resources/{type}/{resourceId}/transfer", rtCalls{"BatchGetItem": 3, "TransactWriteItems": 1}, true},
	// The check API about a resource in 1 collection and in 10: the same.
	{"POST /v1/orgs/{orgId}/authorize (resource in 1 collection)", rtCalls{"BatchGetItem": 2}, false},
	{"POST /v1/orgs/{orgId}/authorize (resource in 10 collections)", rtCalls{"BatchGetItem": 2}, false},
	{"POST /v1/orgs/{orgId}/authorize (100 checks, resources in collections)", rtCalls{"BatchGetItem": 3}, false},
	// A member with a grant on one collection: the streams of
	// rtExpected's member listing plus the collection's.
	{"GET /v1/orgs/{orgId}/resources (a member with a collection grant)", rtCalls{"BatchGetItem": 3, "Query": 4}, false},
	// A token narrowed to a collection in the URL: the authorizer's secret
	// read, the snapshot (the token's item in it), one stream.
	{"GET /v1/orgs/{orgId}/resources?token= (narrowed to a collection)", rtCalls{"BatchGetItem": 3, "GetItem": 1, "Query": 1}, false},
	{"POST /v1/orgs/{orgId}/tokens (for a read-only member, narrowed to a collection)", rtCalls{"BatchGetItem": 1, "GetItem": 3, "TransactWriteItems": 1}, true},
	{"DELETE /v1/orgs/{orgId}/collections/{collectionId}", rtCalls{"BatchGetItem": 3, "Query": 1, "TransactWriteItems": 1}, true},
}

// TestCollectionRoundTrips counts the DynamoDB calls of the issue 17
// operations through the whole local stack and checks them against
// clRTExpected. Not parallel (the counter is the stack's).
func TestCollectionRoundTrips(t *testing.T) {
	calls := stack().DynamoDBCalls
	if calls == nil {
		t.Fatal("the local stack counts no DynamoDB calls (external DynamoDB?)")
	}
	owner := newUser(t)
	org := rtOrg(t, owner)
	base := "/v1/orgs/" + org
	member := mbMember(t, owner, org, "viewer")
	recipient := rtCreateMember(t, owner, base)
	rsUnlimited(t, owner, org, recipient)
	for i := range 3 {
		rsRegister(t, owner, org, "device", fmt.Sprintf("rt-%d", i))
	}
	// rt-0 in ten collections, rt-1 in one.
	var colls []string
	for i := range 10 {
		colls = append(colls, clCreate(t, owner, org, fmt.Sprintf("c%d", i)))
		clFile(t, owner, org, colls[i], "device", "rt-0")
	}
	clFile(t, owner, org, colls[0], "device", "rt-1")
	if st, raw := owner.Do(t, "PATCH", base+"/members/"+member.Sub, map[string]any{"readonly": true}); st != http.StatusOK {
		t.Fatalf("read-only: %d %s", st, raw)
	}

	got := map[string]rtCalls{}
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
	field := func(raw []byte, name string) string {
		t.Helper()
		i := strings.Index(string(raw), `"`+name+`":"`)
		if i < 0 {
			t.Fatalf("no %s in %s", name, raw)
		}
		rest := string(raw)[i+len(name)+4:]
		return rest[:strings.Index(rest, `"`)]
	}

	raw := do("POST /v1/orgs/{orgId}/collections", owner, http.StatusCreated, base+"/collections", map[string]any{"name": "rt"})
	coll := field(raw, "id")
	do("PUT /v1/orgs/{orgId}/collections/{collectionId}/grants", owner, http.StatusOK, base+"/collections/"+colls[0]+"/grants",
		map[string]any{"grants": []map[string]any{{"principal": "user:" + member.Sub, "allow": []string{"read"}}}})
	do("PUT /v1/orgs/{orgId}/collections/{collectionId}/resources/{type}/{resourceId}", owner, http.StatusOK, base+"/collections/"+coll+"/resources/device/rt-2", nil)
	do("GET /v1/orgs/{orgId}/collections", owner, http.StatusOK, base+"/collections", nil)
	do("PATCH /v1/orgs/{orgId}/resources/{type}/{resourceId}", owner, http.StatusOK, base+"/resources/device/rt-2", map[string]any{"name": "renamed"})
	do("POST /v1/orgs/{orgId}/resources/{type}/{resourceId}/transfer", owner, http.StatusOK, base+"/resources/device/rt-2/transfer", map[string]any{"ownerId": recipient})
	check := func(id string) map[string]any {
		return map[string]any{"userId": member.Sub, "action": "read", "resource": map[string]any{"type": "device", "id": id}}
	}
	do("POST /v1/orgs/{orgId}/authorize (resource in 1 collection)", owner, http.StatusOK, base+"/authorize", check("rt-1"))
	do("POST /v1/orgs/{orgId}/authorize (resource in 10 collections)", owner, http.StatusOK, base+"/authorize", check("rt-0"))
	checks := []map[string]any{check("rt-0"), check("rt-1")}
	for i := range 98 {
		checks = append(checks, check(fmt.Sprintf("rt-absent-%d", i)))
	}
	do("POST /v1/orgs/{orgId}/authorize (100 checks, resources in collections)", owner, http.StatusOK, base+"/authorize", map[string]any{"checks": checks})
	do("GET /v1/orgs/{orgId}/resources (a member with a collection grant)", member, http.StatusOK, base+"/resources", nil)
	raw = do("POST /v1/orgs/{orgId}/tokens (for a read-only member, narrowed to a collection)", owner, http.StatusCreated, base+"/tokens",
		map[string]any{"name": "share", "userId": member.Sub, "readonly": true, "collectionId": colls[0]})
	secret := field(raw, "secret")
	do("GET /v1/orgs/{orgId}/resources?token= (narrowed to a collection)", anonymous(), http.StatusOK, base+"/resources?token="+url.QueryEscape(secret), nil)
	do("DELETE /v1/orgs/{orgId}/collections/{collectionId}", owner, http.StatusNoContent, base+"/collections/"+coll, nil)

	table := rtCheck(t, clRTExpected, got)
	if !maps.Equal(got["POST /v1/orgs/{orgId}/authorize (resource in 1 collection)"], got["POST /v1/orgs/{orgId}/authorize (resource in 10 collections)"]) {
		t.Error("a check costs more when its resource is in more collections")
	}
	t.Logf("round trips per operation:\n%s", table)
}
