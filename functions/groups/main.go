// Command groups serves the groups of an org: create, delete, list, members
// and bound roles.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/groups"
)

func main() { app.Start(groups.New) }
