package scim

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// PatchInput is the body of a SCIM PATCH (RFC 7644 section 3.5.2). Okta
// and Entra differ in how they write it, and both are read: op in any
// case ("replace", "Replace"), a path or none (then the value is an object
// of attributes), booleans as JSON or as strings ("False"), and paths with
// value filters (members[value eq "..."], emails[type eq "work"].value).
type PatchInput struct {
	Schemas    []string         `json:"schemas"`
	Operations []PatchOperation `json:"Operations"`
}

// PatchOperation is one operation of a PATCH.
type PatchOperation struct {
	Op    string          `json:"op"`
	Path  string          `json:"path,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

// OpenAPISchema documents the body; it is read leniently (unknown
// attributes are ignored), as SCIM clients expect.
func (PatchInput) OpenAPISchema() map[string]any {
	return map[string]any{
		"type":     "object",
		"required": []any{"Operations"},
		"properties": map[string]any{
			"schemas": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			"Operations": map[string]any{"type": "array", "items": map[string]any{
				"type":     "object",
				"required": []any{"op"},
				"properties": map[string]any{
					"op":    map[string]any{"type": "string", "description": "add, replace or remove, in any case"},
					"path":  map[string]any{"type": "string"},
					"value": map[string]any{},
				},
			}},
		},
	}
}

// UnmarshalJSON reads the body leniently: SCIM clients send attributes
// Gatehouse does not keep.
func (p *PatchInput) UnmarshalJSON(b []byte) error {
	type plain PatchInput
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return gatehouse.Invalid(gatehouse.FieldError{Field: fieldBody, Message: "not a SCIM PatchOp: " + err.Error()})
	}
	*p = PatchInput(v)
	return nil
}

func (p *PatchInput) validate() error {
	var v gatehouse.Validator
	v.Check(len(p.Operations) > 0, "Operations", "at least one operation is required")
	v.Check(len(p.Operations) <= 100, "Operations", "at most 100 operations")
	for i := range p.Operations {
		op := strings.ToLower(strings.TrimSpace(p.Operations[i].Op))
		p.Operations[i].Op = op
		v.Check(op == "add" || op == "replace" || op == "remove", "op", "must be add, replace or remove (any case), not %q", p.Operations[i].Op)
		v.Check(op != "remove" || p.Operations[i].Path != "", fieldNoTarget, "a remove needs a path")
	}
	return v.Err()
}

// boolValue reads a SCIM boolean: JSON true or false, or the strings
// "True" and "False" in any case (Entra sends those).
func boolValue(raw json.RawMessage, field string) (bool, error) {
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, gatehouse.Invalid(gatehouse.FieldError{Field: field, Message: "must be a boolean"})
}

// values reads a multi-valued attribute's values: [{"value": "x"}, ...],
// a single {"value": "x"}, ["x", ...] or "x".
func values(raw json.RawMessage, field string) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	type entry struct {
		Value json.RawMessage `json:"value"`
	}
	var list []json.RawMessage
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: field, Message: "must be a list of values"})
		}
	} else {
		list = []json.RawMessage{raw}
	}
	var out []string
	for _, item := range list {
		var s string
		if err := json.Unmarshal(item, &s); err == nil {
			out = append(out, s)
			continue
		}
		var e entry
		if err := json.Unmarshal(item, &e); err != nil || json.Unmarshal(e.Value, &s) != nil || s == "" {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: field, Message: `each value must be {"value": "..."}`})
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// pathValueFilter splits a path with a value filter, members[value eq
// "x"], into the attribute ("members") and the value it names ("x"); ok
// is false when the path has no filter.
func pathValueFilter(path string) (attr, value string, ok bool, err error) {
	open := strings.IndexByte(path, '[')
	if open < 0 {
		return strings.ToLower(path), "", false, nil
	}
	end := strings.LastIndexByte(path, ']')
	if end < open {
		return "", "", false, gatehouse.Invalid(gatehouse.FieldError{Field: fieldPath, Message: "unbalanced [ ] in the path"})
	}
	f, ferr := ParseFilter(path[open+1 : end])
	if ferr != nil || f == nil || f.Attr != "value" {
		return "", "", false, gatehouse.Invalid(gatehouse.FieldError{Field: fieldPath, Message: `a value filter must read [value eq "..."]`})
	}
	attr = strings.ToLower(path[:open])
	if sub := path[end+1:]; sub != "" {
		attr += strings.ToLower(sub) // members[value eq "x"].display
	}
	return attr, f.Value, true, nil
}
