package e2e

// SCIM 2.0 (docs/scim.md) through the local stack, in the request shapes
// Okta and Microsoft Entra ID send (from their public SCIM guides): a full
// provisioning session each, and the refusals. Every request and answer is
// checked against the OpenAPI document like the harness's, and each
// answer for SCIM's media type.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/scim"
)

// scimIdP calls an org's SCIM service provider with a SCIM token.
type scimIdP struct {
	org, token string
}

// do sends a SCIM request and returns the status and body; every answer
// but 204 must be application/scim+json.
func (p scimIdP) do(t testing.TB, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				t.Fatal(err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, stack().Info.APIURL+"/v1/orgs/"+p.org+"/scim/v2"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Accept", scim.MediaType)
	if body != nil {
		req.Header.Set("Content-Type", scim.MediaType)
	}
	var sent []byte
	if b, ok := rd.(*bytes.Reader); ok {
		sent = make([]byte, b.Len())
		_, _ = b.Read(sent)
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	ex := checkRequest(t, req, sent)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	ex.checkResponse(t, resp.StatusCode, resp.Header, raw)
	if resp.StatusCode != http.StatusNoContent && !strings.HasPrefix(resp.Header.Get("Content-Type"), scim.MediaType) {
		t.Errorf("%s %s: Content-Type %q, want %s (status %d, %s)", method, path, resp.Header.Get("Content-Type"), scim.MediaType, resp.StatusCode, raw)
	}
	return resp.StatusCode, raw
}

// json sends and decodes a 2xx answer into out, failing on another status.
func (p scimIdP) json(t testing.TB, method, path string, body any, want int, out any) {
	t.Helper()
	st, raw := p.do(t, method, path, body)
	if st != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, st, raw, want)
	}
	if out != nil {
		reflect.ValueOf(out).Elem().SetZero() // fields the answer leaves out are not kept from before
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// requireScimError checks a SCIM error: status, schema and scimType.
func requireScimError(t testing.TB, status int, raw []byte, wantStatus int, wantType string) {
	t.Helper()
	var e scim.Error
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("not a SCIM error: %s", raw)
	}
	if status != wantStatus || e.Status != strconv.Itoa(wantStatus) || len(e.Schemas) != 1 || e.Schemas[0] != scim.SchemaError || e.ScimType != wantType {
		t.Fatalf("got %d %s, want %d with a SCIM error of scimType %q", status, raw, wantStatus, wantType)
	}
}

// scimToken makes a SCIM token for an org as its owner.
func scimToken(t testing.TB, owner *Client, org string) (id, secret string) {
	t.Helper()
	var out struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	if st := owner.DoJSON(t, "POST", "/v1/orgs/"+org+"/scim/tokens", map[string]any{"name": "idp", "memberRoles": []string{"viewer"}}, &out); st != http.StatusCreated || !strings.HasPrefix(out.Secret, "ghs_") {
		t.Fatalf("create SCIM token: %d %+v", st, out)
	}
	return out.ID, out.Secret
}

// verifyDomain marks a domain verified for an org, as the verified-domains
// feature does once the proof is checked (rule 11).
func verifyDomain(t testing.TB, org, domain string) {
	t.Helper()
	db := dynamotest.NewClient(stack().Info.DynamoDBEndpoint, nil)
	_, err := db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(stack().Info.Table),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "ORG#" + org},
			"SK": &types.AttributeValueMemberS{Value: "META"}},
		UpdateExpression:          aws.String("SET verifiedDomains = :d"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: domain}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

type scimList struct {
	Schemas      []string          `json:"schemas"`
	TotalResults int               `json:"totalResults"`
	StartIndex   int               `json:"startIndex"`
	ItemsPerPage int               `json:"itemsPerPage"`
	Resources    []json.RawMessage `json:"Resources"`
}

func filterEq(attr, v string) string {
	return "?filter=" + url.QueryEscape(attr+` eq "`+v+`"`)
}

