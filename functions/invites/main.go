// Command invites is the Lambda function of the invitation routes: invite,
// list, revoke, resend and accept.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/invites"
)

func main() { app.Start(invites.New) }
