package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
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
}

// newAPI declares the HTTP API (payload format 2.0), its $default stage with
// throttling, the Lambda REQUEST authorizer and one route per entry of
// routes.Table: the route table is the only list of routes.
func newAPI(stack awscdk.Stack, props *GatehouseStackProps, fns Functions) *API {
	var cors *awsapigatewayv2.CorsPreflightOptions
	if len(props.CORSOrigins) > 0 {
		cors = &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: jsii.Strings(props.CORSOrigins...),
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
	// answer for another. The authorizer keeps its own in-memory cache keyed
	// by (token, route key, org), bounded by GATEHOUSE_AUTHZ_CACHE_TTL.
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
	for _, r := range routes.Table {
		var auth awsapigatewayv2.IHttpRouteAuthorizer = authorizer
		if r.Access == routes.Public {
			auth = awsapigatewayv2.NewHttpNoneAuthorizer()
		}
		api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: integrations[r.Function],
			Authorizer:  auth,
		})
	}
	return &API{API: api, Stage: stage, Authorizer: authorizer, URL: stage.Url()}
}
