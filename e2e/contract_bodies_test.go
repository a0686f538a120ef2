package e2e

// Bodies of the contract check. kin-openapi validates a 3.1 document's
// bodies with a JSON Schema 2020-12 validator it compiles anew for every
// body, parameter and header, which was a sixth of the end-to-end suite's
// time. The harness compiles each body schema of the document once, where
// the document states it (its JSON pointer, so $refs resolve as written),
// with the same JSON Schema library, formats asserted, and lets
// kin-openapi check the rest of the exchange (route, parameters, status,
// headers) with its own validator (checkWithoutCompiling).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/shared/openapi"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const docURL = "mem://openapi.json"

// bodySchemas compiles body schemas by their pointer in the document.
type bodySchemas struct {
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

func newBodySchemas() (*bodySchemas, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(openapi.JSON()))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, doc); err != nil {
		return nil, err
	}
	return &bodySchemas{compiler: c, compiled: map[string]*jsonschema.Schema{}}, nil
}

// schema returns the compiled schema at a JSON pointer of the document.
func (b *bodySchemas) schema(pointer string) (*jsonschema.Schema, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.compiled[pointer]; ok {
		return s, nil
	}
	s, err := b.compiler.Compile(docURL + "#" + pointer)
	if err != nil {
		return nil, fmt.Errorf("compile the schema at %s: %w", pointer, err)
	}
	b.compiled[pointer] = s
	return s, nil
}

// validate checks a JSON body against the schema at pointer.
func (b *bodySchemas) validate(pointer string, body []byte) error {
	s, err := b.schema(pointer)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the body is not JSON: %w", err)
	}
	return s.Validate(v)
}

// esc escapes one JSON pointer token (RFC 6901).
func esc(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// operationPointer is the pointer of a route's operation in the document.
func operationPointer(route *routers.Route) string {
	return "/paths/" + esc(route.Path) + "/" + strings.ToLower(route.Method)
}

// mediaKey finds the document's key of the media type content.Get chose
// for contentType; "" when the document declares no such content.
func mediaKey(content openapi3.Content, contentType string) string {
	mt := content.Get(contentType)
	if mt == nil {
		return ""
	}
	for k, v := range content {
		if v == mt {
			return k
		}
	}
	return ""
}

// requestBodyError is what the document says of a request's body: nil
// when the operation takes the body, sent with its content type.
func (c *contract) requestBodyError(route *routers.Route, req *http.Request, body []byte) error {
	rb := route.Operation.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	if len(body) == 0 {
		if rb.Value.Required {
			return errors.New("request body: value is required but missing")
		}
		return nil
	}
	key := mediaKey(rb.Value.Content, req.Header.Get("Content-Type"))
	if key == "" {
		return fmt.Errorf("request body: header Content-Type has unexpected value %q", req.Header.Get("Content-Type"))
	}
	if rb.Value.Content[key].Schema == nil {
		return nil
	}
	base := operationPointer(route) + "/requestBody"
	if rb.Ref != "" {
		base = strings.TrimPrefix(rb.Ref, "#")
	}
	if err := c.bodies.validate(base+"/content/"+esc(key)+"/schema", body); err != nil {
		return fmt.Errorf("request body doesn't match the schema: %w", err)
	}
	return nil
}

// responseBodyError is what the document says of a response's body, once
// kin-openapi has accepted its status and headers.
func (c *contract) responseBodyError(route *routers.Route, status int, header http.Header, body []byte) error {
	if route.Method == http.MethodHead {
		return nil
	}
	responses := route.Operation.Responses
	ref := responses.Status(status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil || len(ref.Value.Content) == 0 {
		return nil // kin-openapi judged the status
	}
	key := mediaKey(ref.Value.Content, header.Get("Content-Type"))
	if key == "" {
		return fmt.Errorf("response: content type %q is not declared", header.Get("Content-Type"))
	}
	if ref.Value.Content[key].Schema == nil {
		return nil
	}
	base := ""
	if ref.Ref != "" {
		base = strings.TrimPrefix(ref.Ref, "#")
	} else {
		for code, r := range responses.Map() {
			if r == ref {
				base = operationPointer(route) + "/responses/" + esc(code)
			}
		}
		if base == "" {
			return errors.New("response: its place in the document not found (status " + strconv.Itoa(status) + ")")
		}
	}
	if err := c.bodies.validate(base+"/content/"+esc(key)+"/schema", body); err != nil {
		return fmt.Errorf("response body doesn't match the schema: %w", err)
	}
	return nil
}

// plainKeywords are the schema keywords kin-openapi's own validator reads
// as JSON Schema 2020-12 does (or ignores as annotations).
var plainKeywords = map[string]bool{"type": true, "format": true, "enum": true, "default": true, "examples": true,
	"description": true, "minLength": true, "maxLength": true, "minimum": true, "maximum": true, "pattern": true}

// checkWithoutCompiling makes kin-openapi validate parameters and headers
// with its own validator instead of compiling a JSON Schema 2020-12
// validator for every value: it marks the document 3.0 for kin-openapi,
// once every parameter and response header schema is shown to use only
// plainKeywords and a single type, where the two validators agree. Bodies
// are checked here, as 3.1 (bodySchemas).
func checkWithoutCompiling(doc *openapi3.T) error {
	check := func(where string, s *openapi3.SchemaRef) error {
		if s == nil || s.Value == nil {
			return nil
		}
		raw, err := json.Marshal(s.Value)
		if err != nil {
			return err
		}
		var kw map[string]any
		if err := json.Unmarshal(raw, &kw); err != nil {
			return err
		}
		for k, v := range kw {
			if _, isList := v.([]any); !plainKeywords[k] || (k == "type" && isList) {
				return fmt.Errorf("contract: %s's schema uses %q, which kin-openapi's own validator may read otherwise: validate it as a body is", where, k)
			}
		}
		return nil
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range append(item.Parameters, op.Parameters...) {
				if err := check(method+" "+path+" parameter "+p.Value.Name, p.Value.Schema); err != nil {
					return err
				}
			}
			for code, r := range op.Responses.Map() {
				for name, h := range r.Value.Headers {
					if err := check(method+" "+path+" "+code+" header "+name, h.Value.Schema); err != nil {
						return err
					}
				}
			}
		}
	}
	doc.OpenAPI = "3.0.3"
	return nil
}
