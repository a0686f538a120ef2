// Command sweeper is the expiration sweep, run by an EventBridge schedule
// (every five minutes): it expires accounts, memberships, invites and API
// tokens whose expiresAt has passed and disables expired accounts in Cognito.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/sweep"
)

func main() {
	d := app.MustLoad()
	w := sweep.New(d.Store(), cognito.FromDeps(d), d.Log, sweep.Options{})
	lambda.Start(func(ctx context.Context, _ events.EventBridgeEvent) error {
		return w.Drain(ctx)
	})
}
