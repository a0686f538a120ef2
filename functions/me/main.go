// Command me serves the caller's own account, the permission catalogue and
// the OpenAPI document.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/accounts"
	"github.com/gatehouse-dev/gatehouse/shared/app"
)

func main() {
	lambda.Start(accounts.MeFunction(app.MustLoad()).Serve)
}
