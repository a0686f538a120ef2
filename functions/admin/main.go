// Command admin is the Lambda function of the platform admin routes:
// accounts (find, read, disable, expire, limits, delete) and the sign-up
// policy.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/admin"
)

func main() { app.Start(admin.New) }
