package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// The stacks are synthesized once for all tests: jsii start-up and synthesis
// dominate the run time.
var (
	devStack, prodStack *GatehouseStack
	devTpl, prodTpl     assertions.Template
)

func TestMain(m *testing.M) {
	// Any use of a deprecated CDK API throws instead of warning.
	os.Setenv("JSII_DEPRECATED", "fail")
	// Fake `make build` output: the stack only needs the directories.
	dir, err := os.MkdirTemp("", "gatehouse-build-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, fn := range routes.AllFunctions {
		if err := os.MkdirAll(filepath.Join(dir, fn), 0o755); err == nil {
			err = os.WriteFile(filepath.Join(dir, fn, "bootstrap"), []byte("#!/bin/sh\n"), 0o755)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	out, err := os.MkdirTemp("", "gatehouse-cdk-out-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The same context as `make synth`: cdk.json's feature flags change what
	// is synthesized.
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, err := cdkJSONContext(filepath.Join(root, "cdk.json"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: &out, Context: &ctx})
	devStack = NewGatehouseStack(app, StackName("dev"), testProps("dev", dir))
	prodStack = NewGatehouseStack(app, StackName("prod"), testProps("prod", dir))
	// Template_FromStack also refuses a template with a dependency cycle
	// (e.g. the triggers function naming its own pool), which CloudFormation
	// would only report at deploy time.
	devTpl = assertions.Template_FromStack(devStack.Stack, nil)
	prodTpl = assertions.Template_FromStack(prodStack.Stack, nil)

	code := m.Run()
	os.RemoveAll(dir)
	os.RemoveAll(out)
	os.Exit(code)
}

func testProps(stage, buildDir string) *GatehouseStackProps {
	return &GatehouseStackProps{
		Stage:            stage,
		BuildDir:         buildDir,
		CORSOrigins:      []string{"https://app.example.com"},
		EmailFrom:        "invites@example.com",
		AuthzCacheTTL:    "0s",
		ResourceTypes:    "device,dashboard",
		InviteEmailRule:  "same_domain",
		LogLevel:         "info",
		ThrottleRate:     50,
		ThrottleBurst:    100,
		DenialsThreshold: 100,
	}
}

// templates lists both stages for tests that hold for every stage.
func templates() map[string]assertions.Template {
	return map[string]assertions.Template{"dev": devTpl, "prod": prodTpl}
}

// resources returns the template's resources of one type by logical id.
func resources(tpl assertions.Template, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range (*tpl.ToJSON())["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func props(res map[string]any) map[string]any {
	p, _ := res["Properties"].(map[string]any)
	return p
}

// refID returns the logical id named by {"Ref": id} or {"Fn::GetAtt": [id, ...]}.
func refID(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if id, ok := m["Ref"].(string); ok {
		return id
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
		id, _ := ga[0].(string)
		return id
	}
	return ""
}

// functionID is the stable logical id of a function.
func functionID(fn string) string { return logicalName(fn) + "Function" }

// check turns an assertions panic (how jsii reports a failed match) into a
// test error.
func check(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v", r)
		}
	}()
	f()
}

// TestRoutes derives its expectations from routes.Table: a route added to
// the table that the stack does not serve, or serves without the
// authorizer, fails here.
func TestRoutes(t *testing.T) {
	for stage, tpl := range templates() {
		cfnRoutes := resources(tpl, "AWS::ApiGatewayV2::Route")
		integrations := resources(tpl, "AWS::ApiGatewayV2::Integration")
		authorizers := resources(tpl, "AWS::ApiGatewayV2::Authorizer")
		if len(authorizers) != 1 {
			t.Fatalf("%s: %d authorizers, want 1", stage, len(authorizers))
		}
		var authorizerID string
		for id := range authorizers {
			authorizerID = id
		}
		byKey := map[string][]map[string]any{}
		for _, r := range cfnRoutes {
			key, _ := props(r)["RouteKey"].(string)
			byKey[key] = append(byKey[key], props(r))
		}
		if got, want := len(cfnRoutes), len(routes.Table); got != want {
			t.Errorf("%s: %d routes in the template, want %d (one per routes.Table entry)", stage, got, want)
		}
		for _, r := range routes.Table {
			t.Run(stage+" "+r.Key(), func(t *testing.T) {
				found := byKey[r.Key()]
				if len(found) != 1 {
					t.Fatalf("routes with key %q: %d, want 1", r.Key(), len(found))
				}
				p := found[0]
				if r.Access == routes.Public {
					if p["AuthorizationType"] != "NONE" || p["AuthorizerId"] != nil {
						t.Errorf("public route: AuthorizationType %v, AuthorizerId %v; want NONE and none", p["AuthorizationType"], p["AuthorizerId"])
					}
				} else {
					if p["AuthorizationType"] != "CUSTOM" || refID(p["AuthorizerId"]) != authorizerID {
						t.Errorf("AuthorizationType %v, AuthorizerId %v; want CUSTOM and %s", p["AuthorizationType"], p["AuthorizerId"], authorizerID)
					}
				}
				// Target: {"Fn::Join": ["", ["integrations/", {"Ref": integration}]]}
				join := p["Target"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
				integ := integrations[refID(join[1])]
				if integ == nil {
					t.Fatalf("target %v names no integration", p["Target"])
				}
				ip := props(integ)
				if got, want := refID(ip["IntegrationUri"]), functionID(r.Function); got != want {
					t.Errorf("integration invokes %s, want %s", got, want)
				}
				if ip["PayloadFormatVersion"] != "2.0" {
					t.Errorf("payload format %v, want 2.0", ip["PayloadFormatVersion"])
				}
			})
		}
	}
}

func TestAuthorizer(t *testing.T) {
	for stage, tpl := range templates() {
		t.Run(stage, func(t *testing.T) {
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), &map[string]any{
					"AuthorizerType":                 "REQUEST",
					"AuthorizerPayloadFormatVersion": "2.0",
					"EnableSimpleResponses":          true,
					// No API Gateway cache: it cannot key on the org in the path.
					"AuthorizerResultTtlInSeconds": 0,
					// No identity source: ?token= requests must reach it.
					"IdentitySource": assertions.Match_ArrayEquals(&[]any{}),
					"AuthorizerUri": assertions.Match_ObjectLike(&map[string]any{
						"Fn::Join": assertions.Match_ArrayWith(&[]any{
							assertions.Match_ArrayWith(&[]any{map[string]any{"Fn::GetAtt": []any{functionID(routes.FnAuthorizer), "Arn"}}}),
						}),
					}),
				})
			})
		})
	}
}

