package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// generated runs the generator once for the package's tests.
var generated = sync.OnceValues(func() ([]File, error) { return Generate("../..") })

// TestCommittedFilesAreCurrent fails when the committed document or client
// is not what the code generates: run `make generate` and commit both.
func TestCommittedFilesAreCurrent(t *testing.T) {
	files, err := generated()
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	for _, f := range files {
		old, err := os.ReadFile(f.Path)
		if err != nil {
			t.Errorf("%s: %v; run make generate", f.Path, err)
			continue
		}
		if !bytes.Equal(old, f.Data) {
			t.Errorf("%s is stale (%s); run make generate", f.Path, firstDiff(old, f.Data))
		}
	}
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d: committed %q, generated %q", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("committed %d lines, generated %d", len(al), len(bl))
}

// TestEveryBodyDeclaresItsProperties: every request body and every 2xx
// response body of the document is an object listing its properties (a
// list's items included), never a bare {"type": "object"}.
func TestEveryBodyDeclaresItsProperties(t *testing.T) {
	files, err := generated()
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	var doc struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(files[0].Data, &doc); err != nil {
		t.Fatal(err)
	}
	resolve := func(s map[string]any) map[string]any {
		if ref, ok := s["$ref"].(string); ok {
			return doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
		}
		return s
	}
	checkBody := func(what string, content any) {
		t.Helper()
		media, _ := content.(map[string]any)["application/json"].(map[string]any)
		if media == nil { // the SCIM routes' media type (docs/scim.md)
			media, _ = content.(map[string]any)["application/scim+json"].(map[string]any)
		}
		if media == nil {
			t.Errorf("%s: no application/json content", what)
			return
		}
		s := resolve(media["schema"].(map[string]any))
		if s["type"] == "array" {
			s = resolve(s["items"].(map[string]any))
		}
		if props, _ := s["properties"].(map[string]any); len(props) == 0 {
			t.Errorf("%s: schema %v declares no properties", what, s)
		}
		if media["example"] == nil {
			t.Errorf("%s: no example", what)
		}
	}
	n := 0
	for _, r := range routes.Table {
		op := doc.Paths[r.Path][strings.ToLower(r.Method)]
		if op == nil {
			t.Errorf("%s is not in the document", r.Key())
			continue
		}
		n++
		if rb, ok := op["requestBody"].(map[string]any); ok {
			checkBody(r.Key()+" request", rb["content"])
		}
		for status, resp := range op["responses"].(map[string]any) {
			if !strings.HasPrefix(status, "2") || status == "204" {
				continue
			}
			checkBody(r.Key()+" "+status, resp.(map[string]any)["content"])
		}
		if r.Access != routes.Public {
			for _, s := range []string{"401", "403"} {
				if op["responses"].(map[string]any)[s] == nil {
					t.Errorf("%s does not declare %s", r.Key(), s)
				}
			}
		}
	}
	if n != len(routes.Table) {
		t.Errorf("%d operations, want %d", n, len(routes.Table))
	}
}

func TestReasonsAreTheGatehouseConstants(t *testing.T) {
	got, err := Reasons("../../shared/gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{gatehouse.ReasonDisabled, gatehouse.ReasonMissingPerm, gatehouse.ReasonNotPlatformAdmin, gatehouse.ReasonUnauthenticated} {
		if !slices.Contains(got, want) {
			t.Errorf("Reasons = %v, missing %q", got, want)
		}
	}
}

// TestPageLimitsMatchTheCode: the limit parameter the document states is
// the one apigw.PageQuery enforces.
func TestPageLimitsMatchTheCode(t *testing.T) {
	files, err := generated()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string         `json:"name"`
				Schema map[string]any `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(files[0].Data, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, ops := range doc.Paths {
		for _, p := range ops["get"].Parameters {
			if p.Name != "limit" {
				continue
			}
			n++
			if p.Schema["maximum"] != float64(apigw.MaxPageLimit) || p.Schema["default"] != float64(apigw.DefaultPageLimit) || p.Schema["minimum"] != float64(1) {
				t.Errorf("GET %s limit %v, want 1 to %d, default %d", path, p.Schema, apigw.MaxPageLimit, apigw.DefaultPageLimit)
			}
		}
	}
	if n == 0 {
		t.Errorf("no list takes a limit")
	}
}

// TestErrorsDocListsEveryCodeAndReason: docs/errors.md, which says what a
// client should do about each refusal, names every code and reason the
// document declares.
func TestErrorsDocListsEveryCodeAndReason(t *testing.T) {
	doc, err := os.ReadFile("../../docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	reasons, err := Reasons("../../shared/gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	names := reasons
	for c := range gatehouse.HTTPStatus {
		names = append(names, string(c))
	}
	for _, n := range names {
		if !strings.Contains(string(doc), "| `"+n+"` |") {
			t.Errorf("docs/errors.md has no row for `%s`", n)
		}
	}
}
