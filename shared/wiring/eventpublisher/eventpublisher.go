// Package eventpublisher builds the `eventpublisher` function: the handler
// of the table's stream that puts the org event stream on the EventBridge
// bus (docs/events.md).
package eventpublisher

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/eventpub"
)

// New builds the function from the shared dependencies. Without a bus
// (GATEHOUSE_EVENT_BUS) every invocation fails, and the stream keeps its
// records for a configured one.
func New(d *app.Deps) (app.Function, error) {
	bus := eventbridge.NewFromConfig(d.MustAWSConfig(), func(o *eventbridge.Options) {
		if ep := d.Config.EventBridgeEndpoint; ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
	p := eventpub.New(bus, d.Config.EventBus, d.Log, eventpub.Options{})
	return app.Function{Handler: p.Handle}, nil
}
