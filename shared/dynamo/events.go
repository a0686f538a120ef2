package dynamo

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// The event stream (docs/events.md) is a read of the audit events the
// store writes in every transaction: an org's audit items already sort by
// time, then id (auditKey), so an event's id is its audit item's position
// and a consumer resumes after it with a key condition.

// listEvents is the event stream's name in its cursors.
const listEvents = "events"

// EventID is the stable id of the event an audit event is: its time as 19
// digits of Unix nanoseconds, then its audit id. Ids sort as the events do.
func EventID(ev gatehouse.AuditEvent) string {
	return fmt.Sprintf("%019d", ev.Time.UnixNano()) + "-" + ev.ID
}

var eventIDPattern = regexp.MustCompile(`^([0-9]{19})-([a-z]+_[a-z2-7]+)$`)

// ErrBadEventID answers an after= that is no event id.
var ErrBadEventID = gatehouse.Invalid(gatehouse.FieldError{Field: "after", Message: "not an event id"})

// eventPosition is the sort key of the audit item an event id names.
func eventPosition(id string) (string, error) {
	m := eventIDPattern.FindStringSubmatch(id)
	if m == nil {
		return "", ErrBadEventID
	}
	ns, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return "", ErrBadEventID
	}
	return prefixAudit + time.Unix(0, ns).UTC().Format(sortableTime) + "#" + m[2], nil
}

// EventsPage reads an org's audit events oldest first: after the event id
// after (exclusive), or from the position a cursor of this list holds, or
// from the start; never both. Events later than until are left for a later
// read (the settle window, docs/events.md): the page stops before them
// and has no next cursor. The position is the org's own range only: an id
// of another org's event names a place in this org's stream, nothing more.
func (s *Store) EventsPage(ctx context.Context, orgID, after string, until time.Time, limit int, cursor string) ([]gatehouse.AuditEvent, string, error) {
	l := list{name: listEvents, org: orgID, rng: auditRange(orgID)}
	if after != "" {
		if cursor != "" {
			return nil, "", gatehouse.Invalid(gatehouse.FieldError{Field: "after", Message: "give after or cursor, not both"})
		}
		pos, err := eventPosition(after)
		if err != nil {
			return nil, "", err
		}
		l.from = pos + "\x00"
	}
	items, next, err := s.page(ctx, l, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	horizon := prefixAudit + until.UTC().Format(sortableTime) + "#" + rangeEnd
	out := make([]gatehouse.AuditEvent, 0, len(items))
	for _, it := range items {
		if it.getS("SK") > horizon {
			return out, "", nil
		}
		out = append(out, decodeAudit(it))
	}
	return out, next, nil
}

// AuditFromImage decodes an audit item as a DynamoDB stream record carries
// it (its new image): ok is false for any other item, and for audit events
// that belong to no org.
func AuditFromImage(image map[string]types.AttributeValue) (ev gatehouse.AuditEvent, ok bool) {
	it := item(image)
	if it.getS(attrKind) != kindAudit || !strings.HasPrefix(it.getS("PK"), prefixOrg) {
		return gatehouse.AuditEvent{}, false
	}
	ev = decodeAudit(it)
	return ev, ev.OrgID != "" && ev.ID != ""
}
