// Package sweeper builds the `sweeper` function: the expiration sweep, run by an EventBridge schedule.
package sweeper

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/admin"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/reconcile"
	"github.com/gatehouse-dev/gatehouse/shared/sweep"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	pool := cognito.NewFromConfig(d.MustAWSConfig(), d.Config.CognitoEndpoint, d.Config.UserPoolID)
	// Intents left pending are finished or undone (docs/reliability.md).
	rec := reconcile.New(d.Store(), pool, admin.NewService(d.Store(), pool, d.Catalogue()), d.Log)
	w := sweep.New(d.Store(), pool, d.Log, sweep.Options{Intents: rec})
	return app.Function{Handler: func(ctx context.Context, _ events.EventBridgeEvent) error {
		return w.Drain(ctx)
	}}, nil
}
