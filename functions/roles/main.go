// Command roles is the Lambda function of the custom roles routes.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/roles"
)

func main() { app.Start(roles.New) }