func TestFunctions(t *testing.T) {
	for stage, tpl := range templates() {
		fns := resources(tpl, "AWS::Lambda::Function")
		// The console's deployment brings CDK's own helper functions
		// (console.go); they are not Gatehouse functions.
		for id := range fns {
			if strings.HasPrefix(id, "CustomCDKBucketDeployment") || strings.HasPrefix(id, "CustomS3AutoDeleteObjects") {
				delete(fns, id)
			}
		}
		if got, want := len(fns), len(routes.AllFunctions); got != want {
			t.Errorf("%s: %d functions, want %d", stage, got, want)
		}
		for _, name := range routes.AllFunctions {
			t.Run(stage+" "+name, func(t *testing.T) {
				res := fns[functionID(name)]
				if res == nil {
					t.Fatalf("no function %s", functionID(name))
				}
				p := props(res)
				if p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" {
					t.Errorf("runtime %v handler %v, want provided.al2023 bootstrap", p["Runtime"], p["Handler"])
				}
				if got := fmt.Sprint(p["Architectures"]); got != "[arm64]" {
					t.Errorf("architectures %s, want [arm64]", got)
				}
				if got := fmt.Sprint(p["TracingConfig"]); got != "map[Mode:Active]" {
					t.Errorf("tracing %s, want Active", got)
				}
				lc, _ := p["LoggingConfig"].(map[string]any)
				if lc["LogFormat"] != "JSON" || refID(lc["LogGroup"]) == "" {
					t.Errorf("logging %v, want JSON into the stack's log group", lc)
				}
				if p["MemorySize"] == nil || p["Timeout"] == nil {
					t.Errorf("memory %v timeout %v: want both set", p["MemorySize"], p["Timeout"])
				}
				env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
				want := []string{"GATEHOUSE_TABLE", "GATEHOUSE_AUTHZ_CACHE_TTL", "GATEHOUSE_EMAIL_FROM", "GATEHOUSE_PUBLIC_URL",
					"GATEHOUSE_RESOURCE_TYPES", "GATEHOUSE_INVITE_EMAIL_RULE", "GATEHOUSE_LOG_LEVEL"}
				if name != routes.FnTriggers {
					want = append(want, "GATEHOUSE_USER_POOL_ID", "GATEHOUSE_CLIENT_ID")
				}
				for _, k := range want {
					if env[k] == nil {
						t.Errorf("environment has no %s", k)
					}
				}
			})
		}
	}
}

