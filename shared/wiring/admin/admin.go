// Package admin builds the `admin` function: the platform admin routes: accounts and the sign-up policy.
package admin

import (
	"github.com/gatehouse-dev/gatehouse/shared/admin"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	pool := cognito.NewFromConfig(d.MustAWSConfig(), d.Config.CognitoEndpoint, d.Config.UserPoolID)
	svc := admin.NewService(d.Store(), pool.BySub(), d.Catalogue()).WithAdminMFA(d.Config.RequireAdminMFA)
	return app.Function{Mux: admin.NewMux(svc, d.Log)}, nil
}
