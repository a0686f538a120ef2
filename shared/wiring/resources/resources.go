// Package resources builds the `resources` function: the resource registry, grants and the check API.
package resources

import (
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/resources"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	return app.Function{Mux: resources.NewMux(resources.NewService(d.Store(), d.Catalogue()), d.Log).WithIdempotency(apigw.IdempotencyFrom(d.Store()))}, nil
}
