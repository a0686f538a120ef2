package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Endpoint is a route with the Go types its handler decodes and encodes.
type Endpoint = apigw.Endpoint

// Server is one entry of the document's servers.
type Server struct {
	URL         string                    `json:"url"`
	Description string                    `json:"description,omitempty"`
	Variables   map[string]ServerVariable `json:"variables,omitempty"`
}

// ServerVariable is a placeholder of a server URL.
type ServerVariable struct {
	Default     string `json:"default"`
	Description string `json:"description,omitempty"`
}

// Options is what the document says beyond the endpoints.
type Options struct {
	// Version is info.version.
	Version string
	// Servers are where the API runs.
	Servers []Server
	// Reasons are the values a problem's reason may take (the
	// gatehouse.Reason* constants).
	Reasons []string
	// Comments maps "import/path.Type" and "import/path.Type.Field" to
	// their Go doc comments, which become descriptions.
	Comments map[string]string
}

// Security scheme names of the document.
const (
	SchemeAccessToken = "accessToken"
	SchemeAPIToken    = "apiToken"
	SchemeQueryToken  = "queryToken"
	// SchemeImpersonation is an impersonation session's secret (issue 17).
	SchemeImpersonation = "impersonation"
)

// Generate builds the OpenAPI 3.1 document of the endpoints, indented JSON
// with a final newline. Every route of routes.Table must have exactly one
// endpoint.
func Generate(eps []Endpoint, opt Options) ([]byte, error) {
	byKey := map[string]Endpoint{}
	for _, ep := range eps {
		if _, dup := byKey[ep.Route.Key()]; dup {
			return nil, fmt.Errorf("openapi: route %s registered twice", ep.Route.Key())
		}
		byKey[ep.Route.Key()] = ep
	}
	var missing []string
	for _, r := range routes.Table {
		if _, ok := byKey[r.Key()]; !ok {
			missing = append(missing, r.Key())
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("openapi: no endpoint for %s", strings.Join(missing, ", "))
	}
	if len(byKey) != len(routes.Table) {
		return nil, fmt.Errorf("openapi: %d endpoints for %d routes", len(byKey), len(routes.Table))
	}

	sc := newSchemas(opt.Comments)
	problemType := reflect.TypeFor[apigw.Problem]()
	sc.ref(problemType)
	for _, r := range routes.Table {
		ep := byKey[r.Key()]
		if hasBody(r.Method) && !isEmpty(ep.In) {
			sc.ref(ep.In)
		}
		if !isEmpty(ep.Out) {
			sc.ref(ep.Out)
		}
	}
	if err := sc.build(); err != nil {
		return nil, err
	}
	sc.patchProblem(opt.Reasons)
	problemRef := sc.ref(problemType)

	paths := map[string]map[string]any{}
	ids := map[string]string{}
	for _, r := range routes.Table {
		ep := byKey[r.Key()]
		op, err := operation(ep, sc)
		if err != nil {
			return nil, err
		}
		id := op["operationId"].(string)
		if other, dup := ids[id]; dup {
			return nil, fmt.Errorf("openapi: operationId %s of %s and %s", id, other, r.Key())
		}
		ids[id] = r.Key()
		if paths[r.Path] == nil {
			paths[r.Path] = map[string]any{}
		}
		paths[r.Path][strings.ToLower(r.Method)] = op
	}

	sc.components["ScimError"] = scimErrorSchema(sc.components["Problem"]) // scim.go
	codes := make([]string, 0, len(gatehouse.HTTPStatus))
	for c := range gatehouse.HTTPStatus {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)

	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Gatehouse API",
			"version": opt.Version,
			"summary": "Multi-tenant user and access management.",
			"description": "Orgs, members, roles, invites, groups, resource grants, limits, API tokens and audit.\n\n" +
				"Every error is an RFC 9457 problem (application/problem+json) with a stable `code` " +
				"and, for 403, a `reason`; for 409 `limit_exceeded`, `limit` names the limit reached. " +
				"Request bodies are decoded strictly: unknown fields, trailing data and bodies over " +
				fmt.Sprintf("%d bytes are refused. ", apigw.MaxBodyBytes) +
				"PUT bodies replace the whole resource: each field a PUT body may leave out says the default it takes.",
			"license": map[string]any{"name": "Proprietary", "identifier": "LicenseRef-Proprietary"},
		},
		"servers": opt.Servers,
		"tags":    tags(),
		"paths":   paths,
		"components": map[string]any{
			"schemas":         sc.components,
			"responses":       withScim(problemResponses(problemRef)),
			"securitySchemes": securitySchemes(),
		},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("openapi: encode: %w", err)
	}
	return buf.Bytes(), nil
}

