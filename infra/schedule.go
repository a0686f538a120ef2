package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/jsii-runtime-go"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// sweepInterval is how often the expiration sweep runs (docs/limits-and-expiry.md).
const sweepInterval = 5

// newSweepSchedule runs the sweeper every sweepInterval minutes. A missed or
// failed run is retried twice by EventBridge; the sweep is idempotent and
// resumable, so a late or repeated run is harmless.
func newSweepSchedule(stack awscdk.Stack, fns Functions) awsevents.Rule {
	return awsevents.NewRule(stack, jsii.String("SweepSchedule"), &awsevents.RuleProps{
		Description: jsii.String("Gatehouse expiration sweep"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(sweepInterval))),
		Targets: &[]awsevents.IRuleTarget{
			awseventstargets.NewLambdaFunction(fns[routes.FnSweeper].Fn, &awseventstargets.LambdaFunctionProps{
				RetryAttempts: jsii.Number(2),
				MaxEventAge:   awscdk.Duration_Minutes(jsii.Number(sweepInterval)),
			}),
		},
	})
}
