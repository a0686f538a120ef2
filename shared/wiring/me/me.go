// Package me builds the `me` function: the caller's own account, the permission catalogue and the
// OpenAPI document.
package me

import (
	"github.com/gatehouse-dev/gatehouse/shared/accounts"
	"github.com/gatehouse-dev/gatehouse/shared/app"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	return app.Function{Mux: accounts.NewMeMux(accounts.NewService(d.Store(), d.Catalogue()), d.Log)}, nil
}
