package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Helpers of the collection, lifecycle and embedded-view tests (issue 17)
// are prefixed with cl.

// clCollection is a collection as the API shows it.
type clCollection struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Grants      []struct {
		Principal string   `json:"principal"`
		Allow     []string `json:"allow"`
		Deny      []string `json:"deny"`
	} `json:"grants"`
}

// clCreate creates a collection and returns its id.
func clCreate(t testing.TB, by *Client, org, name string) string {
	t.Helper()
	var c clCollection
	if st := by.DoJSON(t, "POST", "/v1/orgs/"+org+"/collections", map[string]any{"name": name}, &c); st != http.StatusCreated || c.ID == "" {
		_, raw := by.Do(t, "GET", "/v1/orgs/"+org+"/collections", nil)
		t.Fatalf("create collection %s: %d %+v (%s)", name, st, c, raw)
	}
	return c.ID
}

// clFile adds a resource to a collection and fails the test unless it is.
func clFile(t testing.TB, by *Client, org, coll, typ, id string) {
	t.Helper()
	if st, raw := by.Do(t, "PUT", "/v1/orgs/"+org+"/collections/"+coll+"/resources/"+typ+"/"+id, nil); st != http.StatusOK {
		t.Fatalf("file %s/%s in %s: %d %s", typ, id, coll, st, raw)
	}
}

// clGrants sets a collection's grants and fails the test unless they are.
func clGrants(t testing.TB, by *Client, org, coll string, grants ...map[string]any) {
	t.Helper()
	if st, raw := by.Do(t, "PUT", "/v1/orgs/"+org+"/collections/"+coll+"/grants", map[string]any{"grants": grants}); st != http.StatusOK {
		t.Fatalf("grants of %s: %d %s", coll, st, raw)
	}
}

// clChecks asks the check API a batch about the caller itself and
// returns "true grant", "false denied"... per check.
func clChecks(t testing.TB, by *Client, org string, action string, ids ...string) []string {
	t.Helper()
	var checks []map[string]any
	for _, id := range ids {
		typ, rid, _ := strings.Cut(id, "/")
		checks = append(checks, map[string]any{"action": action, "resource": map[string]string{"type": typ, "id": rid}})
	}
	var res struct {
		Results []struct {
			Allowed bool   `json:"allowed"`
			Reason  string `json:"reason"`
		} `json:"results"`
	}
	if st := by.DoJSON(t, "POST", "/v1/orgs/"+org+"/authorize", map[string]any{"checks": checks}, &res); st != http.StatusOK {
		t.Fatalf("authorize: %d", st)
	}
	var out []string
	for _, r := range res.Results {
		out = append(out, map[bool]string{true: "true ", false: "false "}[r.Allowed]+r.Reason)
	}
	return out
}

