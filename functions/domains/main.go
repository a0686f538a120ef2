// Command domains serves an org's verified email domains and join
// policies, and the orgs a user may join by its email's domain.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/domains"
)

func main() { app.Start(domains.New) }
