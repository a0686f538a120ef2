// Command scim serves SCIM 2.0 for identity providers (Okta, Microsoft
// Entra ID) and the org's SCIM tokens.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/scim"
)

func main() { app.Start(scim.New) }