// TestCollections walks collections end to end: who creates and files,
// grants on a collection reaching its resources in the listing and the
// check API, a deny on a collection beating an allow on the resource but
// never its owner, a collection of another org, rename, list, remove and
// delete.
func TestCollections(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	base := "/v1/orgs/" + org
	dev := mbMember(t, owner, org, "developer")
	viewer := mbMember(t, owner, org, "viewer")
	rsUnlimited(t, owner, org, dev.Sub)
	for _, id := range []string{"d1", "d2", "d3", "d4"} {
		rsRegister(t, dev, org, "device", id)
	}
	rsRegister(t, owner, org, "dashboard", "db1")

	// Owners and admins create collections; a developer may not; bad
	// input changes nothing.
	a := clCreate(t, owner, org, "Customer A")
	st, raw := dev.Do(t, "POST", base+"/collections", map[string]any{"name": "mine"})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonMissingPerm {
		t.Errorf("developer creating a collection: reason %q, want missing_permission", p.Reason)
	}
	st, raw = owner.Do(t, "POST", base+"/collections", map[string]any{"name": "  "})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)

	// Filing: the owner files any resource; the developer files its own
	// (share on it); the viewer lacks device:share (the authorizer
	// refuses); filing twice is a no-op.
	clFile(t, owner, org, a, "device", "d1")
	clFile(t, owner, org, a, "device", "d1")
	clFile(t, dev, org, a, "device", "d2")
	clFile(t, owner, org, a, "dashboard", "db1")
	r := viewer.DoRaw(t, "PUT", base+"/collections/"+a+"/resources/device/d3", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)

	// A collection of another org is not found here, whoever asks.
	other := newUser(t)
	otherOrg := mbOrg(t, other)
	foreign := clCreate(t, other, otherOrg, "Theirs")
	st, raw = owner.Do(t, "PUT", base+"/collections/"+foreign+"/resources/device/d1", nil)
	requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	st, raw = owner.Do(t, "GET", base+"/collections/"+foreign, nil)
	requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	st, raw = owner.Do(t, "PUT", base+"/collections/"+foreign+"/grants", map[string]any{"grants": []any{}})
	requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)

	// Before any grant the viewer sees nothing; a grant on the collection
	// reaches every resource in it.
	if got := rsList(t, viewer, org); len(got) != 0 {
		t.Fatalf("viewer sees %v before any grant", got)
	}
	// Only owners and admins set a collection's grants.
	st, raw = dev.Do(t, "PUT", base+"/collections/"+a+"/grants", map[string]any{"grants": []map[string]any{{"principal": "user:" + viewer.Sub, "allow": []string{"read"}}}})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	clGrants(t, owner, org, a, map[string]any{"principal": "user:" + viewer.Sub, "allow": []string{"read"}})
	if got, want := rsList(t, viewer, org), []string{"dashboard/db1", "device/d1", "device/d2"}; !slices.Equal(got, want) {
		t.Errorf("viewer sees %v through the collection, want %v", got, want)
	}
	// A principal that is not a member is refused (400), nothing changes.
	st, raw = owner.Do(t, "PUT", base+"/collections/"+a+"/grants", map[string]any{"grants": []map[string]any{{"principal": "user:nobody", "allow": []string{"read"}}}})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)

	// A deny on a collection beats an allow on the resource: d3 is granted
	// to the viewer directly and filed in a collection that denies the
	// group every member is in; its owner still reaches it (rule 4).
	if st, raw := rsGrants(t, dev, org, "device", "d3", map[string]any{"principal": "user:" + viewer.Sub, "allow": []string{"read"}}); st != http.StatusOK {
		t.Fatalf("grant d3: %d %s", st, raw)
	}
	blocked := clCreate(t, owner, org, "Blocked")
	clFile(t, owner, org, blocked, "device", "d3")
	clGrants(t, owner, org, blocked, map[string]any{"principal": "group:all", "deny": []string{"read", "update"}})
	if got, want := rsList(t, viewer, org), []string{"dashboard/db1", "device/d1", "device/d2"}; !slices.Equal(got, want) {
		t.Errorf("viewer sees %v with d3 denied by a collection, want %v", got, want)
	}
	if got, want := clChecks(t, viewer, org, "read", "device/d1", "device/d3", "device/d4"), []string{"true grant", "false denied", "false no_resource_access"}; !slices.Equal(got, want) {
		t.Errorf("viewer's checks = %v, want %v", got, want)
	}
	if got, want := clChecks(t, dev, org, "update", "device/d3"), []string{"true resource_owner"}; !slices.Equal(got, want) {
		t.Errorf("the owner of d3 under a collection deny: %v, want %v", got, want)
	}
	if st, raw := dev.Do(t, "PATCH", base+"/resources/device/d3", map[string]any{"name": "still mine"}); st != http.StatusOK {
		t.Errorf("the owner updates d3 under a collection deny: %d %s", st, raw)
	}
	// The org's owner answers for anyone (batch about another user).
	var res struct {
		Results []struct {
			Allowed bool   `json:"allowed"`
			Reason  string `json:"reason"`
		} `json:"results"`
	}
	checks := []map[string]any{
		{"userId": viewer.Sub, "action": "read", "resource": map[string]string{"type": "dashboard", "id": "db1"}},
		{"userId": viewer.Sub, "action": "update", "resource": map[string]string{"type": "device", "id": "d1"}},
	}
	if st := owner.DoJSON(t, "POST", base+"/authorize", map[string]any{"checks": checks}, &res); st != http.StatusOK || len(res.Results) != 2 ||
		!res.Results[0].Allowed || res.Results[1].Allowed {
		t.Errorf("owner's checks about the viewer: %d %+v, want read allowed and update refused", st, res)
	}

	// Read, rename, list; the collection's resources.
	var c clCollection
	if st := owner.DoJSON(t, "PATCH", base+"/collections/"+a, map[string]any{"name": "Customer A (north)"}, &c); st != http.StatusOK || c.Name != "Customer A (north)" {
		t.Errorf("rename: %d %+v", st, c)
	}
	if st := viewer.DoJSON(t, "GET", base+"/collections/"+a, nil, &c); st != http.StatusOK || c.Name != "Customer A (north)" || len(c.Grants) != 1 {
		t.Errorf("read: %d %+v", st, c)
	}
	var list struct {
		Items []clCollection `json:"items"`
	}
	if st := owner.DoJSON(t, "GET", base+"/collections", nil, &list); st != http.StatusOK || len(list.Items) != 2 {
		t.Errorf("list: %d %+v, want 2 collections", st, list)
	}
	var refs struct {
		Items []struct{ Type, ID string } `json:"items"`
	}
	if st := owner.DoJSON(t, "GET", base+"/collections/"+a+"/resources", nil, &refs); st != http.StatusOK || len(refs.Items) != 3 {
		t.Errorf("collection resources: %d %+v, want 3", st, refs)
	}
	var one rsResource
	var withColls struct {
		Collections []string `json:"collections"`
	}
	if st, raw := owner.Do(t, "GET", base+"/resources/device/d1", nil); st != http.StatusOK || json.Unmarshal(raw, &withColls) != nil || !slices.Equal(withColls.Collections, []string{a}) {
		t.Errorf("resource d1: %d %s, want it in %s", st, raw, a)
	}

	// Taking a resource out ends what the collection gave it.
	if st := owner.DoJSON(t, "DELETE", base+"/collections/"+a+"/resources/device/d1", nil, &one); st != http.StatusOK {
		t.Fatalf("remove d1: %d", st)
	}
	if got, want := rsList(t, viewer, org), []string{"dashboard/db1", "device/d2"}; !slices.Equal(got, want) {
		t.Errorf("viewer sees %v after d1 left the collection, want %v", got, want)
	}
	// Deleting a collection ends its deny too: the direct grant on d3
	// applies again.
	if st, raw := owner.Do(t, "DELETE", base+"/collections/"+blocked, nil); st != http.StatusNoContent {
		t.Fatalf("delete collection: %d %s", st, raw)
	}
	if got, want := rsList(t, viewer, org), []string{"dashboard/db1", "device/d2", "device/d3"}; !slices.Equal(got, want) {
		t.Errorf("viewer sees %v after the denying collection went, want %v", got, want)
	}
	st, raw = owner.Do(t, "GET", base+"/collections/"+blocked, nil)
	requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	// Unregistering a filed resource takes it out of its collections.
	if st, raw := dev.Do(t, "DELETE", base+"/resources/device/d2", nil); st != http.StatusNoContent {
		t.Fatalf("unregister d2: %d %s", st, raw)
	}
	if st := owner.DoJSON(t, "GET", base+"/collections/"+a+"/resources", nil, &refs); st != http.StatusOK || len(refs.Items) != 1 {
		t.Errorf("collection resources after unregistering d2: %d %+v, want db1 only", st, refs)
	}

	// Every change is audited.
	events := mbAudit(t, owner, org, "")
	seen := map[string]bool{}
	for _, e := range events {
		seen[e.Action] = true
	}
	for _, want := range []string{"collection.create", "collection.add", "collection.remove", "collection.grants", "collection.update", "collection.delete"} {
		if !seen[want] {
			t.Errorf("no %s event in the audit log", want)
		}
	}
}

