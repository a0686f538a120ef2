package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// PutLegacyInviteForTest stores a pending invite as invites were stored
// before they held seats: no seatHeld, no inverse-index entry, no counter
// moved; with its secret and email marker.
func (s *Store) PutLegacyInviteForTest(ctx context.Context, i *gatehouse.Invite) error {
	i.SeatHeld = false
	it := inviteItem(i)
	delete(it, attrSeatHeld)
	delete(it, tabledef.GSI1PK)
	delete(it, tabledef.GSI1SK)
	return s.tx().
		create(it, nil).
		create(secretItem(inviteSecret(i, SecretLive)), nil).
		put(inviteEmailItem(i), "", nil, nil, nil).
		commit(ctx)
}

// InverseEntriesForTest counts the entries of one inverse-index partition.
func (s *Store) InverseEntriesForTest(ctx context.Context, pk string) (int, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(tabledef.InverseIndex),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": tabledef.GSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}, 0)
	return len(items), err
}
