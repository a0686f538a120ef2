// Command orgs serves org creation, reading, update, deletion and sub-orgs.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/orgs"
)

func main() { app.Start(orgs.New) }
