// Package scim builds the `scim` function: SCIM 2.0 for identity
// providers, over the members, invites and groups use cases, and the
// org's SCIM tokens (docs/scim.md).
package scim

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/groups"
	"github.com/gatehouse-dev/gatehouse/shared/scim"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/membership"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	uc, err := membership.New(d)
	if err != nil {
		return app.Function{}, err
	}
	grp := groups.NewService(d.Store(), d.Catalogue())
	svc := scim.NewService(d.Store(), uc.Members, uc.Invites, grp, d.Catalogue(), uc.Sender, d.Log)
	return app.Function{Mux: scim.NewMux(svc, d.Log)}, nil
}
