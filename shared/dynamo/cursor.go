package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Lists page with opaque cursors. A cursor is the base64url JSON of the key
// of the last item returned; decoding checks that the key lies in the
// partition and under the sort-key prefix of the list being read, so an
// edited cursor can never start a read in another org's items (a query only
// ever reads its own partition anyway; the check turns a forged cursor into
// a clear 400 instead of an empty page).

// Page limits of the API contract.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 100
)

// cursorScope is what a cursor of one list may point into.
type cursorScope struct {
	pk       string
	skPrefix string
}

type cursorBody struct {
	PK string `json:"p"`
	SK string `json:"s"`
}

// ErrBadCursor is returned for a cursor that is malformed or belongs to
// another list.
var ErrBadCursor = gatehouse.Invalid(gatehouse.FieldError{Field: "cursor", Message: "not a cursor of this list"})

// encodeCursor turns the key of the last returned item into a cursor.
func encodeCursor(k Key) string {
	b, _ := json.Marshal(cursorBody(k))
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor and checks it belongs to the scope; "" is the
// first page (nil key).
func decodeCursor(cursor string, scope cursorScope) (map[string]types.AttributeValue, error) {
	if cursor == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) > 2048 {
		return nil, ErrBadCursor
	}
	var c cursorBody
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, ErrBadCursor
	}
	if c.PK != scope.pk || !strings.HasPrefix(c.SK, scope.skPrefix) {
		return nil, ErrBadCursor
	}
	return keyAV(Key(c)), nil
}

// ClampLimit applies the contract's default and bounds to a page limit.
func ClampLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageLimit
	case limit > MaxPageLimit:
		return MaxPageLimit
	}
	return limit
}

// maxPageQueries bounds the queries one filtered page may cost.
const maxPageQueries = 10

// pageQuery reads one page of a base-table query over scope: up to limit
// items that pass keep (nil keeps all), starting after cursor. The next
// cursor is the key of the last item returned, "" when the list is done.
// in must set the key condition (and may set a filter and the direction).
func (s *Store) pageQuery(ctx context.Context, in *dynamodb.QueryInput, scope cursorScope, limit int, cursor string) ([]item, string, error) {
	start, err := decodeCursor(cursor, scope)
	if err != nil {
		return nil, "", err
	}
	limit = ClampLimit(limit)
	in.ExclusiveStartKey = start
	var out []item
	filtered := in.FilterExpression != nil
	for q := 0; q < maxPageQueries; q++ {
		// A filtered query reads whole (1 MB) pages and the page is cut
		// here: with Limit, DynamoDB counts the items the filter drops, so a
		// page could come back empty and cost many round trips.
		if !filtered {
			in.Limit = aws.Int32(int32(limit - len(out) + 1))
		}
		page, err := s.query(ctx, in)
		if err != nil {
			return nil, "", err
		}
		for _, raw := range page.Items {
			it := item(raw)
			if len(out) == limit {
				// One more item exists: the page is full and not the last.
				return out, encodeCursor(out[len(out)-1].key()), nil
			}
			out = append(out, it)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, "", nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	// Stopped by the query budget: continue after what was read.
	if len(out) > 0 {
		return out, encodeCursor(out[len(out)-1].key()), nil
	}
	k := item(in.ExclusiveStartKey).key()
	if k.PK != scope.pk {
		return out, "", nil
	}
	return out, encodeCursor(k), nil
}

// partitionQuery is a query of one partition under a sort-key prefix.
func partitionQuery(pk, skPrefix string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :sk)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": tabledef.PK, "#sk": tabledef.SK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":sk": str(skPrefix)},
		ConsistentRead:            aws.Bool(true),
	}
}

func wrapList(what string, err error) error {
	if gatehouse.ErrorCode(err) == gatehouse.CodeValidation {
		return err
	}
	return fmt.Errorf("list %s: %w", what, err)
}
