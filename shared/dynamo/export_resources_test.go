package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// SetResourceQuotaForTest sets an org's maxRes_<type> (the limits use case
// owns the real write).
func SetResourceQuotaForTest(ctx context.Context, s *Store, orgID, typ string, n int) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       keyAV(orgKey(orgID)),
		UpdateExpression:          aws.String("SET #m = :n"),
		ExpressionAttributeNames:  map[string]string{"#m": attrMaxResPrefix + typ},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(int64(n))},
	})
	return err
}