func hasBody(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// isEmpty reports whether t is apigw.Empty or another struct without
// fields: no body (In) or 204 (Out).
func isEmpty(t reflect.Type) bool {
	if t == nil {
		return true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && t.NumField() == 0
}

// bodyOptional reports whether the body type may also be sent empty
// (apigw.Handle's BodyOptional).
func bodyOptional(t reflect.Type) bool {
	_, ok := reflect.PointerTo(t).MethodByName("BodyOptional")
	return ok
}

func tags() []any {
	desc := map[string]string{
		routes.FnMe:        "The caller's own account, the permission catalogue and this document.",
		routes.FnOrgs:      "Orgs and sub-orgs.",
		routes.FnMembers:   "Members of an org: created directly, changed, removed; leaving an org.",
		routes.FnInvites:   "Invitations by email and their acceptance.",
		routes.FnActivate:  "Account activation: a password for an account created with an activation link.",
		routes.FnRoles:     "Built-in and custom roles.",
		routes.FnGroups:    "Groups of members and the roles they carry.",
		routes.FnResources: "Resources registered by the product, their grants, and the check API.",
		routes.FnTokens:    "API tokens bound to one member in one org.",
		routes.FnLimits:    "Org quotas and usage.",
		routes.FnAudit:     "The audit log of an org.",
		routes.FnAdmin:     "Platform admin: accounts and the sign-up policy.",
		routes.FnScim:      "SCIM 2.0 for identity providers (application/scim+json, SCIM errors), and the org's SCIM tokens.",
		// Verified domains, bulk import.
		routes.FnDomains: "Verified email domains of an org, their join policies, and the orgs a user may join by its email's domain.",
		routes.FnImports: "Bulk import of members, with an outcome per row.",
	}
	var out []any
	for _, fn := range routes.HTTPFunctions {
		if !slices.ContainsFunc(routes.Table, func(r routes.Route) bool { return r.Function == fn }) {
			continue // the $default route's function serves no operation
		}
		out = append(out, map[string]any{"name": fn, "description": desc[fn]})
	}
	return out
}

func securitySchemes() map[string]any {
	return map[string]any{
		SchemeAccessToken: map[string]any{
			"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
			"description": "A Cognito access token of the user pool (`Authorization: Bearer <access token>`). " +
				"Id tokens are refused.",
		},
		SchemeAPIToken: map[string]any{
			"type": "http", "scheme": "bearer",
			"description": "A Gatehouse API token (`gha_...`, shown once at creation). It is bound to one member " +
				"of one org and opens only that org's routes, with at most the member's current permissions.",
		},
		SchemeScimToken: scimTokenScheme(), // scim.go
		SchemeQueryToken: map[string]any{
			"type": "apiKey", "in": "query", "name": "token",
			"description": "A Gatehouse API token in the URL, for embedded read-only views: GET routes of an org only. " +
				"A token in the URL ends up in logs and browser histories; prefer the header.",
		},
		SchemeImpersonation: map[string]any{
			"type": "http", "scheme": "bearer",
			"description": "An impersonation session's secret (`ghm_...`, shown once when the session starts): it acts as " +
				"one member of one org, with at most the impersonator's rights there, for at most an hour; " +
				"only that org's routes, never in the URL.",
		},
	}
}

// problemResponses are the shared error responses, one per status.
func problemResponses(problemRef map[string]any) map[string]any {
	out := map[string]any{}
	for _, pr := range problemStatuses {
		ex := map[string]any{
			"type":   "urn:gatehouse:problem:" + string(pr.code),
			"title":  http.StatusText(pr.status),
			"status": pr.status,
			"code":   pr.code,
			"detail": pr.detail,
		}
		if pr.reason != "" {
			ex["reason"] = pr.reason
		}
		if pr.limit != "" {
			ex["limit"] = pr.limit
		}
		if pr.code == gatehouse.CodeValidation {
			ex["errors"] = []any{map[string]any{"field": "name", "message": "must be 1 to 200 printable characters"}}
		}
		out[pr.name] = map[string]any{
			"description": pr.description,
			"content": map[string]any{"application/problem+json": map[string]any{
				"schema":  problemRef,
				"example": ex,
			}},
		}
	}
	return out
}

type problemStatus struct {
	status      int
	name        string
	code        gatehouse.Code
	reason      string
	limit       string
	description string
	detail      string
}

var problemStatuses = []problemStatus{
	{http.StatusBadRequest, "ValidationFailed", gatehouse.CodeValidation, "", "",
		"The request is not valid: `errors` lists each invalid field. Fix the request; repeating it unchanged fails again.",
		"the request is not valid"},
	{http.StatusUnauthorized, "Unauthenticated", gatehouse.CodeUnauthenticated, gatehouse.ReasonUnauthenticated, "",
		"No credential, or one that is malformed, expired, revoked or issued to another client. Refresh the access token or sign in again.",
		"the credential is missing, invalid or expired"},
	{http.StatusForbidden, "Forbidden", gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm, "",
		"The caller is known but may not do this: `code` is `forbidden` or `expired`, and `reason` says why.",
		"you do not have members:invite in this org"},
	{http.StatusNotFound, "NotFound", gatehouse.CodeNotFound, "", "",
		"The thing named in the path does not exist, or the caller may not know it exists.",
		"member not found"},
	{http.StatusConflict, "Conflict", gatehouse.CodeLimitExceeded, "", "maxMembers",
		"The request conflicts with the current state: `conflict` (already exists, changed meanwhile), " +
			"`limit_exceeded` (`limit` names the limit reached) or `last_owner`.",
		"the org has no seat left"},
	{http.StatusRequestEntityTooLarge, "PayloadTooLarge", gatehouse.CodePayloadTooLarge, "", "",
		fmt.Sprintf("The body is larger than %d bytes.", apigw.MaxBodyBytes),
		fmt.Sprintf("the request body is larger than %d bytes", apigw.MaxBodyBytes)},
	{http.StatusInternalServerError, "Internal", gatehouse.CodeInternal, "", "",
		"An unexpected failure; the details are in the server's logs under the request id. Retry later.",
		"internal error"},
	{http.StatusServiceUnavailable, "Unavailable", gatehouse.CodeUnavailable, gatehouse.ReasonUnavailable, "",
		"A service Gatehouse depends on (Cognito, email) failed. What was done is kept; repeating the request converges.",
		"the identity provider is unavailable; retry"},
}

func responseRef(status int) map[string]any {
	for _, pr := range problemStatuses {
		if pr.status == status {
			return map[string]any{"$ref": "#/components/responses/" + pr.name}
		}
	}
	panic(fmt.Sprintf("openapi: no problem response for %d", status))
}

// errorStatuses are the error statuses a route can answer, by what it
// takes and who may call it.
func errorStatuses(ep Endpoint, query []any) []int {
	r := ep.Route
	var out []int
	// A body route validates its body (even "no body" ones refuse one); a
	// query route its query.
	if hasBody(r.Method) || len(query) > 0 {
		out = append(out, http.StatusBadRequest)
	}
	if r.Access != routes.Public {
		out = append(out, http.StatusUnauthorized, http.StatusForbidden)
	}
	// Anything named in the path or the body may not exist (an activation
	// token, an invite); only a public route taking nothing cannot miss.
	if strings.Contains(r.Path, "{") || r.Access != routes.Public || hasBody(r.Method) {
		out = append(out, http.StatusNotFound)
	}
	if r.Method != http.MethodGet {
		out = append(out, http.StatusConflict)
	}
	if hasBody(r.Method) {
		out = append(out, http.StatusRequestEntityTooLarge)
	}
	return append(out, http.StatusInternalServerError, http.StatusServiceUnavailable)
}

func operation(ep Endpoint, sc *schemas) (map[string]any, error) {
	r := ep.Route
	op := map[string]any{
		"operationId":        operationID(r),
		"summary":            r.Summary,
		"tags":               []string{r.Function},
		"x-gatehouse-access": r.Access.String(),
	}
	desc := accessText(r)
	if r.Access == routes.Permission {
		op["x-gatehouse-permission"] = r.Permission
	}
	if r.Method == http.MethodPut && !isEmpty(ep.In) {
		desc += "\n\n" + sc.putText(ep.In)
	}
	op["description"] = desc

	switch {
	case r.Access == routes.Public:
		op["security"] = []any{}
	default:
		sec := []any{map[string]any{SchemeAccessToken: []string{}}}
		if r.OrgScoped() {
			sec = append(sec, map[string]any{SchemeAPIToken: []string{}})
			if r.AcceptsQueryToken() {
				sec = append(sec, map[string]any{SchemeQueryToken: []string{}})
			}
			sec = append(sec, map[string]any{SchemeImpersonation: []string{}})
		}
		op["security"] = sec
	}
	if scimProtocol(r) {
		op["security"] = scimSecurity()
	}

	params := pathParams(r)
	var query []any
	if !hasBody(r.Method) && !isEmpty(ep.In) {
		q, err := sc.queryParams(ep.In)
		if err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", r.Key(), err)
		}
		query = q
		params = append(params, q...)
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if hasBody(r.Method) && !isEmpty(ep.In) {
		schema := sc.ref(ep.In)
		op["requestBody"] = map[string]any{
			"required": !bodyOptional(ep.In),
			"content": map[string]any{mediaType(r): map[string]any{
				"schema":  schema,
				"example": sc.example(schema),
			}},
		}
	}

	responses := map[string]any{}
	status := ep.Status
	if isEmpty(ep.Out) {
		responses["204"] = map[string]any{"description": "Done; no body."}
	} else {
		if status == 0 {
			status = http.StatusOK
		}
		schema := sc.ref(ep.Out)
		responses[fmt.Sprint(status)] = map[string]any{
			"description": http.StatusText(status),
			"content": map[string]any{mediaType(r): map[string]any{
				"schema":  schema,
				"example": sc.example(schema),
			}},
		}
	}
	for _, s := range errorStatuses(ep, query) {
		if scimProtocol(r) {
			responses[fmt.Sprint(s)] = scimResponseRef(s)
			continue
		}
		responses[fmt.Sprint(s)] = responseRef(s)
	}
	op["responses"] = responses
	return op, nil
}

// putText says what a PUT body's omitted fields become: never a silent
// zero value, but the default its schema states, or (for a field without
// one) the value it has now.
func (sc *schemas) putText(t reflect.Type) string {
	def := sc.resolve(sc.ref(t))
	props, _ := def["properties"].(map[string]any)
	required := map[string]bool{}
	for _, n := range asStrings(def["required"]) {
		required[n] = true
	}
	var names []string
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		if required[n] {
			continue
		}
		p, _ := props[n].(map[string]any)
		if d, ok := p["default"]; ok {
			b, _ := json.Marshal(d)
			parts = append(parts, fmt.Sprintf("`%s` left out is `%s`", n, b))
		} else {
			parts = append(parts, fmt.Sprintf("`%s` left out keeps its current value", n))
		}
	}
	if len(parts) == 0 {
		return "Every field of the body is required: nothing is reset by omission."
	}
	return "No field left out becomes a zero value: " + strings.Join(parts, "; ") + "."
}

func asStrings(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

func accessText(r routes.Route) string {
	switch r.Access {
	case routes.Public:
		return "Public: no credential."
	case routes.SignedIn:
		return "Any signed-in user with an active account."
	case routes.Member:
		return "An active member of the org."
	case routes.Permission:
		return fmt.Sprintf("Needs the permission `%s` in the org.", r.Permission)
	case routes.PlatformAdmin:
		return "Platform admins only (403 `platform_admin_only` otherwise); not with an API token."
	}
	return ""
}

var paramExamples = map[string]string{
	"orgId":      "org_01JD4S7X6C9M2QW8E5R3T1Y0ZA",
	"userId":     "5d7c1b4e-2f3a-4c6b-9e8d-0a1b2c3d4e5f",
	"inviteId":   "inv_01JD4S9K2M5N8P1Q4R7S0T3V6W",
	"roleId":     "support-agent",
	"groupId":    "grp_01JD4SA3B6C9D2E5F8G1H4J7K0",
	"type":       "device",
	"resourceId": "dev-0042",
	"tokenId":    "tok_01JD4SB8C1D4E7F0G3H6J9K2L5",
}

func pathParams(r routes.Route) []any {
	var out []any
	for _, seg := range strings.Split(r.Path, "/") {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		name := strings.Trim(seg, "{}")
		schema := map[string]any{"type": "string", "minLength": 1}
		if ex, ok := paramExamples[name]; ok {
			schema["examples"] = []string{ex}
		}
		out = append(out, map[string]any{"name": name, "in": "path", "required": true, "schema": schema})
	}
	return out
}

// operationID names an operation after its method and the literal segments
// of its path, singular before a parameter: GET /v1/orgs/{orgId}/members is
// getOrgMembers, PUT /v1/orgs/{orgId}/members/{userId}/roles is
// putOrgMemberRoles.
func operationID(r routes.Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	segs := strings.Split(strings.TrimPrefix(r.Path, "/v1/"), "/")
	for i, seg := range segs {
		if seg == "" || strings.HasPrefix(seg, "{") {
			continue
		}
		if i+1 < len(segs) && strings.HasPrefix(segs[i+1], "{") {
			seg = strings.TrimSuffix(seg, "s")
		}
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '.' || r == '_' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// reasonsSorted returns a sorted copy without duplicates.
func reasonsSorted(in []string) []string {
	out := slices.Clone(in)
	sort.Strings(out)
	return slices.Compact(out)
}
