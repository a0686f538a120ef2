// Package groups builds the `groups` function: the groups of an org: create, delete, list, members and
// bound roles.
package groups

import (
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/groups"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	return app.Function{Mux: groups.NewMux(groups.NewService(d.Store(), d.Catalogue()), d.Log).WithIdempotency(apigw.IdempotencyFrom(d.Store()))}, nil
}
