// Command infra is the Gatehouse CDK app: it synthesizes one stack,
// Gatehouse-<stage>, into cdk.out at the repository root.
//
// The CDK CLI runs it through cdk.json ("cd infra && go run ."), passing the
// context and the output directory in its environment. It also runs on its own,
// with no CLI installed: `go run . -c stage=prod` reads the context of the
// repository's cdk.json, applies the -c overrides and writes ../cdk.out. That
// is what `make synth` uses, so synthesizing needs Go and Node.js only.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var overrides contextFlags
	fs := flag.NewFlagSet("infra", flag.ContinueOnError)
	fs.Var(&overrides, "c", "context `key=value` (repeatable), as cdk -c")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}

	appProps := &awscdk.AppProps{}
	if os.Getenv("CDK_OUTDIR") == "" {
		// Not under the CDK CLI: do what it would do for us.
		ctx, err := cdkJSONContext(filepath.Join(root, "cdk.json"))
		if err != nil {
			return err
		}
		for k, v := range overrides {
			ctx[k] = v
		}
		// As the CLI does: asset metadata lets `sam local invoke` find code.
		ctx["aws:cdk:enable-asset-metadata"] = true
		// Path metadata marks the template as CDK-made for SAM (and names
		// constructs in CloudFormation errors).
		ctx["aws:cdk:enable-path-metadata"] = true
		appProps.Context = &ctx
		appProps.Outdir = jsii.String(filepath.Join(root, "cdk.out"))
	} else {
		if len(overrides) > 0 {
			return fmt.Errorf("-c flags are for standalone runs; pass context to the cdk CLI instead")
		}
		// The CLI names its output directory relative to where it runs, the
		// repository root, and cdk.json runs the app from infra/.
		if out := os.Getenv("CDK_OUTDIR"); !filepath.IsAbs(out) {
			appProps.Outdir = jsii.String(filepath.Join(root, out))
		}
	}

	app := awscdk.NewApp(appProps)
	props, err := propsFromContext(app, root)
	if err != nil {
		return err
	}
	if err := checkBuild(props.BuildDir); err != nil {
		return err
	}
	NewGatehouseStack(app, StackName(props.Stage), props)
	app.Synth(nil)
	return nil
}

// contextFlags collects repeated -c key=value flags.
type contextFlags map[string]any

func (c *contextFlags) String() string { return fmt.Sprint(map[string]any(*c)) }

func (c *contextFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("context %q: want key=value", s)
	}
	if *c == nil {
		*c = contextFlags{}
	}
	(*c)[k] = v
	return nil
}
