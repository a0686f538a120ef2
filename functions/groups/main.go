// Command groups serves the groups of an org: create, delete, list, members
// and bound roles.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/groups"
)

func main() {
	lambda.Start(groups.Function(app.MustLoad()).Serve)
}
