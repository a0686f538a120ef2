package main

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Function is one deployed Lambda with the spec it was built from.
type Function struct {
	Name string // routes.Fn*
	Fn   awslambda.Function
	Role awsiam.Role
	Logs awslogs.LogGroup
	Spec FunctionSpec
}

// Functions maps a function name (routes.Fn*) to its Lambda.
type Functions map[string]*Function

// newFunctions declares one Lambda per entry of routes.AllFunctions, each
// running build/<name>/bootstrap on provided.al2023 arm64 (Graviton: cheaper
// per GB-second and as fast for Go), with its own role and log group.
// Environment and permissions come later, in configure, once the table,
// pool and sender exist.
func newFunctions(stack awscdk.Stack, props *GatehouseStackProps) Functions {
	fns := Functions{}
	for _, name := range routes.AllFunctions {
		spec, ok := functionSpecs[name]
		if !ok {
			panic(fmt.Sprintf("function %q has no entry in functionSpecs (infra/specs.go): size it and list its grants there", name))
		}
		logs := awslogs.NewLogGroup(stack, jsii.String(logicalName(name)+"Logs"), &awslogs.LogGroupProps{
			// Audit events live in DynamoDB; logs are for operations.
			Retention:     logRetention(props),
			RemovalPolicy: removalPolicy(props),
		})
		// Its own role, writing to its own log group only: the managed
		// AWSLambdaBasicExecutionRole would let it create and write any log
		// group of the account.
		role := awsiam.NewRole(stack, jsii.String(logicalName(name)+"Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("Gatehouse " + name + " function (" + props.Stage + ")"),
		})
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			// arn:...:log-group:<name>:* — the group's streams.
			Resources: jsii.Strings(*logs.LogGroupArn()),
		}))
		fn := awslambda.NewFunction(stack, jsii.String(logicalName(name)), &awslambda.FunctionProps{
			Role:         role,
			Description:  jsii.String("Gatehouse " + name + " (" + props.Stage + ")"),
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: awslambda.Architecture_ARM_64(),
			Handler:      jsii.String("bootstrap"),
			Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(props.BuildDir, name)), nil),
			MemorySize:   jsii.Number(spec.MemoryMB),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(spec.TimeoutSeconds)),
			LogGroup:     logs,
			// The functions log JSON lines with log/slog; Lambda passes JSON
			// lines through unchanged and filters them by their "level".
			LoggingFormat:         awslambda.LoggingFormat_JSON,
			ApplicationLogLevelV2: appLogLevels[props.LogLevel],
			SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
			Tracing:               awslambda.Tracing_ACTIVE,
		})
		// Stable logical ids (AuthorizerFunction, MeFunction...) so that
		// `sam local invoke MeFunction` and dashboards keep working.
		fn.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(logicalName(name) + "Function"))
		// Tell SAM the code is already built (make build): `sam build` then
		// copies build/<name> as is instead of looking for a build method.
		fn.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("SkipBuild"), true)
		fns[name] = &Function{Name: name, Fn: fn, Role: role, Logs: logs, Spec: spec}
	}
	return fns
}

// configure sets every function's environment and grants it exactly what its
// spec lists on the table, the pool and the email sender.
func (fns Functions) configure(props *GatehouseStackProps, table *Table, auth *Auth, email *emailSender, cursorKey awssecretsmanager.Secret) {
	// A dynamic reference ({{resolve:secretsmanager:...}}), resolved by
	// CloudFormation: the template never holds the key.
	key := *cursorKey.SecretValue().UnsafeUnwrap()
	for _, name := range routes.AllFunctions {
		f := fns[name]
		// Only variables the functions read (shared/app), as the tests check.
		env := map[string]string{
			"GATEHOUSE_TABLE":             *table.Table.TableName(),
			"GATEHOUSE_AUTHZ_CACHE_TTL":   props.AuthzCacheTTL,
			"GATEHOUSE_EMAIL_FROM":        email.From,
			"GATEHOUSE_RESOURCE_TYPES":    props.ResourceTypes,
			"GATEHOUSE_INVITE_EMAIL_RULE": props.InviteEmailRule,
			"GATEHOUSE_LOG_LEVEL":         props.LogLevel,
			"GATEHOUSE_CURSOR_KEY":        key,
			// Platform admins need MFA everywhere but throwaway stages.
			"GATEHOUSE_REQUIRE_ADMIN_MFA": strconv.FormatBool(!props.Ephemeral()),
		}
		if name != routes.FnTriggers { // see newAuth: no pool reference from the triggers
			env["GATEHOUSE_USER_POOL_ID"] = *auth.Pool.UserPoolId()
			env["GATEHOUSE_CLIENT_ID"] = *auth.Client.UserPoolClientId()
		}
		if props.Ephemeral() {
			// Empty in AWS. Declared so that `sam local invoke` can point
			// them at local emulators (infra/sam-env.json): SAM only sets
			// variables the template declares.
			for _, k := range localOnlyEnv {
				env[k] = ""
			}
		}
		// Sorted, so the template is the same from one synth to the next.
		for _, k := range slices.Sorted(maps.Keys(env)) {
			f.Fn.AddEnvironment(jsii.String(k), jsii.String(env[k]), nil)
		}
		table.grant(f.Fn, f.Spec.Table, f.Spec.QueryIndexes)
		auth.grant(f.Fn, f.Spec.Cognito)
		if f.Spec.SendsEmail {
			email.grantSend(f.Fn)
		}
	}
}

// localOnlyEnv are the variables that point a function at local emulators
// instead of AWS (shared/app).
var localOnlyEnv = []string{"GATEHOUSE_DYNAMODB_ENDPOINT", "GATEHOUSE_COGNITO_ENDPOINT", "GATEHOUSE_OUTBOX_DIR"}

// setPublicURL points invite and activation links at the configured public
// URL, or at the API itself when none is configured.
func (fns Functions) setPublicURL(props *GatehouseStackProps, api *API) {
	url := props.PublicURL
	if url == "" {
		url = *api.URL
	}
	for _, f := range fns {
		f.Fn.AddEnvironment(jsii.String("GATEHOUSE_PUBLIC_URL"), &url, nil)
	}
}

// logicalName turns a function name into a CloudFormation logical id stem:
// "authorizer" -> "Authorizer".
func logicalName(fn string) string {
	return strings.ToUpper(fn[:1]) + fn[1:]
}

// logRetention keeps ephemeral stages' logs briefly.
func logRetention(props *GatehouseStackProps) awslogs.RetentionDays {
	if props.Ephemeral() {
		return awslogs.RetentionDays_ONE_WEEK
	}
	return awslogs.RetentionDays_THREE_MONTHS
}

// appLogLevels maps GATEHOUSE_LOG_LEVEL to Lambda's application log filter,
// so both agree on what is dropped.
var appLogLevels = map[string]awslambda.ApplicationLogLevel{
	"debug": awslambda.ApplicationLogLevel_DEBUG,
	"info":  awslambda.ApplicationLogLevel_INFO,
	"warn":  awslambda.ApplicationLogLevel_WARN,
	"error": awslambda.ApplicationLogLevel_ERROR,
}
