// Package imports builds the `imports` function: bulk import of members
// through the members, invites and groups use cases.
package imports

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/groups"
	"github.com/gatehouse-dev/gatehouse/shared/imports"
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
	mem := members.NewService(d.Store(), inv, pool, d.Catalogue(), sender, cfg, d.Log)
	grp := groups.NewService(d.Store(), d.Catalogue())
	s := imports.NewService(d.Store(), mem, grp, imports.DefaultConfig(), d.Log)
	return app.Function{Mux: imports.NewMux(s, d.Log)}, nil
}
