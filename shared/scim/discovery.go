package scim

import (
	"encoding/json"
	"sync"
)

// Doc is a discovery document (ServiceProviderConfig, ResourceTypes,
// Schemas): fixed JSON.
type Doc struct{ json.RawMessage }

// MarshalJSON writes the document as it is.
func (d Doc) MarshalJSON() ([]byte, error) { return d.RawMessage, nil }

// OpenAPISchema: a SCIM document of RFC 7643 sections 5 to 7.
func (Doc) OpenAPISchema() map[string]any {
	return map[string]any{"type": "object", "description": "a SCIM discovery document (RFC 7643 sections 5-7)",
		"required":   []any{"schemas"},
		"properties": map[string]any{"schemas": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}}
}

// ServiceProviderConfig says what Gatehouse supports (RFC 7643 section
// 5): PATCH, filters (eq only), no bulk, no sort, no etags, no password
// change; bearer tokens.
var ServiceProviderConfig = Doc{json.RawMessage(`{
"schemas":["` + SchemaSPConfig + `"],
"documentationUri":"https://github.com/gatehouse-dev/gatehouse/blob/main/docs/scim.md",
"patch":{"supported":true},
"bulk":{"supported":false,"maxOperations":0,"maxPayloadSize":0},
"filter":{"supported":true,"maxResults":100},
"changePassword":{"supported":false},
"sort":{"supported":false},
"etag":{"supported":false},
"authenticationSchemes":[{"type":"oauthbearertoken","name":"SCIM token","description":"A Gatehouse SCIM token (ghs_...) as Authorization: Bearer","primary":true}],
"meta":{"resourceType":"ServiceProviderConfig"}}`)}

// ResourceTypes lists User and Group (RFC 7643 section 6).
var ResourceTypes = Doc{json.RawMessage(`{
"schemas":["` + SchemaListResponse + `"],"totalResults":2,"startIndex":1,"itemsPerPage":2,"Resources":[
{"schemas":["` + SchemaResourceType + `"],"id":"User","name":"User","endpoint":"/Users","schema":"` + SchemaUser + `",
 "schemaExtensions":[{"schema":"` + ExtensionGatehouse + `","required":false}],"meta":{"resourceType":"ResourceType"}},
{"schemas":["` + SchemaResourceType + `"],"id":"Group","name":"Group","endpoint":"/Groups","schema":"` + SchemaGroup + `","meta":{"resourceType":"ResourceType"}}]}`)}

// attr is one attribute of a schema document.
func attr(name, typ string, multi, required bool, mutability, uniqueness string) map[string]any {
	return map[string]any{"name": name, "type": typ, "multiValued": multi, "required": required,
		"caseExact": false, "mutability": mutability, "returned": "default", "uniqueness": uniqueness}
}

// Schemas lists the attributes Gatehouse keeps of User and Group (RFC
// 7643 section 7): what it reads and answers, the rest being ignored.
// Built at its first request, not at every cold start.
var Schemas = sync.OnceValue(func() Doc {
	value := []any{attr("value", "string", false, true, "readWrite", "none"), attr("display", "string", false, false, "readOnly", "none")}
	user := map[string]any{
		"schemas": []string{SchemaSchema}, "id": SchemaUser, "name": "User", "description": "A member of the org, or a pending invite",
		"attributes": []any{
			attr("userName", "string", false, true, "immutable", "server"),
			attr("displayName", "string", false, false, "readOnly", "none"),
			attr("active", "boolean", false, false, "readWrite", "none"),
			func() map[string]any {
				a := attr("emails", "complex", true, false, "readOnly", "none")
				a["subAttributes"] = value
				return a
			}(),
			func() map[string]any {
				a := attr("roles", "complex", true, false, "readWrite", "none")
				a["subAttributes"] = value
				return a
			}(),
			func() map[string]any {
				a := attr("groups", "complex", true, false, "readOnly", "none")
				a["subAttributes"] = value
				return a
			}(),
		},
		"meta": map[string]any{"resourceType": "Schema"},
	}
	group := map[string]any{
		"schemas": []string{SchemaSchema}, "id": SchemaGroup, "name": "Group", "description": "A group of the org",
		"attributes": []any{
			attr("displayName", "string", false, true, "immutable", "server"),
			func() map[string]any {
				a := attr("members", "complex", true, false, "readWrite", "none")
				a["subAttributes"] = value
				return a
			}(),
		},
		"meta": map[string]any{"resourceType": "Schema"},
	}
	b, _ := json.Marshal(map[string]any{"schemas": []string{SchemaListResponse}, "totalResults": 2, "startIndex": 1,
		"itemsPerPage": 2, "Resources": []any{user, group}})
	return Doc{json.RawMessage(b)}
})
