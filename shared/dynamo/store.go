// Package dynamo is Gatehouse's single-table DynamoDB store. Its methods are
// named after access patterns; keys never leave this package, and every
// invariant that spans items is a condition in one TransactWriteItems.
package dynamo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// DB is the part of the DynamoDB client the store uses.
type DB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	TransactGetItems(context.Context, *dynamodb.TransactGetItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error)
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// Store reads and writes Gatehouse's table.
type Store struct {
	db        DB
	table     string
	now       func() time.Time
	cursorKey []byte
}

// Options configure a store.
type Options struct {
	// CursorKey seals the cursors of every list (cursor.go): at least
	// MinCursorKeyLen random bytes, the same for every function of a
	// deployment, from its configuration (GATEHOUSE_CURSOR_KEY). There is
	// no default: a store without a key would hand out cursors anyone
	// could forge.
	CursorKey []byte
}

// New returns a store over the named table. It panics when the options
// hold no usable cursor key: the configuration is checked before
// (shared/app), and a store must not start without one.
func New(db DB, table string, opts Options) *Store {
	if len(opts.CursorKey) < MinCursorKeyLen {
		panic(fmt.Sprintf("dynamo: the cursor key has %d bytes, want at least %d", len(opts.CursorKey), MinCursorKeyLen))
	}
	return &Store{db: db, table: table, now: time.Now, cursorKey: bytes.Clone(opts.CursorKey)}
}

// WithClock returns a copy of the store that reads time from now (tests).
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now().UTC() }

// Table is the table name.
func (s *Store) Table() string { return s.table }

// CreateTableInput is the table definition for local runs and tests; the CDK
// stack declares the same table from shared/tabledef.
func CreateTableInput(name string) *dynamodb.CreateTableInput {
	attrs := []types.AttributeDefinition{
		{AttributeName: aws.String(tabledef.PK), AttributeType: types.ScalarAttributeTypeS},
		{AttributeName: aws.String(tabledef.SK), AttributeType: types.ScalarAttributeTypeS},
	}
	var gsis []types.GlobalSecondaryIndex
	for _, ix := range tabledef.Indexes {
		attrs = append(attrs,
			types.AttributeDefinition{AttributeName: aws.String(ix.PartitionKey), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String(ix.SortKey), AttributeType: types.ScalarAttributeTypeS})
		gsis = append(gsis, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.Name),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(ix.PartitionKey), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(ix.SortKey), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	return &dynamodb.CreateTableInput{
		TableName:              aws.String(name),
		AttributeDefinitions:   attrs,
		KeySchema:              []types.KeySchemaElement{{AttributeName: aws.String(tabledef.PK), KeyType: types.KeyTypeHash}, {AttributeName: aws.String(tabledef.SK), KeyType: types.KeyTypeRange}},
		GlobalSecondaryIndexes: gsis,
		BillingMode:            types.BillingModePayPerRequest,
	}
}

// EnsureTable creates the table when it does not exist (local runs only).
func (s *Store) EnsureTable(ctx context.Context) error {
	if _, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)}); err == nil {
		return nil
	}
	if _, err := s.db.CreateTable(ctx, CreateTableInput(s.table)); err != nil {
		var inUse *types.ResourceInUseException
		if errors.As(err, &inUse) {
			return nil
		}
		return fmt.Errorf("create table %s: %w", s.table, err)
	}
	return nil
}

