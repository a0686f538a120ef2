// Command sweeper is the expiration sweep, run by an EventBridge schedule
// (every five minutes): it expires accounts, memberships, invites and API
// tokens whose expiresAt has passed and disables expired accounts in Cognito.
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/sweeper"
)

func main() { app.Start(sweeper.New) }
