// Command tokens serves API tokens: create (shown once), list, revoke.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/tokens"
)

func main() {
	lambda.Start(tokens.Function(app.MustLoad()).Serve)
}
