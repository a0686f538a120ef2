package authorizer

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/jwtverify"
)

// Function builds the authorizer from the configuration, as the Lambda
// function and the local stack both run it.
func Function(d *app.Deps) *Authorizer {
	return New(Options{
		Verifier:  jwtverify.New(d.Config.Issuer, d.Config.ClientID, d.Config.JWKSURL),
		Store:     d.Store(),
		Catalogue: d.Catalogue(),
		CacheTTL:  d.Config.AuthzCacheTTL,
		Log:       d.Log,
	})
}
