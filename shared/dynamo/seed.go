package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// PutMembershipForTest writes a membership exactly as given, with no
// counters, conditions or audit. Tests use it to set up states (disabled,
// expired, flags) that would otherwise take several API calls; no service
// calls it. A member needs an account (rule 1): when the user has none, an
// active one is written too.
func PutMembershipForTest(ctx context.Context, s *Store, m *gatehouse.Membership) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: membershipItem(m)})
	if err != nil {
		return fmt.Errorf("put membership: %w", err)
	}
	u := &gatehouse.User{ID: m.UserID, Email: m.UserID + "@test.example", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: s.Now()}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: userItem(u),
		ConditionExpression: aws.String("attribute_not_exists(" + tabledef.PK + ")")})
	if err != nil && !IsConditionFailed(err) {
		return fmt.Errorf("put user of membership: %w", err)
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
