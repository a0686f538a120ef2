package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Test-only helpers for the external test package (dynamo_test).

// BulkPutMembershipsForTest writes memberships as they are stored, 25 per
// BatchWriteItem, without counters or audit events: a fast way to fill a
// table for the sweep's scale test.
func (s *Store) BulkPutMembershipsForTest(ctx context.Context, ms []*gatehouse.Membership) error {
	bw, ok := s.db.(interface {
		BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	})
	if !ok {
		return fmt.Errorf("the client cannot batch-write")
	}
	for start := 0; start < len(ms); start += 25 {
		var reqs []types.WriteRequest
		for _, m := range ms[start:min(start+25, len(ms))] {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: membershipItem(m)}})
		}
		for len(reqs) > 0 {
			out, err := bw.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.table: reqs}})
			if err != nil {
				return err
			}
			reqs = out.UnprocessedItems[s.table]
		}
	}
	return nil
}

// AuditActionsForTest counts an org's audit events by action ("" for the
// platform's own audit partition).
func (s *Store) AuditActionsForTest(ctx context.Context, orgID string) (map[string]int, error) {
	r := platformAuditRange()
	if orgID != "" {
		r = auditRange(orgID)
	}
	items, err := s.queryAll(ctx, queryRange(r), 0)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, it := range items {
		out[it.getS("action")]++
	}
	return out, nil
}

// ExpiryIndexSizeForTest counts the entries of one expiry bucket.
func (s *Store) ExpiryIndexSizeForTest(ctx context.Context, bucket string) (int, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String("GSI2"),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": "GSI2PK"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(bucket)},
	}, 0)
	return len(items), err
}
