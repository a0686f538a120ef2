// Command limits is the Lambda function of the org quota routes
// (GET/PUT /v1/orgs/{orgId}/limits).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/limits"
)

func main() {
	d := app.MustLoad()
	lambda.Start(limits.NewMux(limits.NewService(d.Store(), d.Catalogue()), d.Log).Serve)
}
