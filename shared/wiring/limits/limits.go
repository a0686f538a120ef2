// Package limits builds the `limits` function: the org quota routes.
package limits

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/limits"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	return app.Function{Mux: limits.NewMux(limits.NewService(d.Store(), d.Catalogue()), d.Log)}, nil
}
