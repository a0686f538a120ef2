// Package invites builds the `invites` function: the invitation routes: invite, list, revoke, resend and
// accept.
package invites

import (
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/mail"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	sender, err := mail.FromConfig(d.AWSConfig, d.Config.EmailFrom, d.Config.OutboxDir)
	if err != nil {
		return app.Function{}, err
	}
	pool := cognito.NewFromConfig(d.MustAWSConfig(), d.Config.CognitoEndpoint, d.Config.UserPoolID)
	cfg := invites.Config{PublicURL: d.Config.PublicURL, EmailRule: d.Config.InviteEmailRule}
	return app.Function{Mux: invites.NewMux(invites.NewService(d.Store(), pool, d.Catalogue(), sender, cfg, d.Log), d.Log).WithIdempotency(apigw.IdempotencyFrom(d.Store()))}, nil
}
