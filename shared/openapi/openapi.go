// Package openapi generates Gatehouse's OpenAPI 3.1 document from the route
// table, so the document can never list a route the API does not serve or
// miss one it does.
package openapi

import (
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Document returns the OpenAPI document as a JSON-ready value.
func Document(cat *authz.Catalogue) map[string]any {
	paths := map[string]any{}
	for _, r := range routes.Table {
		item, _ := paths[r.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[r.Path] = item
		}
		item[strings.ToLower(r.Method)] = operation(r)
	}
	codes := make([]string, 0, len(gatehouse.HTTPStatus))
	for c := range gatehouse.HTTPStatus {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Gatehouse API",
			"version":     "1",
			"description": "Multi-tenant user and access management: orgs, members, roles, invites, groups, resource grants, limits, API tokens and audit.",
		},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer": map[string]any{
					"type": "http", "scheme": "bearer",
					"description": "A Cognito access token, or a Gatehouse API token (gha_...).",
				},
				"queryToken": map[string]any{
					"type": "apiKey", "in": "query", "name": "token",
					"description": "A Gatehouse API token on GET routes only (embedded read-only views).",
				},
			},
			"schemas": map[string]any{
				"Problem": map[string]any{
					"type":     "object",
					"required": []string{"type", "title", "status", "code"},
					"properties": map[string]any{
						"type":     map[string]any{"type": "string"},
						"title":    map[string]any{"type": "string"},
						"status":   map[string]any{"type": "integer"},
						"detail":   map[string]any{"type": "string"},
						"instance": map[string]any{"type": "string"},
						"code":     map[string]any{"type": "string", "enum": codes},
						"reason":   map[string]any{"type": "string"},
						"limit":    map[string]any{"type": "string"},
						"errors": map[string]any{"type": "array", "items": map[string]any{
							"type":       "object",
							"properties": map[string]any{"field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}},
						}},
					},
				},
			},
		},
		"x-permissions": cat.Permissions(),
	}
}

func operation(r routes.Route) map[string]any {
	op := map[string]any{
		"operationId":      operationID(r),
		"summary":          r.Summary,
		"tags":             []string{r.Function},
		"x-gatehouse-auth": r.Access.String(),
		"responses":        responses(r),
	}
	if r.Access == routes.Permission {
		op["x-gatehouse-permission"] = r.Permission
	}
	if r.Access == routes.Public {
		op["security"] = []any{}
	} else {
		sec := []any{map[string]any{"bearer": []string{}}}
		if r.AcceptsQueryToken() {
			sec = append(sec, map[string]any{"queryToken": []string{}})
		}
		op["security"] = sec
	}
	var params []any
	for _, seg := range strings.Split(r.Path, "/") {
		if strings.HasPrefix(seg, "{") {
			params = append(params, map[string]any{
				"name": strings.Trim(seg, "{}"), "in": "path", "required": true,
				"schema": map[string]any{"type": "string"},
			})
		}
	}
	if r.Method == "GET" && strings.HasSuffix(r.Path, "s") && !strings.HasSuffix(r.Path, "permissions") {
		params = append(params,
			map[string]any{"name": "limit", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
			map[string]any{"name": "cursor", "in": "query", "schema": map[string]any{"type": "string"}})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if r.Method == "POST" || r.Method == "PUT" || r.Method == "PATCH" {
		op["requestBody"] = map[string]any{
			"required": true,
			"content":  map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}},
		}
	}
	return op
}

func responses(r routes.Route) map[string]any {
	problem := map[string]any{"content": map[string]any{"application/problem+json": map[string]any{
		"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	ok := map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
	out := map[string]any{}
	switch {
	case r.Method == "DELETE":
		out["204"] = map[string]any{"description": "Done"}
	case r.Method == "POST" && !strings.HasSuffix(r.Path, "/accept") && !strings.HasSuffix(r.Path, "/activate") &&
		!strings.HasSuffix(r.Path, "/authorize") && !strings.HasSuffix(r.Path, "/leave") && !strings.HasSuffix(r.Path, "/resend"):
		out["201"] = ok
	default:
		out["200"] = ok
	}
	out["400"] = with(problem, "Validation failed")
	if r.Access != routes.Public {
		out["401"] = map[string]any{"description": "No valid credential"}
		out["403"] = with(problem, "Forbidden")
	}
	out["404"] = with(problem, "Not found")
	if r.Method != "GET" {
		out["409"] = with(problem, "Conflict, limit exceeded or last owner")
		out["413"] = with(problem, "Payload too large")
	}
	return out
}

func with(m map[string]any, desc string) map[string]any {
	c := map[string]any{"description": desc}
	for k, v := range m {
		c[k] = v
	}
	return c
}

func operationID(r routes.Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, seg := range strings.Split(strings.TrimPrefix(r.Path, "/v1/"), "/") {
		if seg == "" {
			continue
		}
		if strings.HasPrefix(seg, "{") {
			seg = "by-" + strings.Trim(seg, "{}")
		}
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '.' || r == '_' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
