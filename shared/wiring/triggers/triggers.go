// Package triggers builds the `triggers` function: the Cognito user pool triggers (PreSignUp, PostConfirmation,
// PreTokenGeneration).
package triggers

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/triggers"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	return app.Function{Handler: triggers.New(d.Store(), d.Log).WithDomains(d.Catalogue()).Handle}, nil
}
