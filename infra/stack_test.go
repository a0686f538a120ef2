package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/gatehouse-dev/gatehouse/infra/codeactions"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// The stacks are synthesized once for all tests: jsii start-up and synthesis
// dominate the run time.
var (
	devStack, prodStack *GatehouseStack
	devTpl, prodTpl     assertions.Template
	// codeUses is what each function's code calls (codeactions).
	codeUses map[string]codeactions.Uses
	codeErr  error
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests synthesizes both stages once, with the cdk-nag AwsSolutions
// pack, while the code analysis of the functions runs beside it.
func runTests(m *testing.M) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "infra tests:", err)
		return 1
	}
	// Any use of a deprecated CDK API throws instead of warning.
	if err := os.Setenv("JSII_DEPRECATED", "fail"); err != nil {
		return fail(err)
	}
	root, err := repoRoot()
	if err != nil {
		return fail(err)
	}
	analysis := make(chan struct{})
	go func() {
		defer close(analysis)
		codeUses, codeErr = codeactions.Analyze(root, routes.AllFunctions)
	}()
	defer func() { <-analysis }()

	// Fake `make build` output: the stack only needs the directories.
	dir, err := os.MkdirTemp("", "gatehouse-build-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	for _, fn := range routes.AllFunctions {
		if err := os.MkdirAll(filepath.Join(dir, fn), 0o755); err != nil {
			return fail(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fn, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			return fail(err)
		}
	}
	out, err := os.MkdirTemp("", "gatehouse-cdk-out-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(out)
	// The same context as `make synth`: cdk.json's feature flags change what
	// is synthesized.
	ctx, err := cdkJSONContext(filepath.Join(root, "cdk.json"))
	if err != nil {
		return fail(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: &out, Context: &ctx})
	devStack = NewGatehouseStack(app, StackName("dev"), testProps("dev", dir))
	prodStack = NewGatehouseStack(app, StackName("prod"), testProps("prod", dir))
	// cdk-nag reports its findings as error and warning annotations at
	// synthesis (TestNag).
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	// Template_FromStack also refuses a template with a dependency cycle
	// (e.g. the triggers function naming its own pool), which CloudFormation
	// would only report at deploy time.
	devTpl = assertions.Template_FromStack(devStack.Stack, nil)
	prodTpl = assertions.Template_FromStack(prodStack.Stack, nil)
	<-analysis
	return m.Run()
}

// testAlarmTopic is the existing topic prod's alarms also go to.
const testAlarmTopic = "arn:aws:sns:eu-west-1:123456789012:oncall"

func testProps(stage, buildDir string) *GatehouseStackProps {
	p := &GatehouseStackProps{
		Stage:            stage,
		BuildDir:         buildDir,
		ConsoleOrigin:    "https://console.example.com",
		EmailFrom:        "invites@example.com",
		AuthzCacheTTL:    "0s",
		ResourceTypes:    "device,dashboard",
		InviteEmailRule:  "same_domain",
		LogLevel:         "info",
		ThrottleRate:     50,
		ThrottleBurst:    100,
		DenialsThreshold: 100,
		AlarmEmail:       "ops@example.com",
	}
	if stage == "prod" {
		p.AlarmTopicArn = testAlarmTopic
	}
	return p
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
		all := append(slices.Clone(routes.Table), routes.Default)
		if got, want := len(cfnRoutes), len(all); got != want {
			t.Errorf("%s: %d routes in the template, want %d (one per routes.Table entry and $default)", stage, got, want)
		}
		for _, r := range all {
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
		fns := gatehouseFunctions(tpl)
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
					"GATEHOUSE_RESOURCE_TYPES", "GATEHOUSE_INVITE_EMAIL_RULE", "GATEHOUSE_LOG_LEVEL", "GATEHOUSE_CURSOR_KEY", "GATEHOUSE_REQUIRE_ADMIN_MFA"}
				if name != routes.FnTriggers {
					want = append(want, "GATEHOUSE_USER_POOL_ID", "GATEHOUSE_CLIENT_ID")
				}
				if stage == "dev" {
					// Empty, for sam local invoke to fill (sam-env.json).
					want = append(want, localOnlyEnv...)
				}
				if name == routes.FnEventPublisher {
					want = append(want, "GATEHOUSE_EVENT_BUS") // the event stream (events.go)
				}
				for _, k := range want {
					if env[k] == nil {
						t.Errorf("environment has no %s", k)
					}
				}
				if len(env) != len(want) {
					t.Errorf("environment %v, want exactly %v", slices.Sorted(maps.Keys(env)), want)
				}
				// The cursor key is resolved from Secrets Manager at
				// deploy: never a value in the template.
				if key := strings.Join(literals(env["GATEHOUSE_CURSOR_KEY"]), ""); !strings.Contains(key, "{{resolve:secretsmanager:") {
					t.Errorf("GATEHOUSE_CURSOR_KEY = %v, want a Secrets Manager dynamic reference", env["GATEHOUSE_CURSOR_KEY"])
				}
				if stage == "prod" {
					for _, k := range localOnlyEnv {
						if _, ok := env[k]; ok {
							t.Errorf("prod environment declares %s: local emulators only", k)
						}
					}
				}
				wantConcurrency := any(nil)
				if name == routes.FnSweeper {
					wantConcurrency = float64(1)
				}
				if got := p["ReservedConcurrentExecutions"]; got != wantConcurrency {
					t.Errorf("reserved concurrency %v, want %v", got, wantConcurrency)
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

// TestWildcardResources allows a "*" resource only for X-Ray, which has no
// resource-level permissions (the reason of the IAM5 suppression, nag.go),
// and no wildcard in any data resource or action.
func TestWildcardResources(t *testing.T) {
	xray := map[string]bool{"xray:PutTraceSegments": true, "xray:PutTelemetryRecords": true}
	for stage, tpl := range templates() {
		for id, pol := range resources(tpl, "AWS::IAM::Policy") {
			if strings.HasPrefix(id, "CustomCDKBucketDeployment") {
				continue // CDK's own deploy-time helper of the console (console.go, its nag reasons)
			}
			doc := props(pol)["PolicyDocument"].(map[string]any)
			for i, st := range doc["Statement"].([]any) {
				s := st.(map[string]any)
				actions := strs(s["Action"])
				data := false
				for _, a := range actions {
					if a == "*" || strings.HasSuffix(a, ":*") {
						t.Errorf("%s %s statement %d: wildcard action %q", stage, id, i, a)
					}
					data = data || dataAction(a)
				}
				res, _ := s["Resource"].([]any)
				if res == nil {
					res = []any{s["Resource"]}
				}
				for _, r := range res {
					if r == "*" {
						for _, a := range actions {
							// The event stream's mapping lists the table's
							// streams; IAM has no resource for ListStreams
							// (TestLeastPrivilege pins it to the publisher).
							if !xray[a] && a != "dynamodb:ListStreams" {
								t.Errorf("%s %s statement %d: %s on resource *; only X-Ray may", stage, id, i, a)
							}
						}
						continue
					}
					if !data {
						continue
					}
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

// TestRoles wants one role per function, without managed policies, whose
// log permissions name its own log group only.
func TestRoles(t *testing.T) {
	for stage, tpl := range templates() {
		fns := resources(tpl, "AWS::Lambda::Function")
		roles := resources(tpl, "AWS::IAM::Role")
		policies := resources(tpl, "AWS::IAM::Policy")
		seen := map[string]string{}
		for _, name := range routes.AllFunctions {
			p := props(fns[functionID(name)])
			roleID := refID(p["Role"])
			if other, ok := seen[roleID]; ok {
				t.Errorf("%s: %s and %s share role %s", stage, name, other, roleID)
			}
			seen[roleID] = name
			role := roles[roleID]
			if role == nil {
				t.Fatalf("%s %s: role %s not in the template", stage, name, roleID)
			}
			if mp := props(role)["ManagedPolicyArns"]; mp != nil {
				t.Errorf("%s %s: managed policies %v, want none", stage, name, mp)
			}
			logGroup := refID(p["LoggingConfig"].(map[string]any)["LogGroup"])
			var logActions int
			for _, pol := range policies {
				pp := props(pol)
				attached := false
				for _, r := range pp["Roles"].([]any) {
					attached = attached || refID(r) == roleID
				}
				if !attached {
					continue
				}
				for _, st := range pp["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					s := st.(map[string]any)
					for _, a := range strs(s["Action"]) {
						if !strings.HasPrefix(a, "logs:") {
							continue
						}
						logActions++
						if a != "logs:CreateLogStream" && a != "logs:PutLogEvents" {
							t.Errorf("%s %s: %s, want only CreateLogStream and PutLogEvents", stage, name, a)
						}
						if refID(s["Resource"]) != logGroup {
							t.Errorf("%s %s: %s on %v, want its own log group %s", stage, name, a, s["Resource"], logGroup)
						}
					}
				}
			}
			if logActions != 2 {
				t.Errorf("%s %s: %d log actions, want CreateLogStream and PutLogEvents", stage, name, logActions)
			}
		}
	}
}

func TestSweepSchedule(t *testing.T) {
	sweeper := map[string]any{"Fn::GetAtt": []any{functionID(routes.FnSweeper), "Arn"}}
	for stage, tpl := range templates() {
		t.Run(stage, func(t *testing.T) {
			queues := resources(tpl, "AWS::SQS::Queue")
			// The event stream's failure queue is not the sweep's (events.go).
			for id := range queues {
				if strings.HasPrefix(id, "EventPublishFailures") {
					delete(queues, id)
				}
			}
			if len(queues) != 1 {
				t.Fatalf("%d queues, want 1 (sweep failures)", len(queues))
			}
			var queueID string
			for id := range queues {
				queueID = id
			}
			queueArn := map[string]any{"Fn::GetAtt": []any{queueID, "Arn"}}
			check(t, func() {
				tpl.ResourceCountIs(jsii.String("AWS::Events::Rule"), jsii.Number(1))
				tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
					"ScheduleExpression": "rate(5 minutes)",
					"State":              "ENABLED",
					"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
						"Arn":              sweeper,
						"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 300},
						"DeadLetterConfig": map[string]any{"Arn": queueArn},
					})},
				})
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
					"FunctionName": sweeper,
					"Principal":    "events.amazonaws.com",
				})
				// No async retries: a failed run lands in the queue.
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
					"FunctionName":             map[string]any{"Ref": functionID(routes.FnSweeper)},
					"MaximumRetryAttempts":     0,
					"MaximumEventAgeInSeconds": 300,
					"DestinationConfig":        map[string]any{"OnFailure": map[string]any{"Destination": queueArn}},
				})
				tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{
					"SqsManagedSseEnabled": true,
				})
				// TLS only.
				tpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), &map[string]any{
					"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{
						"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
							"Effect":    "Deny",
							"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
						})}),
					}),
				})
				tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
					"MetricName": "ApproximateNumberOfMessagesVisible",
					"Namespace":  "AWS/SQS",
					"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{queueID, "QueueName"}}}},
					"Threshold":  1,
				})
			})
			if timeout := functionSpecs[routes.FnSweeper].TimeoutSeconds; timeout >= sweepInterval*60 {
				t.Errorf("sweeper timeout %vs, want under the %d-minute interval", timeout, sweepInterval)
			}
		})
	}
}

