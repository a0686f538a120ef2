// Package openapi holds Gatehouse's OpenAPI 3.1 document and builds it.
//
// The document is generated, never written by hand: Generate reflects the
// Go types every handler decodes and encodes (the endpoints its mux
// registered, apigw.Endpoint) into JSON Schemas, and lays them out over the
// route table (shared/routes): paths, parameters, bodies, the statuses each
// route can answer, security. cmd/openapigen runs it over every function's
// mux and writes openapi.json here, which the `me` function embeds and
// serves at GET /v1/openapi.json; a test there fails when the committed
// document is not what the code generates (docs/errors.md lists the error
// codes and reasons the document declares).
package openapi

import (
	_ "embed"
	"encoding/json"
)

//go:embed openapi.json
var document []byte

// JSON returns the committed OpenAPI document. The slice is shared: callers
// must not modify it.
func JSON() Doc { return document }

// Doc is the document as a handler answers it: JSON() as is.
type Doc json.RawMessage

// MarshalJSON answers the document's own bytes.
func (d Doc) MarshalJSON() ([]byte, error) { return d, nil }
