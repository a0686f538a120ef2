// Command limits is the Lambda function of the org quota routes
// (GET/PUT /v1/orgs/{orgId}/limits).
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/limits"
)

func main() { app.Start(limits.New) }
