// Package store is a DynamoDB adapter in the shape of shared/dynamo.
package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DB is the part of the client the store uses.
type DB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store adapts DB.
type Store struct{ db DB }

// New wraps the real client.
func New() *Store { return &Store{db: dynamodb.New(dynamodb.Options{})} }

type tx struct{ items []types.TransactWriteItem }

func (t *tx) put() *tx {
	t.items = append(t.items, types.TransactWriteItem{Put: &types.Put{}})
	return t
}

func (t *tx) check() *tx {
	t.items = append(t.items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{}})
	return t
}

func (s *Store) commit(ctx context.Context, t *tx) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.items})
	return err
}

// Get reads one item.
func (s *Store) Get(ctx context.Context) error {
	_, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{})
	return err
}

// Create writes an item in a transaction (PutItem).
func (s *Store) Create(ctx context.Context) error { return s.commit(ctx, (&tx{}).put()) }

// Guard checks a condition in a transaction (ConditionCheckItem).
func (s *Store) Guard(ctx context.Context) error { return s.commit(ctx, (&tx{}).check()) }

// ByIndex queries the index it is given.
func (s *Store) ByIndex(ctx context.Context) error { return s.queryIndex(ctx, "GSI1") }

func (s *Store) queryIndex(ctx context.Context, index string) error {
	_, err := s.db.Query(ctx, &dynamodb.QueryInput{IndexName: aws.String(index)})
	return err
}

// Partition queries the table.
func (s *Store) Partition(ctx context.Context) error {
	_, err := s.db.Query(ctx, &dynamodb.QueryInput{KeyConditionExpression: aws.String("#pk = :pk")})
	return err
}

// Purge deletes in batches.
func (s *Store) Purge(ctx context.Context) error {
	_, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{})
	return err
}

// rng is a range of the table (index "") or of an index, as shared/dynamo's
// keyRange: the index name travels in a field.
type rng struct{ index, pk string }

func expiring() rng { return rng{"GSI2", "EXP"} }

func (s *Store) queryRange(ctx context.Context, r rng) error {
	in := &dynamodb.QueryInput{KeyConditionExpression: aws.String("#pk = :pk")}
	if r.index != "" {
		in.IndexName = aws.String(r.index)
	}
	_, err := s.db.Query(ctx, in)
	return err
}

// Expiring queries the index a range names.
func (s *Store) Expiring(ctx context.Context) error { return s.queryRange(ctx, expiring()) }
