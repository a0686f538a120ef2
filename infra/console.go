package main

import (
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Console is the web console's hosting: a private S3 bucket behind a
// CloudFront distribution that also forwards /v1/* to the HTTP API, so the
// console and the API share one origin (no CORS, and the console's
// Content-Security-Policy can say connect-src 'self' plus Cognito).
type Console struct {
	Bucket       awss3.Bucket
	Distribution awscloudfront.Distribution
	URL          *string
}

// consoleLinkRewrite sends the console's own paths and the links Gatehouse
// mails (/invites/accept, /activate) to the console's index.html; the
// console reads the token from the address.
const consoleLinkRewrite = `function handler(event) {
  var r = event.request;
  if (r.uri === '/' || r.uri === '/console' || r.uri === '/console/' || r.uri === '/invites/accept' || r.uri === '/activate') {
    r.uri = '/console/index.html';
  }
  return r;
}`

// consoleDir finds the built console: web/dist beside the build directory
// (make synth, make deploy), or beside the infra module (its tests, which
// use a temporary build directory).
func consoleDir(props *GatehouseStackProps) string {
	for _, dir := range []string{
		filepath.Join(filepath.Dir(props.BuildDir), "web", "dist"),
		filepath.Join("..", "web", "dist"),
	} {
		if _, err := os.Stat(filepath.Join(dir, "index.html")); err == nil {
			abs, err := filepath.Abs(dir)
			if err == nil {
				return abs
			}
		}
	}
	return ""
}

// newConsole deploys web/dist (built by make console) with its runtime
// configuration (config.json: API URL, pool and client ids, SRP sign-in).
// It returns nil, with a note, when web/dist is not built, so the stack
// still synthesizes without Node.js. Unless a public URL is configured,
// invite and activation links point at the console.
func newConsole(stack awscdk.Stack, props *GatehouseStackProps, s *GatehouseStack) *Console {
	dist := consoleDir(props)
	if dist == "" {
		awscdk.Annotations_Of(stack).AddInfo(jsii.String("web/dist is not built (make console): the web console is not deployed"))
		return nil
	}
	removal := awscdk.RemovalPolicy_RETAIN
	if props.Ephemeral() {
		removal = awscdk.RemovalPolicy_DESTROY
	}
	bucket := awss3.NewBucket(stack, jsii.String("ConsoleBucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		RemovalPolicy:     removal,
		AutoDeleteObjects: jsii.Bool(props.Ephemeral()),
	})

	cognitoOrigin := "https://cognito-idp." + *stack.Region() + ".amazonaws.com"
	headers := awscloudfront.NewResponseHeadersPolicy(stack, jsii.String("ConsoleHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String("default-src 'self'; connect-src 'self' " + cognitoOrigin +
					"; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
				Override: jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions:       &awscloudfront.ResponseHeadersFrameOptions{FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true)},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(365)), IncludeSubdomains: jsii.Bool(true), Override: jsii.Bool(true)},
		},
	})
	// The API behind CloudFront: every method, the Authorization header in
	// the cache key (CloudFront forwards it only so, and a response can then
	// never be served to another caller) with no caching (TTL 0 unless the
	// API says otherwise, which it does not), and every other viewer header
	// but Host, which API Gateway needs to be its own.
	apiCache := awscloudfront.NewCachePolicy(stack, jsii.String("ConsoleApiCache"), &awscloudfront.CachePolicyProps{
		DefaultTtl:          awscdk.Duration_Seconds(jsii.Number(0)),
		MinTtl:              awscdk.Duration_Seconds(jsii.Number(0)),
		MaxTtl:              awscdk.Duration_Seconds(jsii.Number(1)),
		HeaderBehavior:      awscloudfront.CacheHeaderBehavior_AllowList(jsii.String("Authorization")),
		QueryStringBehavior: awscloudfront.CacheQueryStringBehavior_All(),
		CookieBehavior:      awscloudfront.CacheCookieBehavior_None(),
	})
	apiDomain := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), s.API.URL, nil))
	rewrite := awscloudfront.NewFunction(stack, jsii.String("ConsoleLinks"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(consoleLinkRewrite)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
	})
	distribution := awscloudfront.NewDistribution(stack, jsii.String("Console"), &awscloudfront.DistributionProps{
		Comment: jsii.String("Gatehouse web console and API (" + props.Stage + ")"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			ResponseHeadersPolicy: headers,
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				Function: rewrite, EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
			}},
		},
		AdditionalBehaviors: &map[string]*awscloudfront.BehaviorOptions{
			"/v1/*": {
				Origin: awscloudfrontorigins.NewHttpOrigin(apiDomain, &awscloudfrontorigins.HttpOriginProps{
					ProtocolPolicy: awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
				}),
				ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
				AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
				CachePolicy:          apiCache,
				OriginRequestPolicy:  awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			},
		},
		MinimumProtocolVersion: awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021,
	})
	url := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), distribution.DistributionDomainName()})

	awss3deployment.NewBucketDeployment(stack, jsii.String("ConsoleFiles"), &awss3deployment.BucketDeploymentProps{
		Sources: &[]awss3deployment.ISource{
			awss3deployment.Source_Asset(jsii.String(dist), nil),
			awss3deployment.Source_JsonData(jsii.String("config.json"), map[string]any{
				"apiUrl":     url,
				"region":     stack.Region(),
				"userPoolId": s.Auth.Pool.UserPoolId(),
				"clientId":   s.Auth.Client.UserPoolClientId(),
				"authFlow":   "USER_SRP_AUTH",
			}, nil),
		},
		DestinationBucket:    bucket,
		DestinationKeyPrefix: jsii.String("console/"),
		Distribution:         distribution,
		DistributionPaths:    &[]*string{jsii.String("/console/*")},
	})
	if props.PublicURL == "" {
		// Invite and activation links open the console, on this origin.
		for _, f := range s.Functions {
			f.Fn.AddEnvironment(jsii.String("GATEHOUSE_PUBLIC_URL"), url, nil)
		}
	}
	awscdk.NewCfnOutput(stack, jsii.String("ConsoleUrl"), &awscdk.CfnOutputProps{
		Value: awscdk.Fn_Join(jsii.String(""), &[]*string{url, jsii.String("/console/")}), Description: jsii.String("The web console"),
	})
	suppressConsoleNag(stack, bucket, distribution)
	return &Console{Bucket: bucket, Distribution: distribution, URL: url}
}