func TestUserPool(t *testing.T) {
	trigger := map[string]any{"Fn::GetAtt": []any{functionID(routes.FnTriggers), "Arn"}}
	tests := []struct {
		stage string
		tpl   assertions.Template
		flows []any
		// ses: Cognito sends through SES rather than its capped sender.
		ses bool
	}{
		{"dev", devTpl, []any{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, false},
		{"prod", prodTpl, []any{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.stage, func(t *testing.T) {
			tpl := tt.tpl
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), &map[string]any{
					"UsernameAttributes":     []any{"email"},
					"UsernameConfiguration":  map[string]any{"CaseSensitive": false},
					"AutoVerifiedAttributes": []any{"email"},
					"AdminCreateUserConfig":  assertions.Match_ObjectLike(&map[string]any{"AllowAdminCreateUserOnly": false}),
					"Policies": map[string]any{"PasswordPolicy": assertions.Match_ObjectLike(&map[string]any{
						"MinimumLength": gatehouse.MinPasswordLength, "RequireLowercase": true, "RequireNumbers": true})},
					"MfaConfiguration":            "OPTIONAL",
					"EnabledMfas":                 []any{"SOFTWARE_TOKEN_MFA"},
					"LambdaConfig":                map[string]any{"PreSignUp": trigger, "PostConfirmation": trigger, "PreTokenGeneration": trigger},
					"UserAttributeUpdateSettings": map[string]any{"AttributesRequireVerificationBeforeUpdate": []any{"email"}},
				})
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
					"FunctionName": trigger,
					"Principal":    "cognito-idp.amazonaws.com",
				})
				tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), &map[string]any{
					"GenerateSecret":    false,
					"ExplicitAuthFlows": tt.flows,
				})
			})
			for _, pool := range resources(tpl, "AWS::Cognito::UserPool") {
				ec, _ := props(pool)["EmailConfiguration"].(map[string]any)
				if !tt.ses {
					if ec != nil && ec["EmailSendingAccount"] == "DEVELOPER" {
						t.Errorf("email configuration %v, want Cognito's default sender", ec)
					}
					continue
				}
				if ec["EmailSendingAccount"] != "DEVELOPER" || refID(ec["From"]) != "EmailFrom" {
					t.Errorf("email configuration %v, want SES (DEVELOPER) from the EmailFrom parameter", ec)
				}
				if lits := strings.Join(literals(ec["SourceArn"]), ""); !strings.Contains(lits, ":ses:") || !strings.Contains(lits, ":identity/") {
					t.Errorf("email source %v, want an SES identity ARN", ec["SourceArn"])
				}
			}
			for _, c := range resources(tpl, "AWS::Cognito::UserPoolClient") {
				write := strs(props(c)["WriteAttributes"])
				if len(write) == 0 {
					t.Errorf("client write attributes unset: the client could write every attribute")
				}
				for _, a := range write {
					if a == "email" || strings.HasPrefix(a, "custom:") || strings.HasPrefix(a, "dev:") {
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
	for stage, tpl := range templates() {
		t.Run(stage, func(t *testing.T) {
			alarms := resources(tpl, "AWS::CloudWatch::Alarm")
			metrics := map[string]int{}
			topics := map[string]bool{}
			for _, a := range alarms {
				p := props(a)
				metrics[fmt.Sprint(p["MetricName"])]++
				for _, act := range p["AlarmActions"].([]any) {
					topics[fmt.Sprint(act)] = true
				}
			}
			n := len(routes.AllFunctions)
			// Triggers' Lambda errors are mostly refusals: not alarmed.
			if metrics["Errors"] != n-1 || metrics["Throttles"] != n || metrics[DenialsMetric] != 1 {
				t.Errorf("alarms by metric %v, want Errors %d, Throttles %d, %s 1", metrics, n-1, n, DenialsMetric)
			}
			for _, name := range routes.AllFunctions {
				if metrics[ErrorLogsMetric(name)] != 1 {
					t.Errorf("no alarm on %s", ErrorLogsMetric(name))
				}
			}
			for _, a := range alarms {
				if p := props(a); p["MetricName"] == "Errors" && p["Dimensions"] != nil {
					for _, d := range p["Dimensions"].([]any) {
						if refID(d.(map[string]any)["Value"]) == functionID(routes.FnTriggers) {
							t.Errorf("alarm on the triggers' Lambda errors, which count refused sign-ups and tokens")
						}
					}
				}
			}
			logGroup := func(fn string) map[string]any {
				lc := props(resources(tpl, "AWS::Lambda::Function")[functionID(fn)])["LoggingConfig"].(map[string]any)
				return map[string]any{"Ref": refID(lc["LogGroup"])}
			}
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), &map[string]any{
					"FilterPattern": `{ $.msg = "authorizer decision" && $.decision = "deny" }`,
					"LogGroupName":  logGroup(routes.FnAuthorizer),
				})
				for _, fn := range []string{routes.FnAuthorizer, routes.FnTriggers} {
					tpl.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), &map[string]any{
						"FilterPattern":         `{ $.level = "ERROR" }`,
						"LogGroupName":          logGroup(fn),
						"MetricTransformations": []any{assertions.Match_ObjectLike(&map[string]any{"MetricName": ErrorLogsMetric(fn), "MetricValue": "1"})},
					})
				}
				// Publishing to the topic needs TLS.
				tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), &map[string]any{
					"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{
						"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
							"Effect":    "Deny",
							"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
						})}),
					}),
				})
				// Someone is told.
				tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{
					"Protocol": "email", "Endpoint": "ops@example.com",
				})
			})
			want := 1
			if stage == "prod" {
				want = 2 // and testAlarmTopic
			}
			if len(topics) != want {
				t.Errorf("alarm actions %v, want the alarm topic (and the configured one on prod)", topics)
			}
		})
	}
}

