package dynamo

import (
	"context"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// One paging path: every list of the API is a list below, read by page,
// and every range the services merge themselves (the resource streams) is
// read by readRange, the same reader.

// list is one list of the API: its name and the org it belongs to (both
// sealed into its cursors) and the range it reads.
type list struct {
	name string
	org  string
	rng  keyRange
	// from, when set, is where the range starts (inclusive), after its
	// prefix: the audit log's "since".
	from string
	// desc reads the range backwards (table ranges only).
	desc bool
	// filter, when set, keeps the items that match.
	filter filter
}

// filter is a FilterExpression with its placeholders, which must not be
// those of the key condition (#pk, #sk, :pk, :p, :lo, :hi).
type filter struct {
	expr   string
	names  map[string]string
	values map[string]types.AttributeValue
}

// holds reports whether a position lies in the list's range.
func (l list) holds(position string) bool {
	return len(position) >= len(l.rng.prefix) && position[:len(l.rng.prefix)] == l.rng.prefix && position >= l.from
}

// page reads the page of a list that follows the position its cursor
// holds: up to limit items (clamped to the contract's bounds) and the
// cursor of the next page, "" after the last.
func (s *Store) page(ctx context.Context, l list, limit int, cursor string) ([]item, string, error) {
	after, err := s.open(l.name, l.org, cursor, l.holds)
	if err != nil {
		return nil, "", err
	}
	items, last, err := s.readRange(ctx, l, after, ClampLimit(limit))
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", l.name, err)
	}
	next := ""
	if last != "" {
		next = s.seal(l.name, l.org, last)
	}
	return items, next, nil
}

// maxPageQueries bounds the queries one filtered page may cost.
const maxPageQueries = 10

// rangeEnd sorts after every sort key that begins with a prefix: the
// highest code point, which no key holds.
const rangeEnd = "\U0010FFFF"

// readRange reads up to limit items of l's range that pass its filter,
// after the sort key after ("" from the start; backwards, before it). last
// is the sort key to continue after, "" when the range is done: one item
// beyond limit is read, so that a full last page is known to be the last.
//
// Going forwards, the start is a key condition (BETWEEN), not an
// ExclusiveStartKey: the item a position names may have been deleted
// meanwhile, which DynamoDB accepts and the local emulator does not.
// Backwards (the audit log, whose events are never deleted one by one) it
// is the ExclusiveStartKey.
func (s *Store) readRange(ctx context.Context, l list, after string, limit int) (items []item, last string, err error) {
	if l.desc && l.rng.index != "" {
		return nil, "", fmt.Errorf("read %s backwards: index ranges read forwards only", l.rng.pk)
	}
	in := queryRange(l.rng)
	_, skName := indexKeys(l.rng.index)
	lo := max(l.rng.prefix, l.from)
	if after != "" && !l.desc {
		lo = max(lo, after+"\x00")
	}
	if lo != l.rng.prefix {
		hi := l.rng.prefix + rangeEnd
		if lo > hi {
			return nil, "", nil
		}
		in.KeyConditionExpression = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi")
		in.ExpressionAttributeNames["#sk"] = skName
		delete(in.ExpressionAttributeValues, ":p")
		in.ExpressionAttributeValues[":lo"], in.ExpressionAttributeValues[":hi"] = str(lo), str(hi)
	}
	if l.desc {
		in.ScanIndexForward = aws.Bool(false)
		if after != "" {
			in.ExclusiveStartKey = keyAV(Key{l.rng.pk, after})
		}
	}
	if l.filter.expr != "" {
		in.FilterExpression = aws.String(l.filter.expr)
		maps.Copy(in.ExpressionAttributeNames, l.filter.names)
		maps.Copy(in.ExpressionAttributeValues, l.filter.values)
	}
	for range maxPageQueries {
		// A filtered query reads whole (1 MB) pages and the page is cut
		// here: with Limit, DynamoDB counts the items the filter drops, so
		// a page could come back empty and cost many round trips.
		if l.filter.expr == "" {
			in.Limit = aws.Int32(int32(limit - len(items) + 1))
		}
		page, err := s.query(ctx, in)
		if err != nil {
			return nil, "", err
		}
		for _, raw := range page.Items {
			if len(items) == limit {
				// One more item exists: the page is full and not the last.
				return items, items[len(items)-1].getS(skName), nil
			}
			items = append(items, raw)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return items, "", nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	// Stopped by the query budget: continue after what was read.
	if len(items) > 0 {
		return items, items[len(items)-1].getS(skName), nil
	}
	return items, item(in.ExclusiveStartKey).getS(skName), nil
}

// stream reads up to limit items of a range after the sort key after, for
// services that merge ranges themselves; more is false when the range is
// certainly done.
func (s *Store) stream(ctx context.Context, r keyRange, after string, limit int) (items []item, more bool, err error) {
	items, last, err := s.readRange(ctx, list{rng: r}, after, max(limit, 1))
	return items, last != "", err
}

// queryRange is the query of a whole range: every read of a range starts
// from it (readRange narrows its start; queryAll takes it all).
func queryRange(r keyRange) *dynamodb.QueryInput {
	pkName, skName := indexKeys(r.index)
	in := &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": pkName},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(r.pk)},
		// Indexes have no consistent reads.
		ConsistentRead: aws.Bool(r.index == ""),
	}
	if r.index != "" {
		in.IndexName = aws.String(r.index)
	}
	if r.prefix != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND begins_with(#sk, :p)")
		in.ExpressionAttributeNames["#sk"] = skName
		in.ExpressionAttributeValues[":p"] = str(r.prefix)
	}
	return in
}

// indexKeys names the key attributes of the table ("") or of an index.
func indexKeys(index string) (pk, sk string) {
	for _, ix := range tabledef.Indexes {
		if ix.Name == index {
			return ix.PartitionKey, ix.SortKey
		}
	}
	return tabledef.PK, tabledef.SK
}
