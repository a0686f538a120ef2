package openapi

import (
	"sort"
	"strings"
)

// exampleStrings are the example values of string properties by name, so
// that generated examples read like real data.
var exampleStrings = map[string]string{
	"id":             "01JD4S7X6C9M2QW8E5R3T1Y0ZA",
	"orgId":          paramExamples["orgId"],
	"orgName":        "Acme Robotics",
	"parentId":       "org_01JD4RZ2Q5W8E1R4T7Y0U3I6OP",
	"userId":         paramExamples["userId"],
	"actor":          paramExamples["userId"],
	"managedBy":      paramExamples["userId"],
	"invitedBy":      paramExamples["userId"],
	"createdBy":      paramExamples["userId"],
	"ownerId":        paramExamples["userId"],
	"inviteId":       paramExamples["inviteId"],
	"roleId":         paramExamples["roleId"],
	"groupId":        paramExamples["groupId"],
	"resourceId":     paramExamples["resourceId"],
	"tokenId":        paramExamples["tokenId"],
	"type":           paramExamples["type"],
	"resourceType":   paramExamples["type"],
	"email":          "ana@example.com",
	"name":           "Ana García",
	"phone":          "+34600123456",
	"timeZone":       "Europe/Madrid",
	"language":       "en-GB",
	"nextCursor":     "eyJwayI6Im9yZyJ9",
	"cursor":         "eyJwayI6Im9yZyJ9",
	"secret":         "gha_3Jx9kQ2mV7pL1wZ8rT5yN4bC6dF0hG",
	"token":          "gha_3Jx9kQ2mV7pL1wZ8rT5yN4bC6dF0hG",
	"activationUrl":  "https://app.example.com/activate?token=act_5Vb8nM1qW4eR7tY0",
	"description":    "Handles customer tickets",
	"action":         "member.create",
	"permission":     "device:read",
	"permissions":    "device:read",
	"roles":          "member",
	"requestId":      "c0a8012e-5f1d-4b7a-9e3c-2d6f8a1b4c7e",
	"sourceIp":       "203.0.113.7",
	"target":         paramExamples["userId"],
	"allowedEmails":  "ana@example.com",
	"allowedDomains": "example.com",
	"code":           "validation_failed",
	"field":          "name",
	"message":        "must be 1 to 200 printable characters",
	"title":          "Bad Request",
	"detail":         "the request is not valid",
}

// example builds an example value that the schema accepts: the schema's
// own example, default or first enum value, else one built from its type
// and the property's name.
func (s *schemas) example(schema map[string]any) any {
	return s.exampleOf(schema, "", 0)
}

func (s *schemas) exampleOf(sc map[string]any, prop string, depth int) any {
	if sc == nil || depth > 12 {
		return nil
	}
	if ref, ok := sc["$ref"].(string); ok {
		d, _ := s.components[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		return s.exampleOf(d, prop, depth+1)
	}
	if l, ok := sc["examples"].([]any); ok && len(l) > 0 {
		return l[0]
	}
	if d, ok := sc["default"]; ok {
		return d
	}
	if c, ok := sc["const"]; ok {
		return c
	}
	if e, ok := sc["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if l, ok := sc[k].([]any); ok {
			for _, x := range l {
				if xm, _ := x.(map[string]any); xm != nil && xm["type"] != "null" {
					return s.exampleOf(xm, prop, depth+1)
				}
			}
		}
	}
	typ := sc["type"]
	if l, ok := typ.([]any); ok {
		for _, t := range l {
			if t != "null" {
				typ = t
				break
			}
		}
	}
	switch typ {
	case "object":
		out := map[string]any{}
		props, _ := sc["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p, _ := props[n].(map[string]any)
			if v := s.exampleOf(p, n, depth+1); v != nil {
				out[n] = v
			}
		}
		return out
	case "array":
		items, _ := sc["items"].(map[string]any)
		if v := s.exampleOf(items, prop, depth+1); v != nil {
			return []any{v}
		}
		return []any{}
	case "string":
		switch sc["format"] {
		case "date-time":
			return "2026-03-02T09:30:00Z"
		case "email":
			return "ana@example.com"
		}
		if v, ok := exampleStrings[prop]; ok {
			return v
		}
		return "text"
	case "integer", "number":
		if m, ok := sc["minimum"]; ok {
			return m
		}
		return 0
	case "boolean":
		return false
	}
	return nil
}