// TestResourceLifecycle: an owner at resourceLimit 0 still renames and
// deletes its device (rule 10); metadata; transfers by owners and admins
// within the recipient's limit, refused to others; a non-owner deleting;
// removing a member with its resources transferred or deleted.
func TestResourceLifecycle(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	base := "/v1/orgs/" + org
	dev := mbMember(t, owner, org, "developer")
	dev2 := mbMember(t, owner, org, "developer")
	lxSetLimits(t, owner, org, dev.Sub, 0, 1)
	rsUnlimited(t, owner, org, dev2.Sub)
	rsRegister(t, dev, org, "device", "mine")
	lxSetLimits(t, owner, org, dev.Sub, 0, 0)

	// Rule 10: at resourceLimit 0 the owner still edits and removes.
	var v struct {
		Name     string            `json:"name"`
		OwnerID  string            `json:"ownerId"`
		Metadata map[string]string `json:"metadata"`
	}
	if st := dev.DoJSON(t, "PATCH", base+"/resources/device/mine", map[string]any{"name": "Boiler", "metadata": map[string]string{"site": "north"}}, &v); st != http.StatusOK || v.Name != "Boiler" || v.Metadata["site"] != "north" {
		t.Errorf("rename at resourceLimit 0: %d %+v", st, v)
	}
	st, raw := dev.Do(t, "PATCH", base+"/resources/device/mine", map[string]any{"metadata": map[string]string{"bad key": "x"}})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	st, raw = dev.Do(t, "PATCH", base+"/resources/device/mine", map[string]any{})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	// A non-owner with device:delete and read access may not delete it.
	if st, raw := rsGrants(t, dev, org, "device", "mine", map[string]any{"principal": "user:" + dev2.Sub, "allow": []string{"read"}}); st != http.StatusOK {
		t.Fatalf("grant: %d %s", st, raw)
	}
	st, raw = dev2.Do(t, "DELETE", base+"/resources/device/mine", nil)
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonNoAccess {
		t.Errorf("non-owner deleting: reason %q, want no_resource_access", p.Reason)
	}
	st, raw = dev2.Do(t, "PATCH", base+"/resources/device/mine", map[string]any{"name": "not mine"})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	if st, raw := dev.Do(t, "DELETE", base+"/resources/device/mine", nil); st != http.StatusNoContent {
		t.Errorf("the owner deletes its device at resourceLimit 0: %d %s", st, raw)
	}

	// Transfer: owners and admins only; within the recipient's limit.
	rsRegister(t, owner, org, "device", "gift")
	st, raw = owner.Do(t, "POST", base+"/resources/device/gift/transfer", map[string]any{"ownerId": dev.Sub})
	if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded); p.Limit != "resourceLimit" {
		t.Errorf("transfer past the recipient's limit: limit %q", p.Limit)
	}
	lxSetLimits(t, owner, org, dev.Sub, 0, 5)
	if st := owner.DoJSON(t, "POST", base+"/resources/device/gift/transfer", map[string]any{"ownerId": dev.Sub}, &v); st != http.StatusOK || v.OwnerID != dev.Sub {
		t.Fatalf("transfer: %d %+v", st, v)
	}
	if got := rsList(t, dev, org); !slices.Equal(got, []string{"device/gift"}) {
		t.Errorf("the recipient sees %v", got)
	}
	// A non-admin transferring, even its own device: owner_link.
	st, raw = dev.Do(t, "POST", base+"/resources/device/gift/transfer", map[string]any{"ownerId": dev2.Sub})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonOwnerLink {
		t.Errorf("non-admin transferring: reason %q, want owner_link", p.Reason)
	}
	st, raw = owner.Do(t, "POST", base+"/resources/device/gift/transfer", map[string]any{"ownerId": "nobody"})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	var m struct {
		ResourceCount int `json:"resourceCount"`
	}
	if st := owner.DoJSON(t, "GET", base+"/members/"+dev.Sub, nil, &m); st != http.StatusOK || m.ResourceCount != 1 {
		t.Errorf("the recipient's resourceCount: %d %+v, want 1", st, m)
	}

	// Removing a member: transfer its resources to the owner, or delete
	// them; a bad mode changes nothing.
	rsRegister(t, dev2, org, "device", "x1")
	rsRegister(t, dev2, org, "dashboard", "x2")
	st, raw = owner.Do(t, "DELETE", base+"/members/"+dev2.Sub+"?resources=give", nil)
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	st, raw = owner.Do(t, "DELETE", base+"/members/"+dev2.Sub+"?resources=transfer", nil)
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	if st, raw := owner.Do(t, "DELETE", base+"/members/"+dev2.Sub+"?resources=transfer&transferTo="+dev.Sub, nil); st != http.StatusNoContent {
		t.Fatalf("remove with transfer: %d %s", st, raw)
	}
	if got := rsList(t, dev, org); !slices.Equal(got, []string{"dashboard/x2", "device/gift", "device/x1"}) {
		t.Errorf("after the transfer the recipient sees %v", got)
	}
	dev3 := mbMember(t, owner, org, "developer")
	rsUnlimited(t, owner, org, dev3.Sub)
	rsRegister(t, dev3, org, "device", "y1")
	if st, raw := owner.Do(t, "DELETE", base+"/members/"+dev3.Sub+"?resources=delete", nil); st != http.StatusNoContent {
		t.Fatalf("remove with delete: %d %s", st, raw)
	}
	if got := rsList(t, owner, org); slices.Contains(got, "device/y1") {
		t.Errorf("y1 survives its owner's removal with resources=delete: %v", got)
	}
	var o struct {
		Usage struct {
			Resources map[string]int `json:"resources"`
		} `json:"usage"`
	}
	if st := owner.DoJSON(t, "GET", base, nil, &o); st != http.StatusOK || o.Usage.Resources["device"] != 2 {
		t.Errorf("device usage after the deletions: %d %+v, want 2 (gift, x1)", st, o.Usage)
	}
	// A manager removes the members it manages, but their resources stay
	// (rule 10: transferring or deleting is for owners and admins).
	mgr := mbMember(t, owner, org, "manager")
	lxSetLimits(t, owner, org, mgr.Sub, 5, 5)
	managed := mbMember(t, mgr, org, "viewer")
	st, raw = mgr.Do(t, "DELETE", base+"/members/"+managed.Sub+"?resources=delete", nil)
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonOwnerLink {
		t.Errorf("manager removing with resources=delete: reason %q, want owner_link", p.Reason)
	}
	if st, raw := mgr.Do(t, "DELETE", base+"/members/"+managed.Sub, nil); st != http.StatusNoContent {
		t.Errorf("manager removes its member (resources retained): %d %s", st, raw)
	}
}