// consoleDeploymentID is the id CDK gives the singleton function behind
// every BucketDeployment of a stack.
const consoleDeploymentID = "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C"

// suppressConsoleNag gives cdk-nag's findings on the console's hosting
// their reasons: it serves a static single-page app and nothing else.
func suppressConsoleNag(stack awscdk.Stack, bucket awss3.Bucket, dist awscloudfront.Distribution) {
	suppress := func(c constructs.IConstruct, id, reason string, appliesTo ...string) {
		sup := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
		if len(appliesTo) > 0 {
			var a []any
			for _, x := range appliesTo {
				a = append(a, x)
			}
			sup.AppliesTo = &a
		}
		cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{sup}, jsii.Bool(true))
	}
	suppress(bucket, "AwsSolutions-S1",
		"The bucket holds only the console's built static files (no data); it is private and read only by CloudFront through origin access control, so its reads are CloudFront's, and every API call the console makes is logged by the HTTP API's access logs (api.go).")
	suppress(dist, "AwsSolutions-CFR3",
		"The distribution serves the console's static files and forwards /v1/* to the HTTP API, whose stage writes a JSON access log of every request (api.go); a second log of the same calls would hold the same data.")
	suppress(dist, "AwsSolutions-CFR4",
		"The minimum protocol is TLSv1.2_2021 in the distribution's settings, but with the default *.cloudfront.net certificate CloudFront keeps TLSv1 as the floor; a custom domain with its ACM certificate (DEPLOY.md) applies the TLSv1.2 policy.")
	suppress(dist, "AwsSolutions-CFR1",
		"A multi-tenant product serves customers in every country: no geographic restriction belongs in the product; an operator may add one per deployment.")
	suppress(dist, "AwsSolutions-CFR2",
		"WAF is billed per web ACL and request and its rules are an operator's choice per deployment (DEPLOY.md); the API behind it is rate-limited by the HTTP API stage and every request is authorized.")
	if helper := stack.Node().TryFindChild(jsii.String(consoleDeploymentID)); helper != nil {
		suppress(helper, "AwsSolutions-IAM4",
			"CDK's own BucketDeployment function (it copies the built console into the bucket at deploy time) comes with the basic execution managed policy; it runs only during deployments.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
		suppress(helper, "AwsSolutions-IAM5",
			"CDK's own BucketDeployment function reads the asset from CDK's staging bucket and writes and prunes the console bucket (s3:GetObject*, List*, DeleteObject*, Abort* on those buckets), and invalidates the distribution's cache, which CloudFront's CreateInvalidation and GetInvalidation allow only on resource *.")
	}
}
