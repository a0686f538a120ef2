package members

import (
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/mail"
)

// ConfigFrom reads the use case's configuration from the app's.
func ConfigFrom(c app.Config) Config {
	cfg := DefaultConfig(c.PublicURL)
	cfg.PersonalOrgOnLastLeave = c.PersonalOrgOnLeave
	return cfg
}

// Sender returns the mail sender of the app's configuration.
func Sender(d *app.Deps) (mail.Sender, error) {
	return mail.FromConfig(d.AWSConfig, d.Config.EmailFrom, d.Config.OutboxDir)
}

// Handler builds the members function's mux from the app's dependencies,
// as functions/members/main.go and the local stack do.
func Handler(d *app.Deps) (*apigw.Mux, error) {
	sender, err := Sender(d)
	if err != nil {
		return nil, err
	}
	pool := cognito.FromDeps(d)
	inv := invites.NewService(d.Store(), pool, d.Catalogue(), sender, invites.ConfigFrom(d.Config), d.Log)
	svc := NewService(d.Store(), inv, pool, d.Catalogue(), sender, ConfigFrom(d.Config), d.Log)
	return NewMux(svc, d.Log), nil
}
