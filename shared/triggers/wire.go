package triggers

import "github.com/gatehouse-dev/gatehouse/shared/app"

// Function builds the trigger handler from the configuration.
func Function(d *app.Deps) *Handler { return New(d.Store(), d.Log) }
