package invites

import (
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/mail"
)

// ConfigFrom reads the use case's configuration from the app's.
func ConfigFrom(c app.Config) Config {
	return Config{PublicURL: c.PublicURL, EmailRule: c.InviteEmailRule}
}

// Handler builds the invites function's mux from the app's dependencies,
// as functions/invites/main.go and the local stack do.
func Handler(d *app.Deps) (*apigw.Mux, error) {
	sender, err := mail.FromConfig(d.AWSConfig, d.Config.EmailFrom, d.Config.OutboxDir)
	if err != nil {
		return nil, err
	}
	svc := NewService(d.Store(), cognito.FromDeps(d), d.Catalogue(), sender, ConfigFrom(d.Config), d.Log)
	return NewMux(svc, d.Log), nil
}
