// Command audit is the Lambda function of the audit log route.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/audit"
)

func main() {
	d := app.MustLoad()
	lambda.Start(audit.NewMux(audit.NewService(d.Store()), d.Log).Serve)
}
