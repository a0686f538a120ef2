package e2e

// The contract check: every request the harness sends and every response
// it receives is validated against the committed OpenAPI document
// (shared/openapi/openapi.json, what GET /v1/openapi.json serves), with
// kin-openapi's openapi3filter.
//
//   - A response must be declared by its operation: its status, its content
//     type and its body (a property the schema does not list, a wrong type,
//     a missing required property all fail the test).
//   - A request the document refuses (a missing required field, an unknown
//     one, a wrong type, a credential where the route takes none) must be
//     refused by the API too (4xx): the document never promises less than
//     the API checks.
//   - A request matching no operation must be answered 404 or 405 with a
//     problem.
//
// Paths under /local/ are the local stack's own (the outbox), not the API.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/openapi"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// contract is the loaded document and its router, built once.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	bodies *bodySchemas // contract_bodies_test.go
}

var (
	contractOnce sync.Once
	theContract  *contract
	contractErr  error
)

// apiContract loads the document for the running stack's URL.
func apiContract() (*contract, error) {
	contractOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder("application/problem+json", openapi3filter.JSONBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/scim+json", openapi3filter.JSONBodyDecoder) // SCIM
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(openapi.JSON())
		if err != nil {
			contractErr = fmt.Errorf("load the OpenAPI document: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			contractErr = fmt.Errorf("the OpenAPI document is not valid: %w", err)
			return
		}
		// The document names the deployed and local servers; the tests'
		// stack runs on a random port.
		doc.Servers = openapi3.Servers{{URL: stack().Info.APIURL}}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			contractErr = fmt.Errorf("route the OpenAPI document: %w", err)
			return
		}
		bodies, err := newBodySchemas()
		if err != nil {
			contractErr = fmt.Errorf("the OpenAPI document's schemas: %w", err)
			return
		}
		if err := checkWithoutCompiling(doc); err != nil {
			contractErr = err
			return
		}
		theContract = &contract{doc: doc, router: router, bodies: bodies}
	})
	return theContract, contractErr
}

// exchange is one request being checked; done checks its response.
type exchange struct {
	contract *contract
	input    *openapi3filter.RequestValidationInput
	reqErr   error
	skip     bool
	noRoute  bool
	describe string
}

// checkRequest validates a request about to be sent. body is what will be
// sent (the request's own body is left untouched).
func checkRequest(t testing.TB, req *http.Request, body []byte) *exchange {
	t.Helper()
	ex := &exchange{describe: req.Method + " " + req.URL.RequestURI()}
	if strings.HasPrefix(req.URL.Path, "/local/") {
		ex.skip = true
		return ex
	}
	c, err := apiContract()
	if err != nil {
		t.Fatalf("OpenAPI contract: %v", err)
	}
	clone := req.Clone(req.Context())
	clone.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := c.router.FindRoute(clone)
	if err != nil {
		ex.noRoute = true
		return ex
	}
	ex.contract = c
	ex.input = &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:  authenticate,
			SkipSettingDefaults: true,
			MultiError:          true,
			ExcludeRequestBody:  true, // contract_bodies_test.go
		},
	}
	ex.reqErr = errors.Join(openapi3filter.ValidateRequest(context.Background(), ex.input), c.requestBodyError(route, req, body))
	return ex
}

// authenticate says whether the request carries the credential a security
// scheme names: a Cognito access token (a JWT) or an API token (gha_...)
// as bearer, or an API token as ?token=.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	bearer, isBearer := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	switch in.SecuritySchemeName {
	case openapi.SchemeAccessToken:
		if isBearer && strings.Count(bearer, ".") == 2 {
			return nil
		}
	case openapi.SchemeAPIToken:
		if isBearer && strings.HasPrefix(bearer, "gha_") {
			return nil
		}
	case openapi.SchemeScimToken:
		if isBearer && strings.HasPrefix(bearer, "ghs_") {
			return nil
		}
	case openapi.SchemeQueryToken:
		if req.URL.Query().Get("token") != "" {
			return nil
		}
	case openapi.SchemeImpersonation:
		if isBearer && strings.HasPrefix(bearer, "ghm_") {
			return nil
		}
	}
	return fmt.Errorf("no %s credential", in.SecuritySchemeName)
}

// checkResponse validates the response of a checked request.
func (ex *exchange) checkResponse(t testing.TB, status int, header http.Header, body []byte) {
	t.Helper()
	if ex.skip {
		return
	}
	if ex.noRoute {
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			t.Errorf("contract: %s matches no operation of the document, yet the API answered %d %s", ex.describe, status, body)
			return
		}
		ex.checkProblem(t, header, body)
		return
	}
	if ex.reqErr != nil && status < 400 {
		t.Errorf("contract: the document refuses %s, yet the API answered %d:\n%v", ex.describe, status, ex.reqErr)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: ex.input,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: true},
	}
	err := openapi3filter.ValidateResponse(context.Background(), in)
	if err == nil {
		err = ex.contract.responseBodyError(ex.input.Route, status, header, body)
	}
	if err != nil {
		t.Errorf("contract: the response to %s does not match the document: %v\nstatus %d, body %s", ex.describe, err, status, body)
	}
}

// checkProblem validates a problem answered outside any operation.
func (ex *exchange) checkProblem(t testing.TB, header http.Header, body []byte) {
	t.Helper()
	c, _ := apiContract()
	if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); mt != "application/problem+json" {
		t.Errorf("contract: %s answered Content-Type %q, want application/problem+json", ex.describe, header.Get("Content-Type"))
		return
	}
	if !json.Valid(body) {
		t.Errorf("contract: %s answered a problem that is not JSON: %s", ex.describe, body)
		return
	}
	if err := c.bodies.validate("/components/schemas/Problem", body); err != nil {
		t.Errorf("contract: %s answered a problem that does not match the Problem schema: %v\nbody %s", ex.describe, err, body)
	}
}
