// Package members builds the `members` function: the membership routes: list, read, create, change, remove
// and leave.
package members

import (
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/impersonation"
	"github.com/gatehouse-dev/gatehouse/shared/members"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/membership"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	uc, err := membership.New(d)
	if err != nil {
		return app.Function{}, err
	}
	mux := members.NewMux(uc.Members, d.Log)
	// Moving a member between orgs of one tree (issue 17, item 2).
	members.RegisterMove(mux, members.NewMover(d.Store(), d.Catalogue()))
	// Impersonation (issue 17).
	impersonation.RegisterOrg(mux, impersonation.NewService(d.Store(), d.Catalogue()))
	return app.Function{Mux: mux.WithIdempotency(apigw.IdempotencyFrom(d.Store()))}, nil
}
