package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// MetricNamespace is the namespace of a stage's own metrics: per stage,
// because metric filters cannot set constant dimensions.
func MetricNamespace(stage string) string { return "Gatehouse/" + stage }

// DenialsMetric counts authorizer denials, from the authorizer's log line
// {"msg":"authorizer decision","decision":"deny",...}.
const DenialsMetric = "AuthorizerDenials"

// ErrorLogsMetric is the metric, per function, of its error-level log lines.
func ErrorLogsMetric(fn string) string { return logicalName(fn) + "ErrorLogs" }

// errorLogPattern matches the functions' error-level lines: log/slog's JSON
// handler writes "level":"ERROR" for real failures only (a store or Cognito
// that cannot be reached, a bug), never for a refusal, which is logged at
// info.
const errorLogPattern = `{ $.level = "ERROR" }`

// Alarms is the alarm topic and what it watches.
type Alarms struct {
	Topic awssns.Topic
}

// lambdaErrorsAlarmed reports whether a function's Lambda Errors metric
// counts real failures only. The triggers function refuses a sign-up or a
// token by returning an error to Cognito, so its Errors are mostly
// refusals: its failures are counted by its error-level logs instead.
func lambdaErrorsAlarmed(fn string) bool { return fn != routes.FnTriggers }

// newAlarms raises an alarm, on one SNS topic, when any function fails
// (error-level log lines; Lambda errors where those are failures) or is
// throttled, when sweeps fail, and when authorizer denials spike
// (credential stuffing, a leaked-token replay, or a broken client or
// deploy). The topic reaches the configured email and/or topic; validate
// refuses a stage that is not ephemeral without one.
func newAlarms(stack awscdk.Stack, props *GatehouseStackProps, fns Functions, sweep *Sweep, events *Events) *Alarms {
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Gatehouse alarms (" + props.Stage + ")"),
		// Publishing and subscribing over TLS only (aws:SecureTransport).
		EnforceSSL: jsii.Bool(true),
	})
	if props.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(props.AlarmEmail), nil))
	}
	actions := []awscloudwatch.IAlarmAction{awscloudwatchactions.NewSnsAction(topic)}
	if props.AlarmTopicArn != "" {
		ext := awssns.Topic_FromTopicArn(stack, jsii.String("AlarmDestination"), jsii.String(props.AlarmTopicArn))
		actions = append(actions, awscloudwatchactions.NewSnsAction(ext))
	}
	fiveMin := awscdk.Duration_Minutes(jsii.Number(5))

	alarm := func(id string, metric awscloudwatch.IMetric, threshold float64, desc string) {
		a := awscloudwatch.NewAlarm(stack, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription:   jsii.String(desc),
		})
		a.AddAlarmAction(actions...)
	}
	for _, name := range routes.AllFunctions {
		f := fns[name]
		stem := logicalName(name)
		where := " (" + props.Stage + ")"
		// HTTP functions answer their own failures with a 500 and an
		// error-level line, which Lambda's Errors metric never sees.
		errLogs := awslogs.NewMetricFilter(stack, jsii.String(stem+"ErrorLogsFilter"), &awslogs.MetricFilterProps{
			LogGroup:        f.Logs,
			FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(errorLogPattern)),
			MetricNamespace: jsii.String(MetricNamespace(props.Stage)),
			MetricName:      jsii.String(ErrorLogsMetric(name)),
			MetricValue:     jsii.String("1"),
			DefaultValue:    jsii.Number(0),
		})
		alarm(stem+"ErrorLogs", errLogs.Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: fiveMin}), 1,
			"Gatehouse "+name+" logged errors"+where)
		if lambdaErrorsAlarmed(name) {
			// A crash, a timeout, or (authorizer) a failure to decide.
			alarm(stem+"Errors", f.Fn.MetricErrors(&awscloudwatch.MetricOptions{Period: fiveMin}), 1,
				"Gatehouse "+name+" function errors"+where)
		}
		alarm(stem+"Throttles", f.Fn.MetricThrottles(&awscloudwatch.MetricOptions{Period: fiveMin}), 1,
			"Gatehouse "+name+" function throttled"+where)
	}

	denials := awslogs.NewMetricFilter(stack, jsii.String("AuthorizerDenialsFilter"), &awslogs.MetricFilterProps{
		LogGroup:        fns[routes.FnAuthorizer].Logs,
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(`{ $.msg = "authorizer decision" && $.decision = "deny" }`)),
		MetricNamespace: jsii.String(MetricNamespace(props.Stage)),
		MetricName:      jsii.String(DenialsMetric),
		MetricValue:     jsii.String("1"),
		DefaultValue:    jsii.Number(0),
	})
	alarm("AuthorizerDenialsSpike", denials.Metric(&awscloudwatch.MetricOptions{
		Statistic: jsii.String("Sum"),
		Period:    fiveMin,
	}), props.DenialsThreshold, "Gatehouse authorizer denials spike ("+props.Stage+")")

	alarm("SweepFailuresDepth", sweep.Failures.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Statistic: jsii.String("Maximum"),
		Period:    fiveMin,
	}), 1, "Gatehouse sweep runs failed or were dropped; see the SweepFailures queue ("+props.Stage+")")
	// The event stream (docs/events.md): batches the publisher gave up on.
	alarm("EventPublishFailuresDepth", events.Failures.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Statistic: jsii.String("Maximum"),
		Period:    fiveMin,
	}), 1, "Gatehouse events were not published to the bus; see the EventPublishFailures queue ("+props.Stage+")")
	return &Alarms{Topic: topic}
}
