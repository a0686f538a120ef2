// Command members is the Lambda function of the membership routes: list,
// read, create, change, remove members and leave an org.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/members"
)

func main() { app.Start(members.New) }
