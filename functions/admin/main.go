// Command admin is the Lambda function of the platform admin routes:
// accounts (find, read, disable, expire, limits, delete) and the sign-up
// policy.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/admin"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
)

func main() {
	d := app.MustLoad()
	lambda.Start(admin.NewMux(admin.NewService(d.Store(), cognito.FromDeps(d), d.Catalogue()), d.Log).Serve)
}
