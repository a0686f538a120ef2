// Package notfound builds the `notfound` function: the answer of the HTTP
// API's $default route (unknown paths and methods). It has no mux, as it
// serves no route of the table, and no client: it reads nothing.
package notfound

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/notfound"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	return app.Function{Handler: notfound.New(d.Log).Serve}, nil
}