// find reads one item; nil, and no error, when it is absent.
func (s *Store) find(ctx context.Context, k Key, consistent bool) (item, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            keyAV(k),
		ConsistentRead: aws.Bool(consistent),
	})
	if err != nil {
		return nil, fmt.Errorf("get %s/%s: %w", k.PK, k.SK, err)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

// get reads one item that must exist: the one mapping of an absent item to
// the API's not_found error, naming what was looked for.
func (s *Store) get(ctx context.Context, k Key, consistent bool, what string) (item, error) {
	it, err := s.find(ctx, k, consistent)
	if err == nil && it == nil {
		return nil, gatehouse.NotFound(what)
	}
	return it, err
}

// batchGet reads up to 100 items in one call and returns them by key; absent
// items are simply missing from the map. Unprocessed keys are retried.
func (s *Store) batchGet(ctx context.Context, keys []Key) (map[Key]item, error) {
	return s.batchGetProjected(ctx, keys, nil)
}

// batchGetProjected is batchGet reading only the attributes of proj (all
// when nil); see batchget.go.
func (s *Store) batchGetProjected(ctx context.Context, keys []Key, proj *projection) (map[Key]item, error) {
	out := make(map[Key]item, len(keys))
	req := make([]map[string]types.AttributeValue, 0, len(keys))
	seen := map[Key]bool{}
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			req = append(req, keyAV(k))
		}
	}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 5 {
			return nil, fmt.Errorf("batch get: %d keys left unprocessed", len(req))
		}
		ka := types.KeysAndAttributes{Keys: req, ConsistentRead: aws.Bool(true)}
		if proj != nil {
			ka.ProjectionExpression, ka.ExpressionAttributeNames = aws.String(proj.expr), proj.names
		}
		res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{s.table: ka},
		})
		if err != nil {
			return nil, fmt.Errorf("batch get: %w", err)
		}
		for _, raw := range res.Responses[s.table] {
			it := item(raw)
			out[it.key()] = it
		}
		req = res.UnprocessedKeys[s.table].Keys
		if len(req) > 0 {
			if err := pause(ctx, time.Duration(10<<attempt)*time.Millisecond); err != nil {
				return nil, fmt.Errorf("batch get: %w", err)
			}
		}
	}
	return out, nil
}

// txItem is one write of a transaction and the domain error to report when
// its condition fails.
type txItem struct {
	write  types.TransactWriteItem
	onFail error
	// audit, when set, is the audit event the write puts: commit stamps
	// it with the time of each attempt (docs/events.md, "Order").
	audit *gatehouse.AuditEvent
}

// tx collects the writes of one TransactWriteItems.
type tx struct {
	s     *Store
	items []txItem
}

func (s *Store) tx() *tx { return &tx{s: s} }

// put adds a Put; cond may be empty. names/values are the expression's
// placeholders.
func (t *tx) put(it item, cond string, onFail error, names map[string]string, values map[string]types.AttributeValue) *tx {
	p := &types.Put{TableName: aws.String(t.s.table), Item: it}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
		p.ExpressionAttributeNames = names
		p.ExpressionAttributeValues = values
	}
	t.items = append(t.items, txItem{write: types.TransactWriteItem{Put: p}, onFail: onFail})
	return t
}

// create adds a Put that fails with onFail when the item exists.
func (t *tx) create(it item, onFail error) *tx {
	return t.put(it, "attribute_not_exists(#pk)", onFail, map[string]string{"#pk": tabledef.PK}, nil)
}

func (t *tx) update(k Key, update, cond string, onFail error, names map[string]string, values map[string]types.AttributeValue) *tx {
	u := &types.Update{
		TableName:                 aws.String(t.s.table),
		Key:                       keyAV(k),
		UpdateExpression:          aws.String(update),
		ExpressionAttributeNames:  nilIfEmptyNames(names),
		ExpressionAttributeValues: nilIfEmptyValues(values),
	}
	if cond != "" {
		u.ConditionExpression = aws.String(cond)
	}
	t.items = append(t.items, txItem{write: types.TransactWriteItem{Update: u}, onFail: onFail})
	return t
}

func (t *tx) delete(k Key, cond string, onFail error, names map[string]string, values map[string]types.AttributeValue) *tx {
	d := &types.Delete{TableName: aws.String(t.s.table), Key: keyAV(k)}
	if cond != "" {
		d.ConditionExpression = aws.String(cond)
		d.ExpressionAttributeNames = nilIfEmptyNames(names)
		d.ExpressionAttributeValues = nilIfEmptyValues(values)
	}
	t.items = append(t.items, txItem{write: types.TransactWriteItem{Delete: d}, onFail: onFail})
	return t
}

