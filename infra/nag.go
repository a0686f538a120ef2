package main

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// publicRouteReasons says, for each public route of routes.Table, why it has
// no authorizer. A public route missing here keeps its cdk-nag finding
// (AwsSolutions-APIG4), which fails the infra tests.
var publicRouteReasons = map[string]string{
	"GET /v1/openapi.json": "The OpenAPI document describes the public API contract; it holds no tenant data and clients fetch it before they have a token.",
	"$default":             "The catch-all route answers 404 or 405 from the route table alone (the notfound function reads no data and has no data permissions); running the authorizer first would only add cost to unknown paths.",
	"POST /v1/activate":    "Activation is by possession of the single-use activation token (a random secret sent to the account's mailbox, stored hashed, expiring); the caller has no credentials yet. The route has its own throttle (api.go).",
}

// applyNagSuppressions records, on the constructs they concern, the cdk-nag
// (AwsSolutions) findings Gatehouse accepts, each with its reason. The infra
// tests run the AwsSolutions pack on every stage and fail on any finding
// not suppressed here.
func applyNagSuppressions(s *GatehouseStack) {
	suppress := func(c any, id, reason string, appliesTo ...string) {
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

	for _, name := range routes.AllFunctions {
		// Only the X-Ray statement has Resource "*" (TestWildcardResources).
		suppress(s.Functions[name].Role, "AwsSolutions-IAM5",
			"X-Ray tracing (Tracing: Active): xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so their resource must be *. Every data action names its table, index, pool or identity.",
			"Resource::*")
	}

	pool := s.Auth.Pool
	suppress(pool, "AwsSolutions-COG1",
		"Passwords need 12+ characters with a (lower case) letter and a digit, in Cognito and in Gatehouse's own check (gatehouse.ValidPassword). Upper case and symbol rules are left out on purpose: NIST SP 800-63B advises length over composition rules.")
	suppress(pool, "AwsSolutions-COG2",
		"TOTP MFA is offered to every user and optional (SMS is off): a multi-tenant product cannot force it on every tenant's users, and Cognito cannot require it of some users only, so Gatehouse requires it of platform admins itself (authz.PlatformAdminMFA, GATEHOUSE_REQUIRE_ADMIN_MFA on every stage but dev).")
	suppress(pool, "AwsSolutions-COG8",
		"Lite feature plan: Plus threat protection is billed per monthly active user. Gatehouse checks account and membership status on every request, rate-limits the API and alarms on authorizer denial spikes (alarms.go).")

	for key, route := range s.API.PublicRoutes {
		if reason, ok := publicRouteReasons[key]; ok {
			suppress(route, "AwsSolutions-APIG4", reason)
		}
	}

	suppress(s.CursorKey, "AwsSolutions-SMG4",
		"The cursor key only seals pagination cursors (HMAC); rotating it would end every cursor handed out and needs every function redeployed with the new value, so it is rotated by hand (a new secret version and a deploy), not on a schedule.")

	suppress(s.Sweep.Failures, "AwsSolutions-SQS3",
		"This queue is itself the end of the line: the sweeper's on-failure destination and the schedule's dead-letter queue. Nothing consumes it automatically; an alarm fires on its first message (SweepFailuresDepth).")
	// The event stream (docs/events.md).
	suppress(s.Events.Failures, "AwsSolutions-SQS3",
		"This queue is itself the end of the line: the event source mapping's on-failure destination for stream batches the publisher gave up on. Nothing consumes it automatically; an alarm fires on its first message (EventPublishFailuresDepth), and the events stay readable from the API.")
}