// TestScimOktaSession runs a provisioning session as Okta sends it: the
// connection test, the lookup before a create, creating a user under a
// verified domain (an account) and one outside (an invite), PUT, PATCH
// with active false in Okta's form (the membership is disabled, the
// account is not), group push with PATCH add and remove, and deletes.
func TestScimOktaSession(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	domain := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + ".example"
	verifyDomain(t, org, domain)
	_, secret := scimToken(t, owner, org)
	okta := scimIdP{org: org, token: secret}

	// Test connection: GET /Users?startIndex=1&count=2.
	var l scimList
	okta.json(t, "GET", "/Users?startIndex=1&count=2", nil, http.StatusOK, &l)
	if l.Schemas[0] != scim.SchemaListResponse || l.TotalResults != 1 || len(l.Resources) != 1 || l.StartIndex != 1 {
		t.Fatalf("connection test list = %+v, want the owner alone in a ListResponse", l)
	}
	okta.json(t, "GET", "/ServiceProviderConfig", nil, http.StatusOK, nil)

	// Lookup before create: none.
	email := "dana@" + domain
	okta.json(t, "GET", "/Users"+filterEq("userName", email)+"&startIndex=1&count=100", nil, http.StatusOK, &l)
	if l.TotalResults != 0 || len(l.Resources) != 0 {
		t.Fatalf("lookup of a new user = %+v, want no result", l)
	}
	create := map[string]any{
		"schemas": []string{scim.SchemaUser}, "userName": email,
		"name":        map[string]any{"givenName": "Dana", "familyName": "Scully"},
		"emails":      []any{map[string]any{"primary": true, "value": email, "type": "work"}},
		"displayName": "Dana Scully", "locale": "en-US", "externalId": "00u1", "groups": []any{},
		"password": "Secret-pass-42", "active": true,
	}
	var u scim.User
	okta.json(t, "POST", "/Users", create, http.StatusCreated, &u)
	if u.Gatehouse == nil || u.Gatehouse.State != "member" || !u.Active || u.UserName != email || len(u.Roles) != 1 || u.Roles[0].Value != "viewer" {
		t.Fatalf("created user = %+v, want an active member with the token's default role (verified domain: an account)", u)
	}
	// Creating it again: 409 uniqueness.
	st, raw := okta.do(t, "POST", "/Users", create)
	requireScimError(t, st, raw, http.StatusConflict, scim.TypeUniqueness)
	// The lookup finds it now, case-insensitively.
	okta.json(t, "GET", "/Users"+filterEq("userName", strings.ToUpper(email)), nil, http.StatusOK, &l)
	if l.TotalResults != 1 {
		t.Fatalf("lookup of the created user = %+v, want it", l)
	}
	dana := signIn(t, email, "Secret-pass-42")

	// Outside the verified domains: an invite, emailed.
	outside := uniqueEmail(t)
	var inv scim.User
	okta.json(t, "POST", "/Users", map[string]any{"schemas": []string{scim.SchemaUser}, "userName": outside, "active": true}, http.StatusCreated, &inv)
	if inv.Gatehouse == nil || inv.Gatehouse.State != "invited" || !strings.HasPrefix(inv.ID, "inv_") {
		t.Fatalf("user outside the verified domains = %+v, want an invite (rule 11)", inv)
	}
	if len(emailsTo(t, outside)) == 0 {
		t.Fatalf("the invite of %s was not emailed", outside)
	}
	mbNoAccount(t, outside)

	// PUT (Okta's full replace) keeps it active.
	create["active"] = true
	okta.json(t, "PUT", "/Users/"+u.ID, create, http.StatusOK, &u)
	if !u.Active {
		t.Fatalf("PUT with active true = %+v", u)
	}
	// PATCH in Okta's form: no path, value {active: false}.
	okta.json(t, "PATCH", "/Users/"+u.ID, map[string]any{
		"schemas":    []string{scim.SchemaPatchOp},
		"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}},
	}, http.StatusOK, &u)
	if u.Active {
		t.Fatalf("after PATCH active false: %+v, want inactive", u)
	}
	var m struct {
		Status, AccountStatus string
	}
	if st := owner.DoJSON(t, "GET", "/v1/orgs/"+org+"/members/"+u.ID, nil, &m); st != http.StatusOK || m.Status != "disabled" || m.AccountStatus != "active" {
		t.Fatalf("member after deactivation: %d %+v, want the membership disabled and the account active", st, m)
	}
	if st, _ := dana.Do(t, "GET", "/v1/orgs/"+org, nil); st != http.StatusForbidden {
		t.Fatalf("a deactivated member reads its org: %d, want 403", st)
	}
	if st, _ := dana.Do(t, "GET", "/v1/me", nil); st != http.StatusOK {
		t.Fatalf("the deactivated member's own account: %d, want 200 (only the membership is disabled)", st)
	}
	okta.json(t, "PATCH", "/Users/"+u.ID, map[string]any{
		"schemas":    []string{scim.SchemaPatchOp},
		"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": true}}},
	}, http.StatusOK, &u)

	// Group push: create, add the member, remove it, delete.
	var g scim.Group
	okta.json(t, "POST", "/Groups", map[string]any{"schemas": []string{scim.SchemaGroup}, "displayName": "Field agents", "members": []any{}}, http.StatusCreated, &g)
	okta.json(t, "PATCH", "/Groups/"+g.ID, map[string]any{
		"schemas": []string{scim.SchemaPatchOp},
		"Operations": []any{map[string]any{"op": "add", "path": "members",
			"value": []any{map[string]any{"value": u.ID, "display": email}}}},
	}, http.StatusOK, &g)
	okta.json(t, "GET", "/Groups/"+g.ID, nil, http.StatusOK, &g)
	if len(g.Members) != 1 || g.Members[0].Value != u.ID {
		t.Fatalf("group after add = %+v, want its one member", g)
	}
	okta.json(t, "GET", "/Users/"+u.ID, nil, http.StatusOK, &u)
	if len(u.Groups) != 1 || u.Groups[0].Value != g.ID {
		t.Fatalf("user's groups = %+v, want the group", u.Groups)
	}
	okta.json(t, "PATCH", "/Groups/"+g.ID, map[string]any{
		"schemas":    []string{scim.SchemaPatchOp},
		"Operations": []any{map[string]any{"op": "remove", "path": `members[value eq "` + u.ID + `"]`}},
	}, http.StatusOK, &g)
	if len(g.Members) != 0 {
		t.Fatalf("group after remove = %+v, want no member", g)
	}
	okta.json(t, "GET", "/Groups"+filterEq("displayName", "Field agents"), nil, http.StatusOK, &l)
	if l.TotalResults != 1 {
		t.Fatalf("group lookup = %+v", l)
	}
	// Okta renames a pushed group with a PATCH without a path.
	okta.json(t, "PATCH", "/Groups/"+g.ID, map[string]any{
		"schemas":    []string{scim.SchemaPatchOp},
		"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"id": g.ID, "displayName": "Field agents (EU)"}}},
	}, http.StatusOK, &g)
	if g.DisplayName != "Field agents (EU)" {
		t.Fatalf("renamed group = %+v", g)
	}
	var other scim.Group
	okta.json(t, "POST", "/Groups", map[string]any{"displayName": "Office"}, http.StatusCreated, &other)
	st, raw = okta.do(t, "PATCH", "/Groups/"+other.ID, map[string]any{
		"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"displayName": "Field agents (EU)"}}},
	})
	requireScimError(t, st, raw, http.StatusConflict, scim.TypeUniqueness)
	if st, raw := okta.do(t, "DELETE", "/Groups/"+g.ID, nil); st != http.StatusNoContent {
		t.Fatalf("delete group: %d %s", st, raw)
	}

	// Deprovision: the invite is revoked, the member removed.
	if st, raw := okta.do(t, "DELETE", "/Users/"+inv.ID, nil); st != http.StatusNoContent {
		t.Fatalf("delete invited user: %d %s", st, raw)
	}
	if st, raw := okta.do(t, "DELETE", "/Users/"+u.ID, nil); st != http.StatusNoContent {
		t.Fatalf("delete user: %d %s", st, raw)
	}
	st, raw = okta.do(t, "GET", "/Users/"+u.ID, nil)
	requireScimError(t, st, raw, http.StatusNotFound, "")
	if st, _ := dana.Do(t, "GET", "/v1/me", nil); st != http.StatusOK {
		t.Fatalf("the deprovisioned account: %d, want 200 (the account is its owner's)", st)
	}
	// Every change was audited under the token.
	evs := mbAudit(t, owner, org, "")
	n := 0
	for _, e := range evs {
		if strings.HasPrefix(e.ActorID, "sct_") {
			n++
		}
	}
	if n < 8 {
		t.Errorf("%d audit events by the SCIM token, want one per change (at least 8)", n)
	}
}

