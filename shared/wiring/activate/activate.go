// Package activate builds the `activate` function: account activation by
// token (POST /v1/activate, public). It gets the table store and a Cognito
// pool, used only to set a password.
package activate

import (
	"github.com/gatehouse-dev/gatehouse/shared/activation"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	pool := cognito.NewFromConfig(d.MustAWSConfig(), d.Config.CognitoEndpoint, d.Config.UserPoolID)
	return app.Function{Mux: activation.NewMux(activation.NewService(d.Store(), pool), d.Log)}, nil
}
