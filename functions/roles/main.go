// Command roles is the Lambda function of the custom roles routes.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/roles"
)

func main() {
	d := app.MustLoad()
	svc := roles.NewService(d.Store(), d.Catalogue())
	lambda.Start(roles.NewMux(svc, d.Log).Serve)
}