// TestScimEntraSession runs a session as Microsoft Entra ID sends it:
// capitalised ops, paths with value filters, boolean strings, PATCH of
// attributes Gatehouse does not keep (ignored), group lookups excluding
// members, member add and remove by value list, and the soft delete.
func TestScimEntraSession(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	domain := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + ".example"
	verifyDomain(t, org, domain)
	_, secret := scimToken(t, owner, org)
	entra := scimIdP{org: org, token: secret}

	email := "fox@" + domain
	var l scimList
	entra.json(t, "GET", "/Users"+filterEq("userName", email), nil, http.StatusOK, &l)
	if l.TotalResults != 0 {
		t.Fatalf("lookup = %+v", l)
	}
	var u scim.User
	entra.json(t, "POST", "/Users", map[string]any{
		"schemas":    []string{scim.SchemaUser, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"externalId": "fox", "userName": email, "active": true, "displayName": "Fox Mulder",
		"emails": []any{map[string]any{"primary": true, "type": "work", "value": email}},
		"meta":   map[string]any{"resourceType": "User"},
		"name":   map[string]any{"formatted": "Fox Mulder", "familyName": "Mulder", "givenName": "Fox"},
		"roles":  []any{},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "X"},
	}, http.StatusCreated, &u)
	if u.Gatehouse == nil || u.Gatehouse.State != "member" || u.Gatehouse.AccountStatus != gatehouse.StatusPending {
		t.Fatalf("created = %+v, want a member whose account awaits activation from its mailbox", u)
	}
	if len(emailsTo(t, email)) == 0 {
		t.Fatalf("no activation email to %s", email)
	}
	entra.json(t, "GET", "/Users"+filterEq(`emails[type eq "work"].value`, email), nil, http.StatusOK, &l)
	if l.TotalResults != 1 {
		t.Fatalf("lookup by work email = %+v, want the user", l)
	}
	// Attribute updates Entra sends: accepted, and ignored (the account is
	// its owner's).
	entra.json(t, "PATCH", "/Users/"+u.ID, map[string]any{
		"schemas": []string{scim.SchemaPatchOp},
		"Operations": []any{
			map[string]any{"op": "Replace", "path": "displayName", "value": "Fox W. Mulder"},
			map[string]any{"op": "Add", "path": `emails[type eq "work"].value`, "value": email},
			map[string]any{"op": "Replace", "path": "name.familyName", "value": "Mulder"},
			map[string]any{"op": "Replace", "path": "externalId", "value": "fox2"},
		},
	}, http.StatusOK, &u)
	// Soft delete: op "Replace", path "active", value "False".
	entra.json(t, "PATCH", "/Users/"+u.ID, map[string]any{
		"schemas":    []string{scim.SchemaPatchOp},
		"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": "False"}},
	}, http.StatusOK, &u)
	if u.Active {
		t.Fatalf("after Replace active \"False\": %+v, want inactive", u)
	}
	entra.json(t, "PATCH", "/Users/"+u.ID, map[string]any{
		"schemas":    []string{scim.SchemaPatchOp},
		"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": "True"}},
	}, http.StatusOK, &u)
	if !u.Active {
		t.Fatalf("after Replace active \"True\": %+v", u)
	}
	// userName is the account's login: not changed by an org.
	st, raw := entra.do(t, "PATCH", "/Users/"+u.ID, map[string]any{
		"schemas":    []string{scim.SchemaPatchOp},
		"Operations": []any{map[string]any{"op": "Replace", "path": "userName", "value": "other@" + domain}},
	})
	requireScimError(t, st, raw, http.StatusBadRequest, scim.TypeMutability)

	// Groups: lookup excluding members, create with a member, Remove by
	// value list, Add again.
	entra.json(t, "GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "Agents"`), nil, http.StatusOK, &l)
	if l.TotalResults != 0 {
		t.Fatalf("group lookup = %+v", l)
	}
	var g scim.Group
	entra.json(t, "POST", "/Groups", map[string]any{"schemas": []string{scim.SchemaGroup}, "externalId": "g1", "displayName": "Agents",
		"members": []any{map[string]any{"value": u.ID}}}, http.StatusCreated, &g)
	entra.json(t, "PATCH", "/Groups/"+g.ID, map[string]any{
		"schemas":    []string{scim.SchemaPatchOp},
		"Operations": []any{map[string]any{"op": "Remove", "path": "members", "value": []any{map[string]any{"value": u.ID}}}},
	}, http.StatusOK, &g)
	entra.json(t, "GET", "/Groups/"+g.ID+"?excludedAttributes=members", nil, http.StatusOK, &g)
	if len(g.Members) != 0 {
		t.Fatalf("group with members excluded lists %v", g.Members)
	}
	entra.json(t, "GET", "/Groups/"+g.ID, nil, http.StatusOK, &g)
	if len(g.Members) != 0 {
		t.Fatalf("group after Remove = %+v, want empty", g)
	}
	entra.json(t, "PATCH", "/Groups/"+g.ID, map[string]any{
		"schemas": []string{scim.SchemaPatchOp},
		"Operations": []any{
			map[string]any{"op": "Add", "path": "members", "value": []any{map[string]any{"value": u.ID}}},
			map[string]any{"op": "Replace", "path": "displayName", "value": "Agents"},
		},
	}, http.StatusOK, &g)
	if len(g.Members) != 1 {
		t.Fatalf("group after Add = %+v", g)
	}
	// Hard delete after the soft one.
	if st, raw := entra.do(t, "DELETE", "/Users/"+u.ID, nil); st != http.StatusNoContent {
		t.Fatalf("delete: %d %s", st, raw)
	}
	entra.json(t, "GET", "/Groups/"+g.ID, nil, http.StatusOK, &g)
	if len(g.Members) != 0 {
		t.Fatalf("a removed member stays in its group: %+v", g)
	}
}

