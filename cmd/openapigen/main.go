// Command openapigen writes Gatehouse's OpenAPI document and its typed Go
// client from the code: every function's mux lists its endpoints (route,
// the Go types its handler decodes and encodes, the success status), and
// shared/openapi turns them into an OpenAPI 3.1 document; oapi-codegen
// turns the document into the client.
//
//	go run ./cmd/openapigen            (make generate) writes both files
//	go run ./cmd/openapigen -check     fails when a committed file is stale
//
// Run it from the repository root.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/accounts"
	"github.com/gatehouse-dev/gatehouse/shared/activation"
	"github.com/gatehouse-dev/gatehouse/shared/admin"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/audit"
	"github.com/gatehouse-dev/gatehouse/shared/groups"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/limits"
	"github.com/gatehouse-dev/gatehouse/shared/members"
	"github.com/gatehouse-dev/gatehouse/shared/openapi"
	"github.com/gatehouse-dev/gatehouse/shared/resources"
	"github.com/gatehouse-dev/gatehouse/shared/roles"
	"github.com/gatehouse-dev/gatehouse/shared/suborgs"
	"github.com/gatehouse-dev/gatehouse/shared/tokens"
	"github.com/invopop/jsonschema"
)

// The generated files, relative to the repository root.
const (
	DocumentPath = "shared/openapi/openapi.json"
	ClientPath   = "client/client.gen.go"
)

// modulePath is the module of go.mod, for Go doc comments' type names.
const modulePath = "github.com/gatehouse-dev/gatehouse"

func main() {
	check := flag.Bool("check", false, "fail when a committed file is not what the code generates, write nothing")
	flag.Parse()
	files, err := Generate(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapigen:", err)
		os.Exit(1)
	}
	stale := false
	for _, f := range files {
		old, _ := os.ReadFile(f.Path)
		if bytes.Equal(old, f.Data) {
			continue
		}
		if *check {
			fmt.Fprintf(os.Stderr, "openapigen: %s is stale; run make generate\n", f.Path)
			stale = true
			continue
		}
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "openapigen:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(f.Path, f.Data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "openapigen:", err)
			os.Exit(1)
		}
		fmt.Println("wrote", f.Path)
	}
	if stale {
		os.Exit(1)
	}
}

// File is one generated file.
type File struct {
	Path string
	Data []byte
}

// Generate builds the document and the client. root is the repository
// root: the Go doc comments and the gatehouse.Reason* constants are read
// from its sources.
func Generate(root string) ([]File, error) {
	comments := jsonschema.Reflector{}
	if err := inDir(root, func() error { return comments.AddGoComments(modulePath, "shared") }); err != nil {
		return nil, fmt.Errorf("read doc comments: %w", err)
	}
	reasons, err := Reasons(filepath.Join(root, "shared", "gatehouse"))
	if err != nil {
		return nil, err
	}
	doc, err := openapi.Generate(Endpoints(), openapi.Options{
		Version:  "1.0.0",
		Servers:  Servers,
		Reasons:  reasons,
		Comments: comments.CommentMap,
	})
	if err != nil {
		return nil, err
	}
	client, err := generateClient(doc)
	if err != nil {
		return nil, err
	}
	return []File{
		{Path: filepath.Join(root, DocumentPath), Data: doc},
		{Path: filepath.Join(root, ClientPath), Data: client},
	}, nil
}

// Servers are where the API runs.
var Servers = []openapi.Server{
	{URL: "https://{apiId}.execute-api.{region}.amazonaws.com", Description: "A deployed stage (make deploy prints its URL).",
		Variables: map[string]openapi.ServerVariable{
			"apiId":  {Default: "abc123defg", Description: "The HTTP API's id."},
			"region": {Default: "eu-west-1", Description: "The AWS region of the stage."},
		}},
	{URL: "http://127.0.0.1:8080", Description: "The local stack (make run)."},
}

// Endpoints lists the endpoints of every HTTP function, from the muxes the
// functions serve (built without services: registration only).
func Endpoints() []apigw.Endpoint {
	muxes := []*apigw.Mux{
		accounts.NewMeMux(nil, nil),
		accounts.NewOrgsMux(nil, nil, func(m *apigw.Mux) { suborgs.Register(m, nil) }),
		members.NewMux(nil, nil),
		invites.NewMux(nil, nil),
		activation.NewMux(nil, nil),
		roles.NewMux(nil, nil),
		groups.NewMux(nil, nil),
		resources.NewMux(nil, nil),
		tokens.NewMux(nil, nil),
		limits.NewMux(nil, nil),
		audit.NewMux(nil, nil),
		admin.NewMux(nil, nil),
	}
	var out []apigw.Endpoint
	for _, m := range muxes {
		out = append(out, m.Endpoints()...)
	}
	return out
}

// Reasons reads the values of the Reason* constants of the gatehouse
// package's sources in dir: the reasons a problem may carry.
func Reasons(dir string) ([]string, error) {
	fset := token.NewFileSet()
	matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, path := range matches {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return nil, fmt.Errorf("read reasons: %w", err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Reason") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						return nil, fmt.Errorf("read reasons: %s is not a string literal", name.Name)
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						return nil, err
					}
					out = append(out, v)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read reasons: no Reason* constant in %s", dir)
	}
	sort.Strings(out)
	return out, nil
}

// inDir runs fn with dir as the working directory: the doc comment reader
// names packages after paths relative to it.
func inDir(dir string, fn func() error) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if err := os.Chdir(dir); err != nil {
		return err
	}
	defer func() { _ = os.Chdir(wd) }()
	return fn()
}
