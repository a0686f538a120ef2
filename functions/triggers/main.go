// Command triggers serves the Cognito user pool triggers (PreSignUp,
// PostConfirmation, PreTokenGeneration).
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/triggers"
)

func main() { app.Start(triggers.New) }
