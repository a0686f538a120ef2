package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// AuditFilter narrows an org's audit log; zero fields do not filter.
type AuditFilter struct {
	Actor  string
	Target string
	Since  time.Time
}

// AuditPage lists one page of an org's audit events, newest first. Since is
// part of the key condition (events sort by time); actor and target filter
// the page.
func (s *Store) AuditPage(ctx context.Context, orgID string, f AuditFilter, limit int, cursor string) ([]gatehouse.AuditEvent, string, error) {
	pk := orgKey(orgID).PK
	from := prefixAudit
	if !f.Since.IsZero() {
		from = prefixAudit + f.Since.UTC().Format(sortableTime)
	}
	in := &dynamodb.QueryInput{
		KeyConditionExpression:   aws.String("#pk = :pk AND #sk BETWEEN :from AND :to"),
		ExpressionAttributeNames: map[string]string{"#pk": tabledef.PK, "#sk": tabledef.SK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk), ":from": str(from), ":to": str(prefixAudit + "~"),
		},
		ScanIndexForward: aws.Bool(false),
		ConsistentRead:   aws.Bool(true),
	}
	var filters []string
	if f.Actor != "" {
		in.ExpressionAttributeNames["#actor"] = "actor"
		in.ExpressionAttributeValues[":actor"] = str(f.Actor)
		filters = append(filters, "#actor = :actor")
	}
	if f.Target != "" {
		in.ExpressionAttributeNames["#target"] = "target"
		in.ExpressionAttributeValues[":target"] = str(f.Target)
		filters = append(filters, "#target = :target")
	}
	if len(filters) > 0 {
		expr := filters[0]
		for _, x := range filters[1:] {
			expr += " AND " + x
		}
		in.FilterExpression = aws.String(expr)
	}
	items, next, err := s.pageQuery(ctx, in, cursorScope{pk, prefixAudit}, limit, cursor)
	if err != nil {
		return nil, "", wrapList("audit events", err)
	}
	out := make([]gatehouse.AuditEvent, len(items))
	for i, it := range items {
		out[i] = decodeAudit(it)
	}
	return out, next, nil
}
