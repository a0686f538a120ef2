// Command authorizer is the HTTP API's Lambda REQUEST authorizer.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/authorizer"
)

func main() { app.Start(authorizer.New) }