// clToken creates an API token and returns its id and secret.
func clToken(t testing.TB, by *Client, org string, body map[string]any) (string, string) {
	t.Helper()
	var tok struct {
		ID           string `json:"id"`
		Secret       string `json:"secret"`
		CollectionID string `json:"collectionId"`
	}
	if st, raw := by.Do(t, "POST", "/v1/orgs/"+org+"/tokens", body); st != http.StatusCreated || json.Unmarshal(raw, &tok) != nil || tok.Secret == "" {
		t.Fatalf("create token %v: %d %s", body, st, raw)
	}
	return tok.ID, tok.Secret
}

// clURLList lists the resources with a token in the URL.
func clURLList(t testing.TB, org, secret string) []string {
	t.Helper()
	r := anonymous().DoRaw(t, "GET", "/v1/orgs/"+org+"/resources?token="+url.QueryEscape(secret), nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list with ?token=: %d %s", r.Status, r.Body)
	}
	var p struct {
		Items []rsResource `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range p.Items {
		out = append(out, x.Type+"/"+x.ID)
	}
	return out
}

// TestEmbeddedView is the Traccar recipe: an admin makes a member
// read-only and creates a read-only token for it; ?token= shows exactly
// what the member sees. A token narrowed to a collection sees only that
// collection's resources; tokens are listed, expire and are revoked like
// every token.
func TestEmbeddedView(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	base := "/v1/orgs/" + org
	viewer := mbMember(t, owner, org, "viewer")
	for _, id := range []string{"a1", "a2", "b1", "c1"} {
		rsRegister(t, owner, org, "device", id)
	}
	custA := clCreate(t, owner, org, "Customer A")
	clFile(t, owner, org, custA, "device", "a1")
	clFile(t, owner, org, custA, "device", "a2")
	clGrants(t, owner, org, custA, map[string]any{"principal": "user:" + viewer.Sub, "allow": []string{"read"}})
	if st, raw := rsGrants(t, owner, org, "device", "b1", map[string]any{"principal": "user:" + viewer.Sub, "allow": []string{"read"}}); st != http.StatusOK {
		t.Fatalf("grant b1: %d %s", st, raw)
	}

	// Not yet read-only: no token for it.
	st, raw := owner.Do(t, "POST", base+"/tokens", map[string]any{"name": "view", "userId": viewer.Sub, "readonly": true})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonNotReadonly {
		t.Errorf("token for a member that is not read-only: reason %q, want not_readonly", p.Reason)
	}
	if st, raw := owner.Do(t, "PATCH", base+"/members/"+viewer.Sub, map[string]any{"readonly": true}); st != http.StatusOK {
		t.Fatalf("make read-only: %d %s", st, raw)
	}
	// The token itself must be read-only.
	st, raw = owner.Do(t, "POST", base+"/tokens", map[string]any{"name": "view", "userId": viewer.Sub})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	// A member without tokens:manage makes none for others.
	r := viewer.DoRaw(t, "POST", base+"/tokens", []byte(`{"name":"x","userId":"`+owner.Sub+`","readonly":true}`), nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)

	// The member's view: exactly what it sees itself.
	tokID, secret := clToken(t, owner, org, map[string]any{"name": "view", "userId": viewer.Sub, "readonly": true})
	want := rsList(t, viewer, org)
	if !slices.Equal(want, []string{"device/a1", "device/a2", "device/b1"}) {
		t.Fatalf("the viewer sees %v", want)
	}
	if got := clURLList(t, org, secret); !slices.Equal(got, want) {
		t.Errorf("?token= shows %v, the member sees %v", got, want)
	}

	// A share link for one customer's devices: narrowed to a collection.
	collTokID, collSecret := clToken(t, owner, org, map[string]any{"name": "customer A", "userId": viewer.Sub, "readonly": true, "collectionId": custA})
	if got := clURLList(t, org, collSecret); !slices.Equal(got, []string{"device/a1", "device/a2"}) {
		t.Errorf("the collection token shows %v, want a1 and a2 only", got)
	}
	asToken := anonymous().WithBearer(collSecret)
	if got, want := clChecks(t, asToken, org, "read", "device/a1", "device/b1"), []string{"true grant", "false token_narrowing"}; !slices.Equal(got, want) {
		t.Errorf("the collection token's checks: %v, want %v", got, want)
	}
	r = anonymous().DoRaw(t, "GET", base+"/resources/device/b1?token="+url.QueryEscape(collSecret), nil, nil)
	requireProblemResponse(t, r, http.StatusNotFound, gatehouse.CodeNotFound)
	r = anonymous().DoRaw(t, "GET", base+"/collections?token="+url.QueryEscape(collSecret), nil, nil)
	if p := requireProblemResponse(t, r, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonTokenNarrowing {
		t.Errorf("collections with a collection token: reason %q, want token_narrowing", p.Reason)
	}
	r = anonymous().DoRaw(t, "GET", base+"/members?token="+url.QueryEscape(collSecret), nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	// A collection token needs read-only and resource reads only; a
	// collection of another org is not one of this org.
	st, raw = owner.Do(t, "POST", base+"/tokens", map[string]any{"name": "x", "collectionId": custA})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	st, raw = owner.Do(t, "POST", base+"/tokens", map[string]any{"name": "x", "readonly": true, "collectionId": custA, "permissions": []string{"members:read"}})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	other := newUser(t)
	otherOrg := mbOrg(t, other)
	foreign := clCreate(t, other, otherOrg, "Theirs")
	st, raw = owner.Do(t, "POST", base+"/tokens", map[string]any{"name": "x", "readonly": true, "collectionId": foreign})
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)

	// Listed (with its narrowing), revocable like every token.
	var toks struct {
		Items []struct {
			ID           string `json:"id"`
			UserID       string `json:"userId"`
			CollectionID string `json:"collectionId"`
		} `json:"items"`
	}
	if st := owner.DoJSON(t, "GET", base+"/tokens", nil, &toks); st != http.StatusOK {
		t.Fatalf("list tokens: %d", st)
	}
	found := false
	for _, x := range toks.Items {
		if x.ID == collTokID {
			found = x.UserID == viewer.Sub && x.CollectionID == custA
		}
	}
	if !found {
		t.Errorf("the collection token is not listed with its user and collection: %+v", toks.Items)
	}
	if st, raw := owner.Do(t, "DELETE", base+"/tokens/"+collTokID, nil); st != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", st, raw)
	}
	r = anonymous().DoRaw(t, "GET", base+"/resources?token="+url.QueryEscape(collSecret), nil, nil)
	requireProblemResponse(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated)
	// Deleting the collection ends what a token narrowed to it shows.
	_, collSecret2 := clToken(t, owner, org, map[string]any{"name": "customer A again", "userId": viewer.Sub, "readonly": true, "collectionId": custA})
	if st, raw := owner.Do(t, "DELETE", base+"/collections/"+custA, nil); st != http.StatusNoContent {
		t.Fatalf("delete collection: %d %s", st, raw)
	}
	if got := clURLList(t, org, collSecret2); len(got) != 0 {
		t.Errorf("a token narrowed to a deleted collection shows %v", got)
	}
	// The member's token follows the member: what it sees now (b1 only).
	if got := clURLList(t, org, secret); !slices.Equal(got, []string{"device/b1"}) {
		t.Errorf("?token= shows %v after the collection went, want b1", got)
	}
	// Revoked, the member's view ends at once.
	if st, raw := owner.Do(t, "DELETE", base+"/tokens/"+tokID, nil); st != http.StatusNoContent {
		t.Fatalf("revoke the member's token: %d %s", st, raw)
	}
	r = anonymous().DoRaw(t, "GET", base+"/resources?token="+url.QueryEscape(secret), nil, nil)
	requireProblemResponse(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated)
}
