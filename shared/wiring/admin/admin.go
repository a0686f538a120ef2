// Package admin builds the `admin` function: the platform admin routes: accounts and the sign-up policy.
package admin

import (
	"github.com/gatehouse-dev/gatehouse/shared/admin"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/impersonation"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	pool := cognito.NewFromConfig(d.MustAWSConfig(), d.Config.CognitoEndpoint, d.Config.UserPoolID)
	svc := admin.NewService(d.Store(), pool.BySub(), d.Catalogue()).WithAdminMFA(d.Config.RequireAdminMFA).WithPublicURL(d.Config.PublicURL)
	mux := admin.NewMux(svc, d.Log)
	// A platform admin deletes any org (issue 17, customer lifecycle).
	admin.RegisterOrgDelete(mux, svc, d.Store())
	// Impersonation (issue 17).
	admin.RegisterImpersonation(mux, svc, impersonation.NewService(d.Store(), d.Catalogue()))
	return app.Function{Mux: mux}, nil
}
