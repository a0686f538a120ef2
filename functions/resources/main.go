// Command resources serves the resource registry, grants and the check API.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/resources"
)

func main() { app.Start(resources.New) }
