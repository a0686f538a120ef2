package scim

import "encoding/json"

// rawJSON is a raw JSON value of a PATCH.
type rawJSON = json.RawMessage

func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
