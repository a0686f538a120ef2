// Package audit builds the `audit` function: the audit log and the event stream routes.
package audit

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/audit"
	"github.com/gatehouse-dev/gatehouse/shared/events"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	m := audit.NewMux(audit.NewService(d.Store()), d.Log)
	// The event stream reads the audit items too (docs/events.md).
	events.Register(m, events.NewService(d.Store(), d.Config.EventsSettle), d.Log)
	return app.Function{Mux: m}, nil
}