// TestScimRefusals: a token opens its own org's SCIM routes and nothing
// else; a revoked token opens nothing; a filter Gatehouse does not answer
// is a 400 invalidFilter; rule 6 binds what the token gives.
func TestScimRefusals(t *testing.T) {
	t.Parallel()
	ownerA, ownerB := newUser(t), newUser(t)
	orgA, orgB := mbOrg(t, ownerA), mbOrg(t, ownerB)
	idA, secretA := scimToken(t, ownerA, orgA)

	tests := []struct {
		name       string
		idp        scimIdP
		method     string
		path       string
		body       any
		wantStatus int
		wantType   string
	}{
		{"token of org A on org B", scimIdP{org: orgB, token: secretA}, "GET", "/Users", nil, http.StatusForbidden, ""},
		{"invalid filter", scimIdP{org: orgA, token: secretA}, "GET", "/Users?filter=" + url.QueryEscape(`userName co "x"`), nil, http.StatusBadRequest, scim.TypeInvalidFilter},
		{"compound filter", scimIdP{org: orgA, token: secretA}, "GET", "/Users?filter=" + url.QueryEscape(`userName eq "a@b.c" and active eq true`), nil, http.StatusBadRequest, scim.TypeInvalidFilter},
		{"unknown filter attribute", scimIdP{org: orgA, token: secretA}, "GET", "/Users?filter=" + url.QueryEscape(`title eq "x"`), nil, http.StatusBadRequest, scim.TypeInvalidFilter},
		{"escalation: the token cannot make an admin", scimIdP{org: orgA, token: secretA}, "POST", "/Users",
			map[string]any{"userName": uniqueEmail(t), "roles": []any{map[string]any{"value": "admin"}}}, http.StatusForbidden, ""},
		{"bad PATCH op", scimIdP{org: orgA, token: secretA}, "PATCH", "/Users/" + ownerA.Sub,
			map[string]any{"Operations": []any{map[string]any{"op": "move", "path": "active", "value": false}}}, http.StatusBadRequest, scim.TypeInvalidValue},
		{"acting on the owner", scimIdP{org: orgA, token: secretA}, "PATCH", "/Users/" + ownerA.Sub,
			map[string]any{"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}}}, http.StatusForbidden, ""},
		{"not a token", scimIdP{org: orgA, token: "ghs_nope"}, "GET", "/Users", nil, http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, raw := tt.idp.do(t, tt.method, tt.path, tt.body)
			requireScimError(t, st, raw, tt.wantStatus, tt.wantType)
		})
	}

	// A SCIM token opens no other route of the API, not even its own
	// org's token routes (a token never makes tokens), and never in a URL.
	r := anonymous().WithBearer(secretA).DoRaw(t, "GET", "/v1/orgs/"+orgA+"/members", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonTokenNarrowing)
	r = anonymous().WithBearer(secretA).DoRaw(t, "POST", "/v1/orgs/"+orgA+"/scim/tokens", []byte(`{"name":"chain"}`), nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonTokenNarrowing)
	r = anonymous().DoRaw(t, "GET", "/v1/orgs/"+orgA+"/scim/v2/Users?token="+secretA, nil, nil)
	requireScimRefusal(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated, "")

	// Revoked: 401 from the next request on.
	if st, raw := ownerA.Do(t, "DELETE", "/v1/orgs/"+orgA+"/scim/tokens/"+idA, nil); st != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", st, raw)
	}
	st, raw := scimIdP{org: orgA, token: secretA}.do(t, "GET", "/Users", nil)
	requireScimError(t, st, raw, http.StatusUnauthorized, "")

	// Only an owner or admin makes a SCIM token, never a developer.
	dev := mbMember(t, ownerA, orgA, "developer")
	if st, raw := dev.Do(t, "POST", "/v1/orgs/"+orgA+"/scim/tokens", map[string]any{"name": "x"}); st != http.StatusForbidden {
		t.Fatalf("a developer made a SCIM token: %d %s", st, raw)
	}
	var list struct {
		Items []gatehouse.ScimToken `json:"items"`
	}
	if st := ownerA.DoJSON(t, "GET", "/v1/orgs/"+orgA+"/scim/tokens", nil, &list); st != http.StatusOK || len(list.Items) != 1 || list.Items[0].Status != gatehouse.StatusRevoked {
		t.Fatalf("token list: %d %+v, want the one revoked token", st, list)
	}
}

