// Command tokens serves API tokens: create (shown once), list, revoke.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/tokens"
)

func main() { app.Start(tokens.New) }
