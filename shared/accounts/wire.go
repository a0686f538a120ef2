package accounts

import (
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
)

// MeFunction builds the `me` function's mux from the configuration.
func MeFunction(d *app.Deps) *apigw.Mux {
	return NewMeMux(NewService(d.Store(), d.Catalogue()), d.Log)
}

// OrgsFunction builds the `orgs` function's mux; register adds routes served
// by other packages in the same function (sub-orgs).
func OrgsFunction(d *app.Deps, register ...func(*apigw.Mux)) *apigw.Mux {
	return NewOrgsMux(NewService(d.Store(), d.Catalogue()), d.Log, register...)
}