func TestTable(t *testing.T) {
	var gsis []any
	for _, ix := range tabledef.Indexes {
		gsis = append(gsis, map[string]any{
			"IndexName":  ix.Name,
			"KeySchema":  []any{map[string]any{"AttributeName": ix.PartitionKey, "KeyType": "HASH"}, map[string]any{"AttributeName": ix.SortKey, "KeyType": "RANGE"}},
			"Projection": map[string]any{"ProjectionType": "ALL"},
		})
	}
	base := map[string]any{
		"KeySchema":                        []any{map[string]any{"AttributeName": tabledef.PK, "KeyType": "HASH"}, map[string]any{"AttributeName": tabledef.SK, "KeyType": "RANGE"}},
		"BillingMode":                      "PAY_PER_REQUEST",
		"GlobalSecondaryIndexes":           gsis,
		"TimeToLiveSpecification":          map[string]any{"AttributeName": tabledef.TTLAttribute, "Enabled": true},
		"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
	}
	tests := []struct {
		stage      string
		tpl        assertions.Template
		protected  bool
		deletion   string
		poolPolicy string
	}{
		{"prod", prodTpl, true, "Retain", "Retain"},
		{"dev", devTpl, false, "Delete", "Delete"},
	}
	for _, tt := range tests {
		t.Run(tt.stage, func(t *testing.T) {
			p := map[string]any{"DeletionProtectionEnabled": tt.protected}
			for k, v := range base {
				p[k] = v
			}
			check(t, func() {
				tt.tpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1))
				tt.tpl.HasResource(jsii.String("AWS::DynamoDB::Table"), &map[string]any{
					"Properties":     assertions.Match_ObjectLike(&p),
					"DeletionPolicy": tt.deletion,
				})
			})
			wantPool := "INACTIVE"
			if tt.protected {
				wantPool = "ACTIVE"
			}
			check(t, func() {
				tt.tpl.HasResource(jsii.String("AWS::Cognito::UserPool"), &map[string]any{
					"Properties":     assertions.Match_ObjectLike(&map[string]any{"DeletionProtection": wantPool}),
					"DeletionPolicy": tt.poolPolicy,
				})
			})
		})
	}
}

// dataService reports whether an IAM action touches data: the table, the
// user pool or email sending.
func dataService(action string) bool {
	for _, p := range []string{"dynamodb:", "cognito-idp:", "ses:"} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

// strs flattens a string or list of strings.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, strs(e)...)
		}
		return out
	}
	return nil
}

// literals collects every string literal inside an intrinsic expression.
func literals(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, literals(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, e := range x {
			out = append(out, literals(e)...)
		}
		return out
	}
	return nil
}

