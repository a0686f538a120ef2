package openapi

import (
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// SCIM 2.0 (docs/scim.md): the SCIM protocol's routes, under
// /v1/orgs/{orgId}/scim/v2, take and answer application/scim+json and
// refuse with SCIM errors (RFC 7644 section 3.12), which carry
// Gatehouse's code and reason beside SCIM's status and scimType. The
// SCIM token routes are ordinary Gatehouse routes.

// SchemeScimToken is the security scheme of SCIM tokens.
const SchemeScimToken = "scimToken"

// scimMediaType is SCIM's media type (RFC 7644 section 3.1).
const scimMediaType = "application/scim+json"

// scimProtocol reports whether a route is one of the SCIM protocol's.
func scimProtocol(r routes.Route) bool {
	return r.Function == routes.FnScim && strings.Contains(r.Path, "/scim/v2/")
}

// mediaType is the media type of a route's bodies.
func mediaType(r routes.Route) string {
	if scimProtocol(r) {
		return scimMediaType
	}
	return "application/json"
}

// scimSecurity: a SCIM token, or a signed-in admin's access token, or an
// API token narrowed to what the route needs.
func scimSecurity() []any {
	return []any{
		map[string]any{SchemeScimToken: []string{}},
		map[string]any{SchemeAccessToken: []string{}},
		map[string]any{SchemeAPIToken: []string{}},
	}
}

func scimTokenScheme() map[string]any {
	return map[string]any{
		"type": "http", "scheme": "bearer",
		"description": "A Gatehouse SCIM token (`ghs_...`, shown once at creation by an owner or admin): " +
			"bound to one org, it opens only that org's SCIM routes, with the permissions it was given.",
	}
}

// scimErrorSchema is the SCIM error body; its code and reason are the
// problem's (same enums).
func scimErrorSchema(problem any) map[string]any {
	str := map[string]any{"type": "string"}
	code, reason := any(str), any(str)
	if p, ok := problem.(map[string]any); ok {
		if props, ok := p["properties"].(map[string]any); ok {
			if v, ok := props["code"]; ok {
				code = v
			}
			if v, ok := props["reason"]; ok {
				reason = v
			}
		}
	}
	return map[string]any{
		"type":                 "object",
		"required":             []any{"schemas", "status", "code"},
		"additionalProperties": false,
		"properties": map[string]any{
			"schemas":  map[string]any{"type": "array", "items": map[string]any{"type": "string", "const": "urn:ietf:params:scim:api:messages:2.0:Error"}},
			"status":   map[string]any{"type": "string", "description": "the HTTP status, as a string (RFC 7644)"},
			"scimType": map[string]any{"type": "string", "enum": []any{"invalidFilter", "invalidSyntax", "invalidPath", "invalidValue", "mutability", "uniqueness", "noTarget"}},
			"detail":   str,
			"code":     code,
			"reason":   reason,
			"limit":    str,
		},
	}
}

// scimResponseRef is the SCIM error response of a status.
func scimResponseRef(status int) map[string]any {
	return map[string]any{"$ref": "#/components/responses/Scim" + strings.ReplaceAll(http.StatusText(status), " ", "")}
}

// scimResponses are the SCIM error responses, one per status.
func scimResponses() map[string]any {
	out := map[string]any{}
	for _, pr := range problemStatuses {
		ex := map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": itoa(pr.status),
			"code": pr.code, "detail": string(pr.code) + ": " + pr.detail}
		if pr.reason != "" {
			ex["reason"] = pr.reason
		}
		out["Scim"+strings.ReplaceAll(http.StatusText(pr.status), " ", "")] = map[string]any{
			"description": "SCIM error. " + pr.description,
			"content": map[string]any{scimMediaType: map[string]any{
				"schema":  map[string]any{"$ref": "#/components/schemas/ScimError"},
				"example": ex,
			}},
		}
	}
	return out
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// withScim adds the SCIM error responses to the shared responses.
func withScim(responses map[string]any) map[string]any {
	for k, v := range scimResponses() {
		responses[k] = v
	}
	return responses
}
