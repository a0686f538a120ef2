// Package members builds the `members` function: the membership routes: list, read, create, change, remove
// and leave.
package members

import (
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/impersonation"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/mail"
	"github.com/gatehouse-dev/gatehouse/shared/members"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	sender, err := mail.FromConfig(d.AWSConfig, d.Config.EmailFrom, d.Config.OutboxDir)
	if err != nil {
		return app.Function{}, err
	}
	pool := cognito.NewFromConfig(d.MustAWSConfig(), d.Config.CognitoEndpoint, d.Config.UserPoolID)
	cfg := members.DefaultConfig(d.Config.PublicURL)
	cfg.PersonalOrgOnLastLeave = d.Config.PersonalOrgOnLeave
	inv := invites.NewService(d.Store(), pool, d.Catalogue(), sender,
		invites.Config{PublicURL: d.Config.PublicURL, EmailRule: d.Config.InviteEmailRule}, d.Log)
	mux := members.NewMux(members.NewService(d.Store(), inv, pool, d.Catalogue(), sender, cfg, d.Log), d.Log)
	// Moving a member between orgs of one tree (issue 17, item 2).
	members.RegisterMove(mux, members.NewMover(d.Store(), d.Catalogue()))
	// Impersonation (issue 17).
	impersonation.RegisterOrg(mux, impersonation.NewService(d.Store(), d.Catalogue()))
	return app.Function{Mux: mux.WithIdempotency(apigw.IdempotencyFrom(d.Store()))}, nil
}
