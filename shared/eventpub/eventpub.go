// Package eventpub publishes the org event stream to an EventBridge bus
// (docs/events.md). It is the handler of the table's stream: DynamoDB
// Streams delivers, in order per partition key, the audit items the
// transactions insert, and each becomes one EventBridge event whose detail
// is the event exactly as GET /v1/orgs/{orgId}/events reads it.
//
// Delivery is at least once and in order per org: an event is put on the
// bus only once every earlier event of its org in the batch has been
// accepted. A PutEvents call therefore holds at most one event per org (a
// partial failure inside a call could otherwise let a later event of an
// org in ahead of an earlier one), failed entries are retried alone, and
// what is still unpublished when the retries run out is reported as a
// batch item failure from its first record, so that Lambda retries the
// batch from there (records after it may be published twice: the event id
// tells a consumer).
package eventpub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	gevents "github.com/gatehouse-dev/gatehouse/shared/events"
)

// Source is the source of every event Gatehouse puts on its bus.
const Source = "gatehouse"

// PutEvents limits (EventBridge quotas, "PutEvents"): 10 entries a call and
// 256 KB a call, entries' sizes counted as AWS counts them (entrySize).
const (
	MaxEntries = 10
	MaxBytes   = 256 * 1024
)

// Bus is the part of the EventBridge client the publisher uses.
type Bus interface {
	PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Options tune the retries of failed entries within one invocation.
type Options struct {
	// Attempts is how many PutEvents rounds may fail before the rest of
	// the batch is handed back to Lambda (default 5).
	Attempts int
	// Backoff is the wait after the first failed round, doubled after each
	// (default 100 ms).
	Backoff time.Duration
}

// Publisher puts stream records on the bus.
type Publisher struct {
	bus  Bus
	name string
	log  *slog.Logger
	opts Options
}

// New returns a publisher onto the named bus.
func New(bus Bus, busName string, log *slog.Logger, o Options) *Publisher {
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = 100 * time.Millisecond
	}
	return &Publisher{bus: bus, name: busName, log: log, opts: o}
}

// pending is one event still to put, with the record it came from.
type pending struct {
	org    string
	record int
	entry  ebtypes.PutEventsRequestEntry
	size   int
}

// Handle publishes a batch of stream records (the event source mapping
// reports batch item failures: docs/events.md).
func (p *Publisher) Handle(ctx context.Context, in events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	if p.name == "" {
		return events.DynamoDBEventResponse{}, errors.New("event publisher: no bus configured (GATEHOUSE_EVENT_BUS)")
	}
	// Each org's unpublished events, oldest first, and the orgs in the
	// order their first record came.
	queues := map[string][]pending{}
	var orgs []string
	for i, r := range in.Records {
		ev, ok := dynamo.AuditFromImage(image(r.Change.NewImage))
		if !ok {
			continue // not an event (the filter lets none through)
		}
		e, err := p.entry(gevents.Of(ev))
		if err != nil {
			return events.DynamoDBEventResponse{}, err
		}
		if _, seen := queues[ev.OrgID]; !seen {
			orgs = append(orgs, ev.OrgID)
		}
		queues[ev.OrgID] = append(queues[ev.OrgID], pending{org: ev.OrgID, record: i, entry: e, size: entrySize(e)})
	}

	failed, wait := 0, p.opts.Backoff
	for len(queues) > 0 {
		batch := nextCall(orgs, queues)
		accepted, err := p.put(ctx, batch)
		progress := false
		for i, ok := range accepted {
			if !ok {
				continue
			}
			org := batch[i].org
			queues[org] = queues[org][1:]
			if len(queues[org]) == 0 {
				delete(queues, org)
			}
			progress = true
		}
		if len(accepted) == len(batch) && allTrue(accepted) {
			continue
		}
		failed++
		p.log.WarnContext(ctx, "event publisher: entries refused", "failedRound", failed, "progress", progress, "err", err)
		if failed >= p.opts.Attempts || ctx.Err() != nil {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		wait *= 2
	}
	if len(queues) == 0 {
		return events.DynamoDBEventResponse{}, nil
	}
	// Lambda retries the batch from the first record still unpublished.
	first := len(in.Records)
	for _, q := range queues {
		first = min(first, q[0].record)
	}
	p.log.ErrorContext(ctx, "event publisher: events left unpublished; the batch is retried from the first", "orgs", len(queues), "sequenceNumber", in.Records[first].Change.SequenceNumber)
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{
		{ItemIdentifier: in.Records[first].Change.SequenceNumber},
	}}, nil
}

