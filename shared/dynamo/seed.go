package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// PutMembershipForTest writes a membership exactly as given, with no
// counters, conditions or audit. Tests use it to set up states (disabled,
// expired, flags) that would otherwise take several API calls; no service
// calls it.
func PutMembershipForTest(ctx context.Context, s *Store, m *gatehouse.Membership) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: membershipItem(m)})
	if err != nil {
		return fmt.Errorf("put membership: %w", err)
	}
	return nil
}

// PutUserForTest writes a profile exactly as given (tests only, like
// PutMembershipForTest).
func PutUserForTest(ctx context.Context, s *Store, u *gatehouse.User) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: userItem(u)})
	if err != nil {
		return fmt.Errorf("put user: %w", err)
	}
	return nil
}
