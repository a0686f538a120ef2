package dynamo

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
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
	l := list{name: listAudit, org: orgID, rng: auditRange(orgID), desc: true}
	if !f.Since.IsZero() {
		l.from = auditRange(orgID).prefix + f.Since.UTC().Format(sortableTime)
	}
	var conds []string
	l.filter.names, l.filter.values = map[string]string{}, map[string]types.AttributeValue{}
	if f.Actor != "" {
		l.filter.names["#actor"], l.filter.values[":actor"] = "actor", str(f.Actor)
		conds = append(conds, "#actor = :actor")
	}
	if f.Target != "" {
		l.filter.names["#target"], l.filter.values[":target"] = "target", str(f.Target)
		conds = append(conds, "#target = :target")
	}
	l.filter.expr = strings.Join(conds, " AND ")
	items, next, err := s.page(ctx, l, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]gatehouse.AuditEvent, len(items))
	for i, it := range items {
		out[i] = decodeAudit(it)
	}
	return out, next, nil
}
