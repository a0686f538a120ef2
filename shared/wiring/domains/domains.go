// Package domains builds the `domains` function: an org's verified email
// domains and their join policies, and the orgs a user may join by its
// email's domain.
package domains

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/domains"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	s := domains.NewService(d.Store(), d.Catalogue(), domains.NewResolver(d.Config.DNSResolver))
	return app.Function{Mux: domains.NewMux(s, d.Log)}, nil
}
