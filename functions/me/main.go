// Command me serves the caller's own account, the permission catalogue and
// the OpenAPI document.
package main

import (
	// The caller's time zone must validate as an IANA zone where the OS has
	// no zone database (provided.al2023): only this function needs it.
	_ "time/tzdata"

	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/me"
)

func main() { app.Start(me.New) }
