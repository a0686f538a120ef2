package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Table is Gatehouse's single DynamoDB table, declared from shared/tabledef so
// the store and the stack can never disagree on keys or indexes.
type Table struct {
	Table awsdynamodb.Table
}

func newTable(stack awscdk.Stack, props *GatehouseStackProps) *Table {
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	tp := &awsdynamodb.TableProps{
		PartitionKey: str(tabledef.PK),
		SortKey:      str(tabledef.SK),
		// On demand: traffic is spiky and small; no capacity to tune.
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(tabledef.TTLAttribute),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(!props.Ephemeral()),
		RemovalPolicy:      removalPolicy(props),
		// The event stream's publisher reads it (events.go, docs/events.md).
		Stream: awsdynamodb.StreamViewType(tabledef.StreamViewType),
	}
	t := awsdynamodb.NewTable(stack, jsii.String("Table"), tp)
	for _, ix := range tabledef.Indexes {
		t.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   str(ix.PartitionKey),
			SortKey:        str(ix.SortKey),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return &Table{Table: t}
}

// grant gives a principal exactly these item actions on the table, and
// Query on exactly these indexes by name. Table.Grant would add the index
// wildcard (index/*); naming the indexes keeps every resource exact.
func (t *Table) grant(role awsiam.IGrantable, actions, queryIndexes []string) {
	if len(actions) > 0 {
		role.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(prefixed("dynamodb:", actions)...),
			Resources: jsii.Strings(*t.Table.TableArn()),
		}))
	}
	if len(queryIndexes) > 0 {
		var arns []string
		for _, ix := range queryIndexes {
			arns = append(arns, *t.Table.TableArn()+"/index/"+ix)
		}
		role.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("dynamodb:Query"),
			Resources: jsii.Strings(arns...),
		}))
	}
}

// removalPolicy destroys the data of ephemeral stages only.
func removalPolicy(props *GatehouseStackProps) awscdk.RemovalPolicy {
	if props.Ephemeral() {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_RETAIN
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}
