// Package tokens builds the `tokens` function: the API token routes: create (shown once), list, revoke.
package tokens

import (
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/tokens"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	return app.Function{Mux: tokens.NewMux(tokens.NewService(d.Store(), d.Catalogue()), d.Log).WithIdempotency(apigw.IdempotencyFrom(d.Store()))}, nil
}
