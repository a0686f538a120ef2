// Command triggers serves the Cognito user pool triggers (PreSignUp,
// PostConfirmation, PreTokenGeneration).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/triggers"
)

func main() {
	lambda.Start(triggers.Function(app.MustLoad()).Handle)
}