// scimProtocol reports whether a route is one of the SCIM protocol's,
// which answer SCIM errors (application/scim+json) rather than problems.
func scimProtocol(r routes.Route) bool {
	return r.Function == routes.FnScim && strings.Contains(r.Path, "/scim/v2/")
}

// requireScimRefusal is requireRefusal for a SCIM route: a SCIM error of
// the status, carrying Gatehouse's code and reason (reason checked when
// not ""). It returns them as a problem for further checks.
func requireScimRefusal(t testing.TB, r *Response, wantStatus int, wantCode gatehouse.Code, wantReason string) apigw.Problem {
	t.Helper()
	if !strings.HasPrefix(r.Header.Get("Content-Type"), scim.MediaType) {
		t.Fatalf("Content-Type %q, want %s", r.Header.Get("Content-Type"), scim.MediaType)
	}
	var e scim.Error
	if err := json.Unmarshal(r.Body, &e); err != nil || r.Status != wantStatus || e.Status != strconv.Itoa(wantStatus) ||
		len(e.Schemas) != 1 || e.Schemas[0] != scim.SchemaError || e.Code != wantCode || (wantReason != "" && e.Reason != wantReason) {
		t.Fatalf("got %d %s, want a SCIM error %d with code %s reason %q", r.Status, r.Body, wantStatus, wantCode, wantReason)
	}
	return apigw.Problem{Status: r.Status, Code: e.Code, Reason: e.Reason, Limit: e.Limit}
}

