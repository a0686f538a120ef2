// Package me builds the `me` function: the caller's own account, the permission catalogue and the
// OpenAPI document.
package me

import (
	"github.com/gatehouse-dev/gatehouse/shared/accounts"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/impersonation"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	m := accounts.NewMeMux(accounts.NewService(d.Store(), d.Catalogue()), d.Log)
	// The caller's own audit view (issue 17, impersonation).
	impersonation.RegisterMe(m, impersonation.NewService(d.Store(), d.Catalogue()))
	return app.Function{Mux: m}, nil
}
