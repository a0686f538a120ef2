package dynamotest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// TestMinidynQueryWalksOnlyItsPartition: third_party/minidyn patches 8 and
// 10 skip the items a query's key condition cannot match and walk only
// the query's partition, of the table or of an index. Against partitions
// whose names are prefixes of one another or contain the key separator
// ("P", "P.x", "P.A", "P-a", "Pa"), every query, on the table and on its inverse
// index, forward and backward, paged by small limits, returns what a plain
// filter of all the items says, in sort-key order.
func TestMinidynQueryWalksOnlyItsPartition(t *testing.T) {
	env := New(t)
	ctx := context.Background()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	partitions := []string{"P", "P.x", "P.A", "P-a", "Pa", "O", "Q"}
	type item struct{ pk, sk string }
	var all []item
	rng := rand.New(rand.NewPCG(1, 2))
	for _, pk := range partitions {
		for i := range 12 {
			sk := fmt.Sprintf("%c#%02d", "ABx."[rng.IntN(4)], i)
			all = append(all, item{pk, sk})
			// The index holds the same keys under other table keys.
			if _, err := env.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(Table), Item: map[string]types.AttributeValue{
				tabledef.PK: s(pk), tabledef.SK: s(sk), tabledef.GSI1PK: s(pk), tabledef.GSI1SK: s(sk)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	type query struct {
		cond string
		sk   func(string) bool
		vals map[string]types.AttributeValue
	}
	var queries []query
	for _, pk := range append(partitions, "none", "P.") {
		queries = append(queries,
			query{"#pk = :p", func(string) bool { return true }, map[string]types.AttributeValue{":p": s(pk)}},
			query{"#pk = :p AND begins_with(#sk, :b)", func(v string) bool { return strings.HasPrefix(v, "A") },
				map[string]types.AttributeValue{":p": s(pk), ":b": s("A")}},
			query{"#pk = :p AND #sk BETWEEN :lo AND :hi", func(v string) bool { return "A#03" <= v && v <= "B#09" },
				map[string]types.AttributeValue{":p": s(pk), ":lo": s("A#03"), ":hi": s("B#09")}},
			query{"#pk = :p AND #sk > :x", func(v string) bool { return v > "B" }, map[string]types.AttributeValue{":p": s(pk), ":x": s("B")}},
		)
	}
	for _, q := range queries {
		pk := q.vals[":p"].(*types.AttributeValueMemberS).Value
		var want []string
		for _, it := range all {
			if it.pk == pk && q.sk(it.sk) {
				want = append(want, it.sk)
			}
		}
		slices.Sort(want)
		for _, idx := range []string{"", tabledef.InverseIndex} {
			for _, forward := range []bool{true, false} {
				for _, limit := range []int32{0, 1, 5} {
					var got []string
					var start map[string]types.AttributeValue
					for page := 0; ; page++ {
						in := &dynamodb.QueryInput{TableName: aws.String(Table), KeyConditionExpression: aws.String(q.cond),
							ExpressionAttributeNames:  map[string]string{"#pk": tabledef.PK, "#sk": tabledef.SK},
							ExpressionAttributeValues: q.vals, ScanIndexForward: aws.Bool(forward), ExclusiveStartKey: start}
						if idx != "" {
							in.IndexName = aws.String(idx)
							in.ExpressionAttributeNames = map[string]string{"#pk": tabledef.GSI1PK, "#sk": tabledef.GSI1SK}
						}
						if !strings.Contains(q.cond, "#sk") {
							delete(in.ExpressionAttributeNames, "#sk")
						}
						if limit > 0 {
							in.Limit = aws.Int32(limit)
						}
						out, err := env.Client.Query(ctx, in)
						if err != nil {
							t.Fatalf("%s %v: %v", q.cond, q.vals, err)
						}
						for _, it := range out.Items {
							got = append(got, it[tabledef.SK].(*types.AttributeValueMemberS).Value)
						}
						if start = out.LastEvaluatedKey; len(start) == 0 || page > 100 {
							break
						}
					}
					exp := slices.Clone(want)
					if !forward {
						slices.Reverse(exp)
					}
					if !slices.Equal(got, exp) {
						t.Errorf("index %q, partition %q, %s, forward %v, limit %d: got %v, want %v", idx, pk, q.cond, forward, limit, got, exp)
					}
				}
			}
		}
	}
}
