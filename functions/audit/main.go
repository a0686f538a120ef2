// Command audit is the Lambda function of the audit log route.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/audit"
)

func main() { app.Start(audit.New) }
