package dynamotest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// TestMinidynTransactionRollback: a transaction that fails leaves the
// table, its key order and its index as they were (third_party/minidyn
// patch 9 snapshots only the items a transaction touches).
func TestMinidynTransactionRollback(t *testing.T) {
	env := New(t)
	ctx := context.Background()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	for i := range 5 {
		if _, err := env.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(Table), Item: map[string]types.AttributeValue{
			tabledef.PK: s("P"), tabledef.SK: s(fmt.Sprintf("S%d", i)), "v": s("old"),
			tabledef.GSI1PK: s("G"), tabledef.GSI1SK: s(fmt.Sprintf("S%d", i)),
		}}); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := func() string {
		t.Helper()
		q, err := env.Client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(Table), KeyConditionExpression: aws.String("#pk = :p"),
			ExpressionAttributeNames: map[string]string{"#pk": tabledef.PK}, ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("P")}})
		if err != nil {
			t.Fatal(err)
		}
		g, err := env.Client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(Table), IndexName: aws.String(tabledef.InverseIndex), KeyConditionExpression: aws.String("#pk = :p"),
			ExpressionAttributeNames: map[string]string{"#pk": tabledef.GSI1PK}, ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("G")}})
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, it := range append(q.Items, g.Items...) {
			out += it[tabledef.SK].(*types.AttributeValueMemberS).Value + "=" + it["v"].(*types.AttributeValueMemberS).Value + " "
		}
		return out
	}
	before := snapshot()
	_, err := env.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(Table), Item: map[string]types.AttributeValue{
			tabledef.PK: s("P"), tabledef.SK: s("S2a"), "v": s("new"), tabledef.GSI1PK: s("G"), tabledef.GSI1SK: s("S2a")}}},
		{Update: &types.Update{TableName: aws.String(Table), Key: map[string]types.AttributeValue{tabledef.PK: s("P"), tabledef.SK: s("S1")},
			UpdateExpression: aws.String("SET v = :n REMOVE #g1, #g2"), ExpressionAttributeNames: map[string]string{"#g1": tabledef.GSI1PK, "#g2": tabledef.GSI1SK},
			ExpressionAttributeValues: map[string]types.AttributeValue{":n": s("changed")}}},
		{Delete: &types.Delete{TableName: aws.String(Table), Key: map[string]types.AttributeValue{tabledef.PK: s("P"), tabledef.SK: s("S3")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(Table), Key: map[string]types.AttributeValue{tabledef.PK: s("P"), tabledef.SK: s("S4")},
			ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": tabledef.PK}}},
	}})
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		t.Fatalf("transaction: %v, want it canceled by its condition check", err)
	}
	if after := snapshot(); after != before {
		t.Errorf("after a canceled transaction:\n%s\nwant as before:\n%s", after, before)
	}
}