// TestAlarmTopicDestination: an existing topic (prod's testProps) receives
// every alarm too.
func TestAlarmTopicDestination(t *testing.T) {
	for _, a := range resources(prodTpl, "AWS::CloudWatch::Alarm") {
		if actions := fmt.Sprint(props(a)["AlarmActions"]); !strings.Contains(actions, testAlarmTopic) {
			t.Errorf("alarm %v: actions %s, want %s among them", props(a)["AlarmDescription"], actions, testAlarmTopic)
		}
	}
}

// TestAccessLogs wants JSON access logs with what an incident needs.
func TestAccessLogs(t *testing.T) {
	for stage, tpl := range templates() {
		t.Run(stage, func(t *testing.T) {
			stages := resources(tpl, "AWS::ApiGatewayV2::Stage")
			if len(stages) != 1 {
				t.Fatalf("%d stages, want 1", len(stages))
			}
			for _, st := range stages {
				als, _ := props(st)["AccessLogSettings"].(map[string]any)
				if als == nil {
					t.Fatal("no access log settings")
				}
				group := refID(als["DestinationArn"])
				if resources(tpl, "AWS::Logs::LogGroup")[group] == nil {
					t.Errorf("access logs go to %v, want a log group of the stack", als["DestinationArn"])
				}
				// As API Gateway would render it: messageString comes quoted.
				raw := als["Format"].(string)
				line := strings.ReplaceAll(raw, "$context.error.messageString", `"Unauthorized \"x\""`)
				var format map[string]string
				if err := json.Unmarshal([]byte(line), &format); err != nil {
					t.Fatalf("format %q does not render a JSON object: %v", raw, err)
				}
				for _, v := range []string{"$context.requestId", "$context.identity.sourceIp", "$context.routeKey", "$context.status",
					"$context.responseLatency", "$context.authorizer.status", "$context.authorizer.error", "$context.integrationErrorMessage"} {
					if !slices.Contains(slices.Collect(maps.Values(format)), v) {
						t.Errorf("access log format %v has no %s", format, v)
					}
				}
				if format["error"] != `Unauthorized "x"` {
					t.Errorf("error field %q, want the gateway's message", format["error"])
				}
			}
		})
	}
}

