// Package audit builds the `audit` function: the audit log route.
package audit

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/audit"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	return app.Function{Mux: audit.NewMux(audit.NewService(d.Store()), d.Log)}, nil
}
