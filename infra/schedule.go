package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// sweepInterval is how often the expiration sweep runs, in minutes
// (docs/limits-and-expiry.md).
const sweepInterval = 5

// Sweep is the schedule of the expiration sweep and where its failed runs go.
type Sweep struct {
	Rule awsevents.Rule
	// Failures receives the runs that failed or could not start, from Lambda
	// (on-failure destination) and from EventBridge (target dead-letter
	// queue); an alarm watches its depth.
	Failures awssqs.Queue
}

// newSweepSchedule runs the sweeper every sweepInterval minutes, once.
//
// A failed run is not retried: the sweep is idempotent and resumable, so
// the next scheduled run, at most sweepInterval later, does the work, and a
// retry would only race it. Runs cannot overlap: the sweeper's reserved
// concurrency is 1 (Lambda queues an event that arrives while a run is in
// progress, which also absorbs EventBridge's rare duplicate deliveries),
// its timeout is under the interval, and an event still queued after
// sweepInterval (the sweeper kept busy or throttled that long) is dropped
// into the failure queue rather than run late.
func newSweepSchedule(stack awscdk.Stack, fns Functions) *Sweep {
	sweeper := fns[routes.FnSweeper].Fn
	failures := awssqs.NewQueue(stack, jsii.String("SweepFailures"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	maxAge := awscdk.Duration_Minutes(jsii.Number(sweepInterval))
	sweeper.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(0),
		MaxEventAge:   maxAge,
		OnFailure:     awslambdadestinations.NewSqsDestination(failures),
	})
	sweeper.Node().DefaultChild().(awslambda.CfnFunction).SetReservedConcurrentExecutions(jsii.Number(1))

	rule := awsevents.NewRule(stack, jsii.String("SweepSchedule"), &awsevents.RuleProps{
		Description: jsii.String("Gatehouse expiration sweep"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(sweepInterval))),
		Targets: &[]awsevents.IRuleTarget{
			awseventstargets.NewLambdaFunction(sweeper, &awseventstargets.LambdaFunctionProps{
				// EventBridge retries only when Lambda refuses the event
				// itself; the next run is as good as a retry.
				RetryAttempts:   jsii.Number(0),
				MaxEventAge:     awscdk.Duration_Minutes(jsii.Number(sweepInterval)),
				DeadLetterQueue: failures,
			}),
		},
	})
	return &Sweep{Rule: rule, Failures: failures}
}