// TestRouteThrottle wants the public activation route throttled below the
// stage default, and the stage to wait for the route it names.
func TestRouteThrottle(t *testing.T) {
	for stage, tpl := range templates() {
		for id, st := range resources(tpl, "AWS::ApiGatewayV2::Stage") {
			rs, _ := props(st)["RouteSettings"].(map[string]any)
			got, _ := rs["POST /v1/activate"].(map[string]any)
			if got == nil {
				t.Errorf("%s: route settings %v, want POST /v1/activate throttled", stage, rs)
				continue
			}
			rate, _ := got["ThrottlingRateLimit"].(float64)
			burst, _ := got["ThrottlingBurstLimit"].(float64)
			if rate <= 0 || rate >= 50 || burst <= 0 || burst >= 100 {
				t.Errorf("%s: activation throttle %v, want positive and under the stage's 50/100", stage, got)
			}
			deps := fmt.Sprint((*tpl.ToJSON())["Resources"].(map[string]any)[id].(map[string]any)["DependsOn"])
			if !strings.Contains(deps, "POSTv1activate") {
				t.Errorf("%s: stage depends on %s, want the activation route", stage, deps)
			}
		}
	}
}

// TestCORS wants the console's origin only.
func TestCORS(t *testing.T) {
	for stage, tpl := range templates() {
		check(t, func() {
			tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), &map[string]any{
				"CorsConfiguration": assertions.Match_ObjectLike(&map[string]any{
					"AllowOrigins": []any{"https://console.example.com"},
				}),
			})
		})
		for _, api := range resources(tpl, "AWS::ApiGatewayV2::Api") {
			if cc, _ := props(api)["CorsConfiguration"].(map[string]any); cc["AllowCredentials"] == true {
				t.Errorf("%s: CORS allows credentials; the API takes bearer tokens only", stage)
			}
		}
	}
}

