package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Idempotency keys (docs/reliability.md): one item per (caller, route,
// key), written before the handler runs with one conditional write, and
// completed with the first answer. DynamoDB's TTL removes it after a day;
// until it does, the conditions treat a record past its TTL as absent
// (TTL deletion may lag by days).

// IdempotencyTTL is how long a key's first answer is kept.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyRecord is the state of one Idempotency-Key.
type IdempotencyRecord struct {
	BodyHash  string
	Done      bool
	Status    int
	Body      string
	Withheld  bool // the answer held a secret: not kept, never replayed
	CreatedAt time.Time
}

// ReserveIdempotencyKey records the first use of a key (scope hashes the
// caller, route and key). It returns nil when this request is the first,
// or may take over (a first request that died pending, older than
// staleAfter, with the same body); else the key's record.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, scope, bodyHash string, staleAfter time.Duration) (*IdempotencyRecord, error) {
	now := s.Now()
	it := newItem(idempotencyKey(scope)).
		setS(attrKind, "idempotency").
		setS("bodyHash", bodyHash).
		setS(attrStatus, "pending").
		setS(attrCreated, now.Format(sortableTime)).
		setN(tabledef.TTLAttribute, now.Add(IdempotencyTTL).Unix())
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item:      it,
		ConditionExpression: aws.String("attribute_not_exists(#pk) OR #ttl < :now OR " +
			"(#st = :pending AND #c < :stale AND #h = :h)"),
		ExpressionAttributeNames: map[string]string{"#pk": tabledef.PK, "#ttl": tabledef.TTLAttribute,
			"#st": attrStatus, "#c": attrCreated, "#h": "bodyHash"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(now.Unix()), ":pending": str("pending"), ":h": str(bodyHash),
			":stale": str(now.Add(-staleAfter).Format(sortableTime)),
		},
	})
	if err == nil {
		return nil, nil
	}
	if !IsConditionFailed(err) {
		return nil, fmt.Errorf("reserve idempotency key: %w", err)
	}
	got, err := s.find(ctx, idempotencyKey(scope), true)
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if got == nil {
		// Removed meanwhile (a first request that failed): try once more.
		return s.ReserveIdempotencyKey(ctx, scope, bodyHash, staleAfter)
	}
	return &IdempotencyRecord{
		BodyHash: got.getS("bodyHash"), Done: got.getS(attrStatus) == "done",
		Status: got.getInt("httpStatus"), Body: got.getS("body"), Withheld: got.getBool("withheld"),
		CreatedAt: got.getTime(attrCreated),
	}, nil
}

// FinishIdempotencyKey keeps the first answer (or, when it held a
// secret, only that it was given).
func (s *Store) FinishIdempotencyKey(ctx context.Context, scope string, rec IdempotencyRecord) error {
	now := s.Now()
	it := newItem(idempotencyKey(scope)).
		setS(attrKind, "idempotency").
		setS("bodyHash", rec.BodyHash).
		setS(attrStatus, "done").
		setS(attrCreated, now.Format(sortableTime)).
		setN("httpStatus", int64(rec.Status)).
		setBool("withheld", rec.Withheld).
		setN(tabledef.TTLAttribute, now.Add(IdempotencyTTL).Unix())
	if !rec.Withheld {
		it.setS("body", rec.Body)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it}); err != nil {
		return fmt.Errorf("finish idempotency key: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a key whose request failed, so that the
// same request may run again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, scope string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: keyAV(idempotencyKey(scope)),
		ConditionExpression:       aws.String("#st = :pending"),
		ExpressionAttributeNames:  map[string]string{"#st": attrStatus},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pending": str("pending")},
	})
	if err != nil && !IsConditionFailed(err) {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}