// TestScimOneTransactionPerMemberChanged measures what SCIM costs the
// table: every change is one TransactWriteItems per member changed (with
// its audit event), as through the API; reads are the use cases' own. Not
// parallel: the call counter is the stack's.
func TestScimOneTransactionPerMemberChanged(t *testing.T) {
	calls := stack().DynamoDBCalls
	owner := newUser(t)
	org := mbOrg(t, owner)
	domain := "tx-" + strings.ToLower(t.Name()) + ".example"
	verifyDomain(t, org, domain)
	_, secret := scimToken(t, owner, org)
	idp := scimIdP{org: org, token: secret}
	var a, b scim.User
	idp.json(t, "POST", "/Users", map[string]any{"userName": "a@" + domain}, http.StatusCreated, &a)
	idp.json(t, "POST", "/Users", map[string]any{"userName": "b@" + domain}, http.StatusCreated, &b)
	var g scim.Group
	idp.json(t, "POST", "/Groups", map[string]any{"displayName": "G"}, http.StatusCreated, &g)

	steps := []struct {
		name        string
		method      string
		path        string
		body        any
		wantTx      int
		wantNoOther bool // no other write than the transactions
	}{
		{"create a user (account under a verified domain)", "POST", "/Users", map[string]any{"userName": "c@" + domain}, 1, true},
		{"create a user (invite)", "POST", "/Users", map[string]any{"userName": uniqueEmail(t)}, 1, true},
		{"deactivate (Okta)", "PATCH", "/Users/" + a.ID, map[string]any{"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}}}, 1, true},
		{"reactivate (Entra)", "PATCH", "/Users/" + a.ID, map[string]any{"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": "True"}}}, 1, true},
		{"PUT changing nothing", "PUT", "/Users/" + a.ID, map[string]any{"userName": "a@" + domain, "active": true}, 0, true},
		{"two members added to a group", "PATCH", "/Groups/" + g.ID, map[string]any{"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": a.ID}, map[string]any{"value": b.ID}}}}}, 2, true},
		{"one member removed", "PATCH", "/Groups/" + g.ID, map[string]any{"Operations": []any{map[string]any{"op": "remove", "path": `members[value eq "` + a.ID + `"]`}}}, 1, true},
		{"delete a user", "DELETE", "/Users/" + b.ID, nil, 1, true},
		{"list users reads, writes nothing", "GET", "/Users?startIndex=1&count=10", nil, 0, true},
	}
	for _, s := range steps {
		calls.Reset()
		st, raw := idp.do(t, s.method, s.path, s.body)
		if st >= 300 {
			t.Fatalf("%s: %d %s", s.name, st, raw)
		}
		got := calls.Counts()
		t.Logf("%s: DynamoDB calls %v", s.name, got)
		if got["TransactWriteItems"] != s.wantTx {
			t.Errorf("%s: %d TransactWriteItems, want %d (one per member changed)", s.name, got["TransactWriteItems"], s.wantTx)
		}
		// Creating an account first records its intent, one conditional
		// PutItem the creation's transaction removes (docs/reliability.md).
		intents := 0
		if strings.HasPrefix(s.name, "create a user (account") {
			intents = 1
		}
		if got["PutItem"] != intents {
			t.Errorf("%s: %d PutItem, want %d (the intent before Cognito is called)", s.name, got["PutItem"], intents)
		}
		for _, op := range []string{"UpdateItem", "DeleteItem", "BatchWriteItem", "Scan"} {
			if got[op] != 0 {
				t.Errorf("%s: %d %s, want writes only in transactions and no scan", s.name, got[op], op)
			}
		}
	}
}