func TestNoWildcardOnData(t *testing.T) {
	for stage, tpl := range templates() {
		for id, pol := range resources(tpl, "AWS::IAM::Policy") {
			doc := props(pol)["PolicyDocument"].(map[string]any)
			for i, st := range doc["Statement"].([]any) {
				s := st.(map[string]any)
				actions := strs(s["Action"])
				data := false
				for _, a := range actions {
					if a == "*" || strings.HasSuffix(a, ":*") {
						t.Errorf("%s %s statement %d: wildcard action %q", stage, id, i, a)
					}
					data = data || dataService(a)
				}
				if !data {
					continue // e.g. X-Ray, which has no resource-level permissions
				}
				res, _ := s["Resource"].([]any)
				if res == nil {
					res = []any{s["Resource"]}
				}
				for _, r := range res {
					for _, lit := range literals(r) {
						if strings.Contains(lit, "*") {
							t.Errorf("%s %s statement %d (%v): wildcard in resource %v", stage, id, i, actions, r)
						}
					}
				}
			}
		}
	}
}

// grantedActions maps each function to the actions its role's policies allow.
func grantedActions(t *testing.T, tpl assertions.Template) map[string][]string {
	t.Helper()
	roleOf := map[string]string{}
	for id, fn := range resources(tpl, "AWS::Lambda::Function") {
		roleOf[refID(props(fn)["Role"])] = id
	}
	out := map[string][]string{}
	for _, pol := range resources(tpl, "AWS::IAM::Policy") {
		p := props(pol)
		for _, role := range p["Roles"].([]any) {
			fn := roleOf[refID(role)]
			for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				out[fn] = append(out[fn], strs(st.(map[string]any)["Action"])...)
			}
		}
	}
	return out
}

func TestLeastPrivilege(t *testing.T) {
	granted := grantedActions(t, prodTpl)
	writes := []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
	for _, name := range routes.AllFunctions {
		t.Run(name, func(t *testing.T) {
			got := granted[functionID(name)]
			spec := functionSpecs[name]
			for _, a := range got {
				if a == "dynamodb:Scan" || strings.HasPrefix(a, "dynamodb:") && strings.Contains(a, "Table") {
					t.Errorf("granted %s: no function scans or manages the table", a)
				}
				if strings.HasPrefix(a, "cognito-idp:") && len(spec.CognitoActions) == 0 {
					t.Errorf("granted %s, but the spec lists no Cognito action", a)
				}
				if a == "ses:SendEmail" && !spec.SendsEmail {
					t.Errorf("granted %s, but the function sends no email", a)
				}
			}
			for _, a := range prefixed("dynamodb:", spec.TableActions) {
				if !slices.Contains(got, a) {
					t.Errorf("spec lists %s, not granted", a)
				}
			}
			for _, a := range prefixed("cognito-idp:", spec.CognitoActions) {
				if !slices.Contains(got, a) {
					t.Errorf("spec lists %s, not granted", a)
				}
			}
		})
	}
	// The few facts that matter most, stated outright.
	for _, fn := range []string{routes.FnAuthorizer, routes.FnAudit} {
		for _, w := range writes {
			if slices.Contains(granted[functionID(fn)], w) {
				t.Errorf("%s is granted %s; it only reads", fn, w)
			}
		}
	}
	for _, fn := range routes.AllFunctions {
		sends := slices.Contains(granted[functionID(fn)], "ses:SendEmail")
		if want := fn == routes.FnMembers || fn == routes.FnInvites; sends != want {
			t.Errorf("%s may send email: %v, want %v", fn, sends, want)
		}
	}
	for _, a := range granted[functionID(routes.FnTriggers)] {
		if strings.HasPrefix(a, "cognito-idp:") {
			t.Errorf("triggers granted %s: a pool reference from the trigger is a dependency cycle", a)
		}
	}
}

func TestSweepSchedule(t *testing.T) {
	for stage, tpl := range templates() {
		t.Run(stage, func(t *testing.T) {
			check(t, func() {
				tpl.ResourceCountIs(jsii.String("AWS::Events::Rule"), jsii.Number(1))
				tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
					"ScheduleExpression": "rate(5 minutes)",
					"State":              "ENABLED",
					"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
						"Arn": map[string]any{"Fn::GetAtt": []any{functionID(routes.FnSweeper), "Arn"}},
					})},
				})
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
					"FunctionName": map[string]any{"Fn::GetAtt": []any{functionID(routes.FnSweeper), "Arn"}},
					"Principal":    "events.amazonaws.com",
				})
			})
		})
	}
}