// TestNag runs the AwsSolutions pack (TestMain adds it): no finding may be
// left, error or warning.
func TestNag(t *testing.T) {
	for stage, s := range map[string]*GatehouseStack{"dev": devStack, "prod": prodStack} {
		t.Run(stage, func(t *testing.T) {
			a := assertions.Annotations_FromStack(s.Stack)
			nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
			for _, m := range *a.FindError(jsii.String("*"), nag) {
				t.Errorf("cdk-nag error at %s: %v", *m.Id, m.Entry.Data)
			}
			for _, m := range *a.FindWarning(jsii.String("*"), nag) {
				t.Errorf("cdk-nag warning at %s: %v", *m.Id, m.Entry.Data)
			}
		})
	}
}

// TestNagSuppressionReasons wants every suppression in the templates to
// say why, specifically.
func TestNagSuppressionReasons(t *testing.T) {
	for stage, tpl := range templates() {
		n := 0
		for id, r := range (*tpl.ToJSON())["Resources"].(map[string]any) {
			md, _ := r.(map[string]any)["Metadata"].(map[string]any)
			nag, _ := md["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			for _, rule := range rules {
				n++
				m := rule.(map[string]any)
				reason, _ := m["reason"].(string)
				if len(reason) < 80 {
					t.Errorf("%s %s: suppression of %v has reason %q, want a specific one", stage, id, m["id"], reason)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no suppression found in the template metadata", stage)
		}
	}
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

// gatehouseFunctions are the template's Lambda functions less CDK's own
// helpers, which the console's deployment brings (console.go).
func gatehouseFunctions(tpl assertions.Template) map[string]map[string]any {
	fns := resources(tpl, "AWS::Lambda::Function")
	for id := range fns {
		if strings.HasPrefix(id, "CustomCDKBucketDeployment") || strings.HasPrefix(id, "CustomS3AutoDeleteObjects") {
			delete(fns, id)
		}
	}
	return fns
}
