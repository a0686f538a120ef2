package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// GatehouseStackProps configures one Gatehouse stage. main fills it from the
// CDK context (see config.go for the keys and their defaults); tests fill it
// directly.
type GatehouseStackProps struct {
	awscdk.StackProps

	// Stage names the deployment (dev, staging, prod...). Stages other than
	// dev and dev-* retain and protect their data.
	Stage string
	// BuildDir holds <function>/bootstrap for every function, as `make build`
	// writes them (linux/arm64). Absolute.
	BuildDir string
	// ConsoleOrigin is the origin of the web console (scheme://host[:port]),
	// the one browser origin CORS allows; empty disables CORS.
	ConsoleOrigin string
	// PublicURL is the base URL of invite and activation links; empty means
	// the API's own URL.
	PublicURL string
	// EmailFrom is the default of the EmailFrom parameter: the SES-verified
	// sender of Gatehouse's and (outside dev stages) Cognito's emails.
	// Empty: DefaultEmailFrom on ephemeral stages, no default elsewhere, so
	// that a deploy must name a real sender.
	EmailFrom string
	// AuthzCacheTTL is the authorizer's in-memory decision cache TTL (a Go
	// duration, "0s" disables it).
	AuthzCacheTTL string
	// ResourceTypes lists the resource types the API accepts, comma-separated.
	ResourceTypes string
	// InviteEmailRule says when invites are emailed ("same_domain": only when
	// the invitee's domain is the inviter's).
	InviteEmailRule string
	// LogLevel is the functions' log level: debug, info, warn or error.
	LogLevel string
	// ThrottleRate and ThrottleBurst are the API stage's default throttle.
	ThrottleRate, ThrottleBurst float64
	// AlarmEmail, when set, subscribes to the alarm topic.
	AlarmEmail string
	// AlarmTopicArn, when set, is an existing SNS topic (on-call paging,
	// chat) that receives every alarm too. A stage that is not ephemeral
	// needs this or AlarmEmail.
	AlarmTopicArn string
	// DenialsThreshold is the number of authorizer denials in 5 minutes that
	// raises the denial-spike alarm.
	DenialsThreshold float64
}

// DefaultEmailFrom is the EmailFrom parameter's default on ephemeral stages
// when the context sets none; it cannot send (example.com is not verified).
const DefaultEmailFrom = "no-reply@example.com"

// GatehouseStack is the synthesized stage with handles on its main parts, for
// tests and for stacks that build on it.
type GatehouseStack struct {
	awscdk.Stack
	Table     *Table
	Auth      *Auth
	Functions Functions
	API       *API
	Sweep     *Sweep
	Alarms    *Alarms
	CursorKey awssecretsmanager.Secret
	// Events is the org event stream's bus and failure queue (events.go).
	Events *Events
}

// NewGatehouseStack declares one Gatehouse stage: the table, the user pool and
// its client, one Lambda per function, the HTTP API with its authorizer, the
// sweep schedule, the alarms and the outputs.
//
// It panics on a configuration validate refuses (main validates first and
// reports the error): a stage must never synthesize half-configured.
func NewGatehouseStack(scope constructs.Construct, id string, props *GatehouseStackProps) *GatehouseStack {
	if err := props.validate(); err != nil {
		panic(err)
	}
	sprops := props.StackProps
	if sprops.Description == nil {
		sprops.Description = jsii.String("Gatehouse multi-tenant user and access management (" + props.Stage + ")")
	}
	if sprops.Synthesizer == nil {
		// No CheckBootstrapVersion rule: it reads an SSM parameter of the CDK
		// bootstrap stack, which would stop SAM users who deploy the
		// synthesized template (samconfig.toml) without bootstrapping.
		sprops.Synthesizer = awscdk.NewDefaultStackSynthesizer(&awscdk.DefaultStackSynthesizerProps{
			GenerateBootstrapVersionRule: jsii.Bool(false),
		})
	}
	stack := awscdk.NewStack(scope, &id, &sprops)
	awscdk.Tags_Of(stack).Add(jsii.String("gatehouse:stage"), jsii.String(props.Stage), nil)

	s := &GatehouseStack{Stack: stack}
	s.Table = newTable(stack, props)
	email := newEmailSender(stack, props)
	s.Functions = newFunctions(stack, props)
	// The pool wires the triggers function; the functions that call Cognito
	// get the pool's id and rights afterwards (see auth.go for why the
	// triggers function never does).
	s.Auth = newAuth(stack, props, s.Functions[routes.FnTriggers].Fn, email)
	s.CursorKey = newCursorKey(stack, props)
	s.Functions.configure(props, s.Table, s.Auth, email, s.CursorKey)
	s.API = newAPI(stack, props, s.Functions)
	s.Functions.setPublicURL(props, s.API)
	newConsole(stack, props, s) // web console (console.go), at props.ConsoleOrigin
	s.Sweep = newSweepSchedule(stack, s.Functions)
	s.Events = newEvents(stack, props, s.Table, s.Functions)
	s.Alarms = newAlarms(stack, props, s.Functions, s.Sweep, s.Events)
	applyNagSuppressions(s)

	out := func(id, value, desc string) {
		awscdk.NewCfnOutput(stack, &id, &awscdk.CfnOutputProps{Value: &value, Description: &desc})
	}
	out("ApiUrl", *s.API.URL, "Base URL of the Gatehouse HTTP API")
	out("UserPoolId", *s.Auth.Pool.UserPoolId(), "Cognito user pool id")
	out("UserPoolClientId", *s.Auth.Client.UserPoolClientId(), "Cognito app client id (no secret)")
	out("TableName", *s.Table.Table.TableName(), "DynamoDB table name")
	out("Region", *stack.Region(), "AWS region of the stack")
	out("EventBusName", *s.Events.Bus.EventBusName(), "EventBridge bus of the org event stream (docs/events.md)")
	return s
}
