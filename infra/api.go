package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// API is the HTTP API serving every route of routes.Table.
type API struct {
	API        awsapigatewayv2.HttpApi
	Stage      awsapigatewayv2.HttpStage
	Authorizer awsapigatewayv2authorizers.HttpLambdaAuthorizer
	// URL is the base URL of the API (the $default stage), ending in "/".
	URL *string
	// AccessLogs is the stage's access log group (accessLogFields).
	AccessLogs awslogs.LogGroup
	// PublicRoutes are the routes without the authorizer, by route key.
	PublicRoutes map[string]awsapigatewayv2.HttpRoute
}

// accessLogFields are the fields of the access log, one JSON line per
// request, including those the gateway answers itself (401, 403, 429, 5xx
// from the authorizer or integration): who (ip, user), what (route,
// status), how long, and why it failed. API Gateway substitutes the values
// into the text: each is quoted, except $context.error.messageString, which
// comes quoted and escaped (the gateway's own messages may hold quotes).
var accessLogFields = [][2]string{
	{"requestId", "$context.requestId"},
	{"ip", "$context.identity.sourceIp"},
	{"userAgent", "$context.identity.userAgent"},
	{"requestTime", "$context.requestTimeEpoch"},
	{"routeKey", "$context.routeKey"},
	{"status", "$context.status"},
	{"responseLength", "$context.responseLength"},
	{"latencyMs", "$context.responseLatency"},
	{"error", "$context.error.messageString"},
	{"authorizerStatus", "$context.authorizer.status"},
	{"authorizerError", "$context.authorizer.error"},
	{"authorizerLatency", "$context.authorizer.latency"},
	{"userId", "$context.authorizer.userId"}, // apigw.CtxUserID, set on allow
	{"integrationStatus", "$context.integrationStatus"},
	{"integrationError", "$context.integrationErrorMessage"},
	{"integrationLatency", "$context.integration.latency"},
}

// accessLogFormat renders accessLogFields as the stage's log format.
func accessLogFormat() string {
	var b strings.Builder
	b.WriteString("{")
	for i, f := range accessLogFields {
		if i > 0 {
			b.WriteString(",")
		}
		if strings.HasSuffix(f[1], "String") {
			fmt.Fprintf(&b, "%q:%s", f[0], f[1])
		} else {
			fmt.Fprintf(&b, "%q:%q", f[0], f[1])
		}
	}
	b.WriteString("}")
	return b.String()
}

// activateThrottle bounds the one public write route: activation tokens are
// long random secrets, but each guess costs a table read.
var activateThrottle = struct{ rate, burst float64 }{rate: 5, burst: 10}

// configureStage sets what the L2 stage cannot: JSON access logs and the
// per-route throttle of the public activation route.
func configureStage(stage awsapigatewayv2.HttpStage, logs awslogs.LogGroup, throttled map[string]awsapigatewayv2.HttpRoute) {
	cfn := stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfn.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String(accessLogFormat()),
	})
	settings := map[string]any{}
	for _, key := range slices.Sorted(maps.Keys(throttled)) {
		settings[key] = map[string]any{
			"ThrottlingRateLimit":  activateThrottle.rate,
			"ThrottlingBurstLimit": activateThrottle.burst,
		}
		// Route settings name routes that must exist first.
		stage.Node().AddDependency(throttled[key])
	}
	cfn.SetRouteSettings(settings)
}