func TestUserPool(t *testing.T) {
	trigger := map[string]any{"Fn::GetAtt": []any{functionID(routes.FnTriggers), "Arn"}}
	for stage, tpl := range templates() {
		t.Run(stage, func(t *testing.T) {
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), &map[string]any{
					"UsernameAttributes":          []any{"email"},
					"UsernameConfiguration":       map[string]any{"CaseSensitive": false},
					"AutoVerifiedAttributes":      []any{"email"},
					"AdminCreateUserConfig":       assertions.Match_ObjectLike(&map[string]any{"AllowAdminCreateUserOnly": false}),
					"Policies":                    map[string]any{"PasswordPolicy": assertions.Match_ObjectLike(&map[string]any{"MinimumLength": 8, "RequireLowercase": true, "RequireNumbers": true})},
					"LambdaConfig":                map[string]any{"PreSignUp": trigger, "PostConfirmation": trigger, "PreTokenGeneration": trigger},
					"UserAttributeUpdateSettings": map[string]any{"AttributesRequireVerificationBeforeUpdate": []any{"email"}},
				})
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
					"FunctionName": trigger,
					"Principal":    "cognito-idp.amazonaws.com",
				})
				tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), &map[string]any{
					"GenerateSecret":    false,
					"ExplicitAuthFlows": []any{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
				})
			})
			for _, c := range resources(tpl, "AWS::Cognito::UserPoolClient") {
				write := strs(props(c)["WriteAttributes"])
				if len(write) == 0 {
					t.Errorf("client write attributes unset: the client could write every attribute")
				}
				for _, a := range write {
					if strings.HasPrefix(a, "custom:") || strings.HasPrefix(a, "dev:") {
						t.Errorf("client may write %s", a)
					}
				}
			}
		})
	}
}

func TestOutputs(t *testing.T) {
	for _, name := range []string{"ApiUrl", "UserPoolId", "UserPoolClientId", "TableName"} {
		check(t, func() { prodTpl.HasOutput(jsii.String(name), assertions.Match_AnyValue()) })
	}
}

func TestAlarms(t *testing.T) {
	alarms := resources(prodTpl, "AWS::CloudWatch::Alarm")
	metrics := map[string]int{}
	for _, a := range alarms {
		metrics[fmt.Sprint(props(a)["MetricName"])]++
	}
	n := len(routes.AllFunctions)
	if metrics["Errors"] != n || metrics["Throttles"] != n || metrics[DenialsMetric] != 1 {
		t.Errorf("alarms by metric %v, want Errors and Throttles %d each and %s 1", metrics, n, DenialsMetric)
	}
	check(t, func() {
		prodTpl.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), &map[string]any{
			"FilterPattern": `{ $.msg = "authorizer decision" && $.decision = "deny" }`,
			"LogGroupName":  map[string]any{"Ref": refID(props(resources(prodTpl, "AWS::Lambda::Function")[functionID(routes.FnAuthorizer)])["LoggingConfig"].(map[string]any)["LogGroup"])},
		})
	})
}

func TestNoWarnings(t *testing.T) {
	for stage, s := range map[string]*GatehouseStack{"dev": devStack, "prod": prodStack} {
		t.Run(stage, func(t *testing.T) {
			a := assertions.Annotations_FromStack(s.Stack)
			for _, m := range *a.FindWarning(jsii.String("*"), assertions.Match_AnyValue()) {
				t.Errorf("warning at %s: %v", *m.Id, m.Entry.Data)
			}
			for _, m := range *a.FindError(jsii.String("*"), assertions.Match_AnyValue()) {
				t.Errorf("error at %s: %v", *m.Id, m.Entry.Data)
			}
		})
	}
}
