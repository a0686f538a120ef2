// Command resources serves the resource registry, grants and the check API.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/resources"
)

func main() {
	lambda.Start(resources.Function(app.MustLoad()).Serve)
}
