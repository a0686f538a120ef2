// Package orgs builds the `orgs` function: org creation, reading, update, deletion and sub-orgs.
package orgs

import (
	"github.com/gatehouse-dev/gatehouse/shared/accounts"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/suborgs"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	sub := suborgs.NewService(d.Store())
	return app.Function{Mux: accounts.NewOrgsMux(accounts.NewService(d.Store(), d.Catalogue()), d.Log,
		func(m *apigw.Mux) { suborgs.Register(m, sub) },
		// Deleting a sub-org through its parent (issue 17, customer lifecycle).
		func(m *apigw.Mux) { suborgs.RegisterDelete(m, d.Store()) }).WithIdempotency(apigw.IdempotencyFrom(d.Store()))}, nil
}
