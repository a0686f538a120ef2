// Package imports builds the `imports` function: bulk import of members
// through the members, invites and groups use cases.
package imports

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/groups"
	"github.com/gatehouse-dev/gatehouse/shared/imports"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/membership"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	uc, err := membership.New(d)
	if err != nil {
		return app.Function{}, err
	}
	grp := groups.NewService(d.Store(), d.Catalogue())
	s := imports.NewService(d.Store(), uc.Members, grp, imports.DefaultConfig(), d.Log)
	return app.Function{Mux: imports.NewMux(s, d.Log)}, nil
}
