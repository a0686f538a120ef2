// Command notfound answers the HTTP API's $default route: every request no
// route matches gets a problem+json 404, or 405 with Allow.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/notfound"
)

func main() { app.Start(notfound.New) }
