// Command orgs serves org creation, reading, update, deletion and sub-orgs.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/accounts"
	"github.com/gatehouse-dev/gatehouse/shared/app"
)

func main() {
	lambda.Start(accounts.OrgsFunction(app.MustLoad()).Serve)
}
