package scim

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Value is one value of a multi-valued attribute (roles, groups, members).
type Value struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// Name is a user's name; Gatehouse keeps one formatted name.
type Name struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

// Meta is a resource's metadata (RFC 7643 section 3.1).
type Meta struct {
	ResourceType string    `json:"resourceType"`
	Created      time.Time `json:"created,omitzero"`
	LastModified time.Time `json:"lastModified,omitzero"`
}

// ExtensionGatehouse is the URN of Gatehouse's extension of User.
const ExtensionGatehouse = "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User"

// UserExtension says what a SCIM User is in Gatehouse: a member, or an
// invite its email has not accepted yet (rule 11).
type UserExtension struct {
	// State is "member" or "invited".
	State string `json:"state" jsonschema:"enum=member,enum=invited"`
	// AccountStatus is the account's own status (pending until activated).
	AccountStatus gatehouse.Status `json:"accountStatus,omitempty"`
	// InviteExpiresAt is when a pending invite expires.
	InviteExpiresAt *time.Time `json:"inviteExpiresAt,omitempty"`
}

// User is a SCIM User: a member of the org, or an invite (id inv_...).
// userName is the email, Gatehouse's login. active is the membership's
// status, never the account's: an org disables its membership, not the
// person's account.
type User struct {
	Schemas     []string       `json:"schemas"`
	ID          string         `json:"id"`
	UserName    string         `json:"userName"`
	DisplayName string         `json:"displayName,omitempty"`
	Name        *Name          `json:"name,omitempty"`
	Active      bool           `json:"active"`
	Emails      []Value        `json:"emails"`
	Roles       []Value        `json:"roles"`
	Groups      []Value        `json:"groups"`
	Meta        Meta           `json:"meta"`
	Gatehouse   *UserExtension `json:"urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User,omitempty"`
}

// Group is a SCIM Group: a group of the org.
type Group struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	Members     []Value  `json:"members,omitempty"`
	Meta        Meta     `json:"meta"`
}

// ListResponse is a SCIM list (RFC 7644 section 3.4.2).
type ListResponse[T any] struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []T      `json:"Resources"`
}

func newList[T any](items []T, total, start int) ListResponse[T] {
	if items == nil {
		items = []T{}
	}
	return ListResponse[T]{Schemas: []string{SchemaListResponse}, TotalResults: total, StartIndex: start,
		ItemsPerPage: len(items), Resources: items}
}

// UserInput is the body of POST and PUT /Users, read leniently: a SCIM
// client sends attributes Gatehouse does not keep (externalId, name parts,
// locale, enterprise extensions...), and they are ignored.
type UserInput struct {
	UserName    string          `json:"userName"`
	DisplayName string          `json:"displayName,omitempty"`
	Name        *Name           `json:"name,omitempty"`
	Emails      []Value         `json:"emails,omitempty"`
	Active      json.RawMessage `json:"active,omitempty"`
	Roles       json.RawMessage `json:"roles,omitempty"`
	Password    string          `json:"password,omitempty"`
}

// OpenAPISchema documents the body: the attributes Gatehouse reads, any
// other allowed.
func (UserInput) OpenAPISchema() map[string]any {
	str := map[string]any{"type": "string"}
	vals := map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
		"value": str, "type": str, "primary": boolOrString()}}}
	return map[string]any{
		"type":     "object",
		"required": []any{"userName"},
		"properties": map[string]any{
			"schemas":     map[string]any{"type": "array", "items": str},
			"userName":    map[string]any{"type": "string", "description": "the user's email address, Gatehouse's login"},
			"displayName": str,
			"name":        map[string]any{"type": "object", "properties": map[string]any{"formatted": str, "givenName": str, "familyName": str}},
			"emails":      vals,
			"active":      boolOrString(),
			"roles":       vals,
			"password":    map[string]any{"type": "string", "description": "used only where the org may mint accounts (rule 11)"},
		},
	}
}

// UnmarshalJSON reads the body leniently.
func (u *UserInput) UnmarshalJSON(b []byte) error {
	type plain UserInput
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return gatehouse.Invalid(gatehouse.FieldError{Field: fieldBody, Message: "not a SCIM User: " + err.Error()})
	}
	*u = UserInput(v)
	return nil
}

// email is the user's email: userName, which must be one.
func (u *UserInput) email() (string, error) {
	e := strings.TrimSpace(u.UserName)
	if !gatehouse.ValidEmail(e) {
		return "", gatehouse.Invalid(gatehouse.FieldError{Field: "userName", Message: "must be the user's email address (Gatehouse's login)"})
	}
	return e, nil
}

// fullName is the name to give a new account.
func (u *UserInput) fullName() string {
	switch {
	case u.Name != nil && strings.TrimSpace(u.Name.Formatted) != "":
		return strings.TrimSpace(u.Name.Formatted)
	case u.Name != nil && strings.TrimSpace(u.Name.GivenName+" "+u.Name.FamilyName) != "":
		return strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName)
	}
	return strings.TrimSpace(u.DisplayName)
}

// GroupInput is the body of POST /Groups, read leniently.
type GroupInput struct {
	DisplayName string  `json:"displayName"`
	Members     []Value `json:"members,omitempty"`
}

// OpenAPISchema documents the body.
func (GroupInput) OpenAPISchema() map[string]any {
	str := map[string]any{"type": "string"}
	return map[string]any{
		"type":     "object",
		"required": []any{"displayName"},
		"properties": map[string]any{
			"schemas":     map[string]any{"type": "array", "items": str},
			"displayName": str,
			"members": map[string]any{"type": "array", "items": map[string]any{"type": "object",
				"required": []any{"value"}, "properties": map[string]any{"value": str, "display": str}}},
		},
	}
}

// UnmarshalJSON reads the body leniently.
func (g *GroupInput) UnmarshalJSON(b []byte) error {
	type plain GroupInput
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return gatehouse.Invalid(gatehouse.FieldError{Field: fieldBody, Message: "not a SCIM Group: " + err.Error()})
	}
	*g = GroupInput(v)
	return nil
}

// ListQuery is the query of a SCIM list (RFC 7644 section 3.4.2).
type ListQuery struct {
	Filter             string `query:"filter"`
	StartIndex         int    `query:"startIndex"`
	Count              int    `query:"count"`
	Attributes         string `query:"attributes"`
	ExcludedAttributes string `query:"excludedAttributes"`
}

// GetQuery is the query of a SCIM read.
type GetQuery struct {
	Attributes         string `query:"attributes"`
	ExcludedAttributes string `query:"excludedAttributes"`
}

// excludes reports whether excludedAttributes names attr.
func excludes(excluded, attr string) bool {
	for _, a := range strings.Split(excluded, ",") {
		if strings.EqualFold(strings.TrimSpace(a), attr) {
			return true
		}
	}
	return false
}

// MaxCount is the largest page a SCIM list answers.
const MaxCount = 100

// window is a list's startIndex (1-based) and count, as RFC 7644 section
// 3.4.2.4 reads them: below 1 is 1; above MaxCount is MaxCount. A count
// of 0 or none is MaxCount: no client sends 0 to count alone, and
// totalResults is in every answer.
func (q ListQuery) window() (start, count int) {
	start, count = q.StartIndex, q.Count
	if start < 1 {
		start = 1
	}
	if count <= 0 || count > MaxCount {
		count = MaxCount
	}
	return start, count
}

// boolOrString is a SCIM boolean as clients send it: true, or "True".
func boolOrString() map[string]any {
	return map[string]any{"oneOf": []any{map[string]any{"type": "boolean"}, map[string]any{"type": "string"}}}
}
