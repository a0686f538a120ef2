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

	"github.com/gatehouse-dev/gatehouse/shared/authz"
)

//go:embed openapi.json
var document []byte

// JSON returns the committed OpenAPI document. The slice is shared: callers
// must not modify it.
func JSON() []byte { return document }

// Document returns the committed document decoded, for handlers that
// answer it as a JSON value. The catalogue is not used: the document lists
// the permissions of no deployment (GET /v1/permissions does).
//
// Deprecated: answer JSON() as a json.RawMessage.
func Document(_ *authz.Catalogue) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(document, &m); err != nil {
		panic("openapi: the embedded document is not JSON: " + err.Error())
	}
	return m
}
