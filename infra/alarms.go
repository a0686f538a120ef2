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

// newAlarms raises an alarm, on one SNS topic, when any function errors or is
// throttled, and when authorizer denials spike (credential stuffing, a
// leaked-token replay, or a broken client or deploy).
func newAlarms(stack awscdk.Stack, props *GatehouseStackProps, fns Functions) awssns.Topic {
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Gatehouse alarms (" + props.Stage + ")"),
	})
	if props.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(props.AlarmEmail), nil))
	}
	action := awscloudwatchactions.NewSnsAction(topic)
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
		a.AddAlarmAction(action)
	}
	for _, name := range routes.AllFunctions {
		fn := fns[name].Fn
		stem := logicalName(name)
		// Any error is worth a look: expected failures are HTTP responses,
		// so a Lambda error is a crash, a timeout or a bug.
		alarm(stem+"Errors", fn.MetricErrors(&awscloudwatch.MetricOptions{Period: fiveMin}), 1,
			"Gatehouse "+name+" function errors ("+props.Stage+")")
		alarm(stem+"Throttles", fn.MetricThrottles(&awscloudwatch.MetricOptions{Period: fiveMin}), 1,
			"Gatehouse "+name+" function throttled ("+props.Stage+")")
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
	return topic
}
