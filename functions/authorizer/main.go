// Command authorizer is the HTTP API's Lambda REQUEST authorizer.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/authorizer"
)

func main() {
	lambda.Start(authorizer.Function(app.MustLoad()).Handle)
}