func (t *tx) check(k Key, cond string, onFail error, names map[string]string, values map[string]types.AttributeValue) *tx {
	c := &types.ConditionCheck{
		TableName:                 aws.String(t.s.table),
		Key:                       keyAV(k),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  nilIfEmptyNames(names),
		ExpressionAttributeValues: nilIfEmptyValues(values),
	}
	t.items = append(t.items, txItem{write: types.TransactWriteItem{ConditionCheck: c}, onFail: onFail})
	return t
}

// audit adds the audit event of the change to the same transaction.
func (t *tx) audit(ev gatehouse.AuditEvent) *tx {
	t.put(auditItem(ev), "", nil, nil, nil)
	t.items[len(t.items)-1].audit = &ev
	if ev.ImpersonatedBy != "" {
		// A change made through an impersonation session is also shown to
		// the member it was made as, in its own audit view
		// (docs/security.md, "Impersonation").
		t.userAudit(ev.ActorID, ev)
	}
	return t
}

// commit runs the transaction. A failed condition becomes the onFail error of
// the first item whose condition failed; a conflict with another transaction
// is retried a few times, then reported as a conflict.
func (t *tx) commit(ctx context.Context) error {
	writes := make([]types.TransactWriteItem, len(t.items))
	for i, it := range t.items {
		writes[i] = it.write
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		t.stampAudit(writes)
		_, err = t.s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
		if err == nil {
			return nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return fmt.Errorf("transact write: %w", err)
		}
		retry := false
		for i, r := range canceled.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed":
				if i < len(t.items) && t.items[i].onFail != nil {
					return t.items[i].onFail
				}
				return gatehouse.Errorf(gatehouse.CodeConflict, "the change conflicts with the current state; retry")
			case "TransactionConflict":
				retry = true
			}
		}
		if !retry {
			return fmt.Errorf("transact write: %w", err)
		}
		if err := pause(ctx, time.Duration(20*(attempt+1))*time.Millisecond); err != nil {
			return fmt.Errorf("transact write: %w", err)
		}
	}
	return gatehouse.Errorf(gatehouse.CodeConflict, "the change conflicts with a concurrent change; retry")
}

// stampAudit gives the audit events of the transaction the time of the
// attempt about to be made, so that an event's time (and with it its place
// in the org's event stream, which is time-ordered) is never older than
// its commit by more than one TransactWriteItems call, whatever the
// request did between building the event and committing it
// (docs/events.md, "Order").
func (t *tx) stampAudit(writes []types.TransactWriteItem) {
	now := t.s.Now()
	for i, it := range t.items {
		if it.audit == nil {
			continue
		}
		ev := *it.audit
		ev.Time = now
		writes[i] = types.TransactWriteItem{Put: &types.Put{TableName: aws.String(t.s.table), Item: auditItem(ev)}}
	}
}

// pause waits d before a retry, or less when the context ends first (its
// error then): a retry never outlives the request that wanted it.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// IsConditionFailed reports whether err is a failed condition of a single
// write (outside a transaction).
func IsConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func nilIfEmptyNames(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func nilIfEmptyValues(m map[string]types.AttributeValue) map[string]types.AttributeValue {
	if len(m) == 0 {
		return nil
	}
	return m
}

// query runs one page of a query.
func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput) (*dynamodb.QueryOutput, error) {
	in.TableName = aws.String(s.table)
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return out, nil
}

// queryAll pages through a query (bounded by max items; 0 for all).
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput, max int) ([]item, error) {
	var out []item
	for {
		page, err := s.query(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, raw := range page.Items {
			out = append(out, raw)
			if max > 0 && len(out) >= max {
				return out, nil
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