// TestScimInviteAcceptanceAndQuota: a user SCIM invited (rule 11) joins by
// accepting, and is then the SCIM User of the invite's id; an invite
// whose token was revoked meanwhile is refused at acceptance (rule 6);
// the org's quota binds SCIM as it binds the API (409 limit_exceeded).
func TestScimInviteAcceptanceAndQuota(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	tokID, secret := scimToken(t, owner, org)
	idp := scimIdP{org: org, token: secret}

	joiner := newUser(t)
	var inv scim.User
	idp.json(t, "POST", "/Users", map[string]any{"userName": joiner.Email}, http.StatusCreated, &inv)
	if inv.Gatehouse.State != "invited" {
		t.Fatalf("an existing account provisioned: %+v, want an invite (rule 11)", inv)
	}
	acceptFromMailbox(t, joiner)
	var u scim.User
	idp.json(t, "GET", "/Users/"+inv.ID, nil, http.StatusOK, &u)
	if u.ID != joiner.Sub || u.Gatehouse.State != "member" || !u.Active {
		t.Fatalf("the accepted invite's user = %+v, want the member %s", u, joiner.Sub)
	}

	late := newUser(t)
	idp.json(t, "POST", "/Users", map[string]any{"userName": late.Email}, http.StatusCreated, &inv)
	if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+org+"/scim/tokens/"+tokID, nil); st != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", st, raw)
	}
	token := tokenFromMailbox(t, late.Email, "ghi_")
	st, raw := late.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": token})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)

	// Quota: the org holds the owner, the joiner and the late invite.
	_, secret = scimToken(t, owner, org)
	idp = scimIdP{org: org, token: secret}
	if st, raw := adminClient(t).Do(t, "PUT", "/v1/orgs/"+org+"/limits", map[string]any{"maxMembers": 3}); st != http.StatusOK {
		t.Fatalf("set quota: %d %s", st, raw)
	}
	before := mbSnapshot(t, org)
	st, raw = idp.do(t, "POST", "/Users", map[string]any{"userName": uniqueEmail(t)})
	requireScimError(t, st, raw, http.StatusConflict, "")
	var e scim.Error
	_ = json.Unmarshal(raw, &e)
	if e.Code != gatehouse.CodeLimitExceeded || e.Limit != "maxMembers" {
		t.Fatalf("over quota: %s, want limit_exceeded maxMembers", raw)
	}
	mbRequireUnchanged(t, org, before)
}
