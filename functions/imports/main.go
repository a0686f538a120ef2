// Command imports serves the bulk import of members.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/imports"
)

func main() { app.Start(imports.New) }