// newAPI declares the HTTP API (payload format 2.0), its $default stage with
// throttling, the Lambda REQUEST authorizer, one route per entry of
// routes.Table (the route table is the only list of routes) and the
// $default route (routes.Default).
func newAPI(stack awscdk.Stack, props *GatehouseStackProps, fns Functions) *API {
	// CORS allows the stage's console only: browsers elsewhere cannot read
	// responses. Bearer tokens, not cookies, so no credentials mode.
	var cors *awsapigatewayv2.CorsPreflightOptions
	if props.ConsoleOrigin != "" {
		cors = &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: jsii.Strings(props.ConsoleOrigin),
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{
				awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST,
				awsapigatewayv2.CorsHttpMethod_PUT, awsapigatewayv2.CorsHttpMethod_PATCH,
				awsapigatewayv2.CorsHttpMethod_DELETE,
			},
			AllowHeaders:  jsii.Strings("Authorization", "Content-Type"),
			ExposeHeaders: jsii.Strings("Location"),
			MaxAge:        awscdk.Duration_Hours(jsii.Number(1)),
		}
	}
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName:       jsii.String(StackName(props.Stage)),
		Description:   jsii.String("Gatehouse API (" + props.Stage + ")"),
		CorsPreflight: cors,
		// The default stage is added below, with throttling, which the
		// stage HttpApi creates itself cannot take.
		CreateDefaultStage: jsii.Bool(false),
	})
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     logRetention(props),
		RemovalPolicy: removalPolicy(props),
	})
	stage := api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(props.ThrottleRate),
			BurstLimit: jsii.Number(props.ThrottleBurst),
		},
	})

	// Authorizer result caching is off (TTL 0). API Gateway keys its cache
	// on the identity sources only, and an HTTP API identity source cannot
	// name a path parameter, so a decision cached for one org or route would
	// answer for another. The authorizer keeps its own in-memory cache of
	// what it reads, keyed by (user, org), bounded by
	// GATEHOUSE_AUTHZ_CACHE_TTL, and decides every request afresh from it.
	//
	// With caching off the identity sources are optional, and they must be
	// empty: API Gateway answers 401 itself, without calling the authorizer,
	// when a listed source is missing, and GET routes accept ?token= with no
	// Authorization header (embedded read-only views).
	authorizer := awsapigatewayv2authorizers.NewHttpLambdaAuthorizer(
		jsii.String("Authorizer"), fns[routes.FnAuthorizer].Fn,
		&awsapigatewayv2authorizers.HttpLambdaAuthorizerProps{
			AuthorizerName:  jsii.String("gatehouse"),
			ResponseTypes:   &[]awsapigatewayv2authorizers.HttpLambdaResponseType{awsapigatewayv2authorizers.HttpLambdaResponseType_SIMPLE},
			ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(0)),
			IdentitySource:  &[]*string{},
		})

	// One integration per function, shared by its routes.
	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, name := range routes.HTTPFunctions {
		integrations[name] = awsapigatewayv2integrations.NewHttpLambdaIntegration(
			jsii.String(logicalName(name)+"Integration"), fns[name].Fn,
			&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
				PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
			})
	}
	public := map[string]awsapigatewayv2.HttpRoute{}
	// Public routes that write (activation) get their own, tighter throttle.
	throttled := map[string]awsapigatewayv2.HttpRoute{}
	for _, r := range routes.Table {
		var auth awsapigatewayv2.IHttpRouteAuthorizer = authorizer
		if r.Access == routes.Public {
			auth = awsapigatewayv2.NewHttpNoneAuthorizer()
		}
		added := api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: integrations[r.Function],
			Authorizer:  auth,
		})
		if r.Access == routes.Public {
			public[r.Key()] = (*added)[0]
			if r.Method != "GET" {
				throttled[r.Key()] = (*added)[0]
			}
		}
	}
	// Every request no route matches goes to the $default route, whose
	// function answers 404 or 405 as problem+json; no authorizer runs, so
	// an unknown path costs no authorizer call.
	public[routes.Default.Key()] = awsapigatewayv2.NewHttpRoute(stack, jsii.String("DefaultRoute"), &awsapigatewayv2.HttpRouteProps{
		HttpApi:     api,
		RouteKey:    awsapigatewayv2.HttpRouteKey_DEFAULT(),
		Integration: integrations[routes.Default.Function],
		Authorizer:  awsapigatewayv2.NewHttpNoneAuthorizer(),
	})
	configureStage(stage, accessLogs, throttled)
	return &API{API: api, Stage: stage, Authorizer: authorizer, URL: stage.Url(), AccessLogs: accessLogs, PublicRoutes: public}
}
