package main

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Events is the org event stream's delivery (docs/events.md): the bus the
// event publisher puts every org's events on, and the queue that receives
// the stream batches it could not publish.
type Events struct {
	Bus awsevents.EventBus
	// Failures receives, from the event source mapping, the description
	// (shard and sequence numbers) of batches given up on; an alarm
	// watches its depth. The events themselves stay readable from the API.
	Failures awssqs.Queue
}

// newEvents declares the bus and connects the table's stream to the event
// publisher: inserts of org audit items only (the filter of
// shared/tabledef, the local stack emulates the same), from the oldest
// record kept, one batch at a time per shard (ParallelizationFactor 1:
// records of one org, one partition key, are processed in order), with
// batch item failures reported by the publisher so that a retry starts at
// the first unpublished record, bisection of a batch whose invocation
// fails, bounded retries and record age, then the failure queue.
func newEvents(stack awscdk.Stack, props *GatehouseStackProps, table *Table, fns Functions) *Events {
	pub := fns[routes.FnEventPublisher]
	bus := awsevents.NewEventBus(stack, jsii.String("EventBus"), &awsevents.EventBusProps{
		EventBusName: jsii.String("gatehouse-" + props.Stage),
		Description:  jsii.String("Gatehouse org events (" + props.Stage + "), source " + eventSource),
	})
	pub.Fn.AddEnvironment(jsii.String("GATEHOUSE_EVENT_BUS"), bus.EventBusName(), nil)
	if pub.Spec.PutsEvents {
		bus.GrantPutEventsTo(pub.Fn, nil)
	}
	failures := awssqs.NewQueue(stack, jsii.String("EventPublishFailures"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	var pattern map[string]any
	if err := json.Unmarshal([]byte(tabledef.FilterPattern()), &pattern); err != nil {
		panic(fmt.Sprintf("tabledef.FilterPattern: %v", err))
	}
	pub.Fn.AddEventSource(awslambdaeventsources.NewDynamoEventSource(table.Table, &awslambdaeventsources.DynamoEventSourceProps{
		StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:               jsii.Number(tabledef.PublisherBatchSize),
		ParallelizationFactor:   jsii.Number(1),
		ReportBatchItemFailures: jsii.Bool(true),
		BisectBatchOnError:      jsii.Bool(true),
		RetryAttempts:           jsii.Number(tabledef.PublisherMaxRetries),
		MaxRecordAge:            awscdk.Duration_Seconds(jsii.Number(tabledef.PublisherMaxRecordAgeSeconds)),
		OnFailure:               awslambdaeventsources.NewSqsDlq(failures),
		Filters:                 &[]*map[string]any{awslambda.FilterCriteria_Filter(&pattern)},
	}))
	return &Events{Bus: bus, Failures: failures}
}

// eventSource is the source of the publisher's events (shared/eventpub).
const eventSource = "gatehouse"
