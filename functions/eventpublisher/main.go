// Command eventpublisher puts the org event stream on the EventBridge bus:
// it is invoked by the table's DynamoDB stream with the audit items the
// transactions insert (docs/events.md).
package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/eventpublisher"
)

func main() { app.Start(eventpublisher.New) }
