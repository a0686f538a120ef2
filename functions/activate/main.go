// Command activate is the Lambda function of the public account activation
// route (POST /v1/activate), alone in its function so that a public route
// runs where nothing can create or delete accounts.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/activate"
)

func main() { app.Start(activate.New) }
