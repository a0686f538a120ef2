// Package membership builds the use cases that create and invite members,
// which three functions share (members, scim, imports): one place that
// wires them, so that each function creates members exactly as the others
// do (rule 11, intents, the same configuration).
package membership

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/mail"
	"github.com/gatehouse-dev/gatehouse/shared/members"
)

// UseCases are the members and invites use cases and the mail sender they
// share.
type UseCases struct {
	Members *members.Service
	Invites *invites.Service
	Sender  mail.Sender
}

// New builds them from the shared dependencies.
func New(d *app.Deps) (*UseCases, error) {
	sender, err := mail.FromConfig(d.AWSConfig, d.Config.EmailFrom, d.Config.OutboxDir)
	if err != nil {
		return nil, err
	}
	pool := cognito.NewFromConfig(d.MustAWSConfig(), d.Config.CognitoEndpoint, d.Config.UserPoolID)
	cfg := members.DefaultConfig(d.Config.PublicURL)
	cfg.PersonalOrgOnLastLeave = d.Config.PersonalOrgOnLeave
	inv := invites.NewService(d.Store(), pool, d.Catalogue(), sender,
		invites.Config{PublicURL: d.Config.PublicURL, EmailRule: d.Config.InviteEmailRule}, d.Log)
	return &UseCases{
		Members: members.NewService(d.Store(), inv, pool, d.Catalogue(), sender, cfg, d.Log),
		Invites: inv,
		Sender:  sender,
	}, nil
}
