package accounts

import (
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/suborgs"
)

// MeFunction builds the `me` function's mux from the configuration.
func MeFunction(d *app.Deps) *apigw.Mux {
	return NewMeMux(NewService(d.Store(), d.Catalogue()), d.Log)
}

// OrgsFunction builds the `orgs` function's mux, sub-org routes included.
func OrgsFunction(d *app.Deps) *apigw.Mux {
	return NewOrgsMux(NewService(d.Store(), d.Catalogue()), d.Log, suborgs.Registrar(d))
}
