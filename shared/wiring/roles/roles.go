// Package roles builds the `roles` function: the custom roles routes.
package roles

import (
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/roles"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	return app.Function{Mux: roles.NewMux(roles.NewService(d.Store(), d.Catalogue()), d.Log).WithIdempotency(apigw.IdempotencyFrom(d.Store()))}, nil
}