// nextCall picks the entries of one PutEvents call: the oldest unpublished
// event of each org (so never two of one org), oldest first, within the
// call's limits.
func nextCall(orgs []string, queues map[string][]pending) []pending {
	var heads []pending
	for _, org := range orgs {
		if q := queues[org]; len(q) > 0 {
			heads = append(heads, q[0])
		}
	}
	// Oldest record first: the org that waits longest goes first.
	for i := 1; i < len(heads); i++ {
		for j := i; j > 0 && heads[j].record < heads[j-1].record; j-- {
			heads[j], heads[j-1] = heads[j-1], heads[j]
		}
	}
	var out []pending
	size := 0
	for _, h := range heads {
		if len(out) == MaxEntries || (len(out) > 0 && size+h.size > MaxBytes) {
			break
		}
		out = append(out, h)
		size += h.size
	}
	return out
}

// put makes one PutEvents call and reports which entries were accepted.
// A failed call accepts none.
func (p *Publisher) put(ctx context.Context, batch []pending) ([]bool, error) {
	entries := make([]ebtypes.PutEventsRequestEntry, len(batch))
	for i, b := range batch {
		entries[i] = b.entry
	}
	out, err := p.bus.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	accepted := make([]bool, len(batch))
	if err != nil {
		return accepted, fmt.Errorf("put events: %w", err)
	}
	if len(out.Entries) != len(batch) {
		return accepted, fmt.Errorf("put events: %d results for %d entries", len(out.Entries), len(batch))
	}
	for i, r := range out.Entries {
		accepted[i] = r.ErrorCode == nil && r.EventId != nil
	}
	return accepted, nil
}

// entry is the EventBridge entry of an event: its detail is the event as
// the API reads it, unless that is over the size limit, when its data is
// left out and the event says so (the API holds it whole).
func (p *Publisher) entry(e gevents.Event) (ebtypes.PutEventsRequestEntry, error) {
	detail, err := json.Marshal(e)
	if err != nil {
		return ebtypes.PutEventsRequestEntry{}, fmt.Errorf("event %s: %w", e.ID, err)
	}
	out := ebtypes.PutEventsRequestEntry{
		EventBusName: aws.String(p.name),
		Source:       aws.String(Source),
		DetailType:   aws.String(e.Type),
		Detail:       aws.String(string(detail)),
		Time:         aws.Time(e.Time),
	}
	if entrySize(out) > MaxBytes {
		e.Data, e.Truncated = nil, true
		detail, _ = json.Marshal(e)
		out.Detail = aws.String(string(detail))
	}
	return out, nil
}

// entrySize is an entry's size as EventBridge counts it against the
// call's limit ("Calculating PutEvents event entry size"): 14 bytes for a
// time, and the UTF-8 bytes of source, detail type, detail and resources.
func entrySize(e ebtypes.PutEventsRequestEntry) int {
	n := 0
	if e.Time != nil {
		n += 14
	}
	for _, s := range []*string{e.Source, e.DetailType, e.Detail} {
		if s != nil {
			n += len(*s) // Go strings are UTF-8 bytes
		}
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

func allTrue(v []bool) bool {
	for _, b := range v {
		if !b {
			return false
		}
	}
	return true
}

// image turns a stream record's image into the SDK's attribute values, the
// form the store decodes.
func image(in map[string]events.DynamoDBAttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(in))
	for k, v := range in {
		if av := attr(v); av != nil {
			out[k] = av
		}
	}
	return out
}

func attr(v events.DynamoDBAttributeValue) types.AttributeValue {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}
	case events.DataTypeMap:
		return &types.AttributeValueMemberM{Value: image(v.Map())}
	case events.DataTypeList:
		var l []types.AttributeValue
		for _, e := range v.List() {
			if av := attr(e); av != nil {
				l = append(l, av)
			}
		}
		return &types.AttributeValueMemberL{Value: l}
	}
	return nil
}
