package routes

import "time"

// Reliability (docs/reliability.md): each function's timeout, the single
// source for infra (its Lambda timeout) and the local gateway (which
// stops waiting for a function at the same point, as Lambda kills it).
// Every HTTP function's timeout is under IntegrationTimeout, so API Gateway
// never gives up first, and apigw.Mux answers 503 a margin before it, so a
// function always answers before it is killed.

// IntegrationTimeout is HTTP API's maximum integration timeout.
const IntegrationTimeout = 30 * time.Second

// AuthorizerTimeout is what HTTP API waits for a Lambda authorizer.
const AuthorizerTimeout = 10 * time.Second

// Function timeouts.
const (
	// TimeoutHTTP: one transaction plus its reads, with SDK retries.
	TimeoutHTTP = 10 * time.Second
	// TimeoutLifecycle: functions that also call Cognito and SES, each
	// call bounded by its own deadline (app.Config.CallTimeout).
	TimeoutLifecycle = 15 * time.Second
	// TimeoutTrigger: Cognito waits 5 s for a trigger.
	TimeoutTrigger = 5 * time.Second
	// TimeoutSweep is under the schedule's interval (infra/schedule.go).
	TimeoutSweep = 120 * time.Second
	// TimeoutImport: a bulk import works within a budget under it
	// (docs/imports.md), still under IntegrationTimeout.
	TimeoutImport = 25 * time.Second
	// TimeoutStream: a batch of 100 stream records takes at least 10
	// PutEvents calls, plus their retries and waits (docs/events.md).
	TimeoutStream = 60 * time.Second
)

// Timeout is a function's timeout.
func Timeout(fn string) time.Duration {
	switch fn {
	case FnAuthorizer, FnTriggers:
		return TimeoutTrigger
	case FnSweeper:
		return TimeoutSweep
	case FnNotFound:
		return 3 * time.Second
	case FnOrgs, FnMembers, FnInvites, FnActivate, FnAdmin, FnScim:
		return TimeoutLifecycle
	case FnImports:
		return TimeoutImport
	case FnEventPublisher:
		return TimeoutStream
	}
	return TimeoutHTTP
}
