// Package authorizer builds the `authorizer` function: the HTTP API's Lambda REQUEST authorizer.
package authorizer

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/authorizer"
	"github.com/gatehouse-dev/gatehouse/shared/jwtverify"
)

// New builds the function from the shared dependencies.
func New(d *app.Deps) (app.Function, error) {
	a := authorizer.New(authorizer.Options{
		Verifier:  jwtverify.New(d.Config.Issuer, d.Config.ClientID, d.Config.JWKSURL),
		Store:     d.Store(),
		Catalogue: d.Catalogue(),
		CacheTTL:  d.Config.AuthzCacheTTL,
		Log:       d.Log,
	})
	return app.Function{Handler: a.Handle}, nil
}
