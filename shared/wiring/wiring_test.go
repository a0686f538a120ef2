package wiring_test

import (
	"context"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/wiring"
)

const module = "github.com/gatehouse-dev/gatehouse/"

// TestEveryFunctionBuilds builds each function of the route table against
// unreachable endpoints (nothing is called while building): HTTP functions
// give a mux serving every route the table gives them, the others a
// handler.
func TestEveryFunctionBuilds(t *testing.T) {
	cons := wiring.Constructors()
	if len(cons) != len(routes.AllFunctions) {
		t.Errorf("%d constructors for %d functions", len(cons), len(routes.AllFunctions))
	}
	d := app.NewDeps(app.Config{
		Region: "us-east-1", Table: "t", UserPoolID: "us-east-1_x", ClientID: "c",
		DynamoDBEndpoint: "http://127.0.0.1:1", CognitoEndpoint: "http://127.0.0.1:1",
		Issuer: "http://127.0.0.1:1/us-east-1_x", JWKSURL: "http://127.0.0.1:1/jwks.json",
		OutboxDir: t.TempDir(), ResourceTypes: authz.DefaultResourceTypes,
	})
	built, err := wiring.Build(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range routes.AllFunctions {
		f := built[name]
		isHTTP := slices.Contains(routes.HTTPFunctions, name)
		switch {
		case name == routes.FnNotFound:
			if _, ok := f.Handler.(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)); !ok {
				t.Errorf("%s: handler %T, want an HTTP API handler", name, f.Handler)
			}
		case isHTTP && f.Mux == nil:
			t.Errorf("%s: an HTTP function built without a mux", name)
		case isHTTP:
			if missing := f.Mux.Missing(); len(missing) > 0 {
				t.Errorf("%s: no handler for %v", name, missing)
			}
		case f.Handler == nil || f.Mux != nil:
			t.Errorf("%s: want a handler and no mux, got %+v", name, f)
		}
		if f.LambdaHandler() == nil {
			t.Errorf("%s: no Lambda handler", name)
		}
	}
}

// TestMainsAreOneLine checks that every functions/<name>/main.go is the
// function of the route table of that name, started with its own
// constructor (and so links no other function's).
func TestMainsAreOneLine(t *testing.T) {
	dirs, err := filepath.Glob("../../functions/*/main.go")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no mains found: %v", err)
	}
	var names []string
	for _, path := range dirs {
		name := filepath.Base(filepath.Dir(path))
		names = append(names, name)
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		var imports []string
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p != "time/tzdata" {
				imports = append(imports, p)
			}
		}
		want := []string{module + "shared/app", module + "shared/wiring/" + name}
		if !slices.Equal(imports, want) {
			t.Errorf("%s imports %v, want only %v", path, imports, want)
		}
		if !strings.Contains(string(src), "func main() { app.Start("+name+".New) }") {
			t.Errorf("%s: main is not app.Start(%s.New)", path, name)
		}
	}
	slices.Sort(names)
	all := slices.Sorted(slices.Values(routes.AllFunctions))
	if !slices.Equal(names, all) {
		t.Errorf("functions/ holds %v, the route table %v", names, all)
	}
}

// TestNothingImportsTheWiring checks the direction of the dependencies:
// use cases and adapters (shared/*) never import app or the wiring.
func TestNothingImportsTheWiring(t *testing.T) {
	files, err := filepath.Glob("../*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		pkg := filepath.Base(filepath.Dir(path))
		if pkg == "app" || pkg == "wiring" {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == module+"shared/app" || strings.HasPrefix(p, module+"shared/wiring") {
				t.Errorf("%s imports %s: the wiring imports use cases and adapters, not the reverse", path, p)
			}
		}
	}
}
