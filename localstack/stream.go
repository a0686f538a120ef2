package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// tableStream emulates the table's DynamoDB stream and the event source
// mapping that invokes the event publisher with it (docs/events.md,
// infra: the stream, the mapping and its filter come from the same
// shared/tabledef values). minidyn has no streams, so the stack captures
// the writes its functions' DynamoDB client makes: when a PutItem or a
// TransactWriteItems succeeds, the items it put that the mapping's filter
// passes (inserts of audit items in org partitions) become stream
// records, in the order their writes returned, with sequence numbers.
// A poller then does what the event source mapping does for one shard:
// it invokes the publisher with up to PublisherBatchSize records as a
// real events.DynamoDBEvent, one batch at a time; a batch item failure
// retries from the reported record, a function error retries the batch
// with half as many records (bisect), and a batch that fails
// PublisherMaxRetries times is dropped, as AWS sends it to the on-failure
// destination (the stack's console says so).
type tableStream struct {
	table, region string
	arn           string
	console       *consoleLog

	mu      sync.Mutex
	records []events.DynamoDBEventRecord
	seq     uint64
	wake    chan struct{}
}

func newTableStream(table, region string, console *consoleLog) *tableStream {
	label := time.Now().UTC().Format("2006-01-02T15:04:05.000")
	return &tableStream{
		table: table, region: region, console: console, wake: make(chan struct{}, 1),
		arn: fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s/stream/%s", region, localAccountID, table, label),
	}
}

// capture wraps the HTTP client of the functions' AWS clients: DynamoDB
// writes that succeed are recorded; everything else passes untouched.
func (s *tableStream) capture(next aws.HTTPClient) aws.HTTPClient {
	return httpClientFunc(func(r *http.Request) (*http.Response, error) {
		op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		if !ok || (op != "PutItem" && op != "TransactWriteItems") || r.Body == nil {
			return next.Do(r)
		}
		body, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		resp, err := next.Do(r)
		if err == nil && resp.StatusCode == http.StatusOK {
			s.written(op, body)
		}
		return resp, err
	})
}

type httpClientFunc func(*http.Request) (*http.Response, error)

func (f httpClientFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// put is a Put as the DynamoDB wire protocol carries it.
type put struct {
	TableName string                                   `json:"TableName"`
	Item      map[string]events.DynamoDBAttributeValue `json:"Item"`
}

// written records the items a successful write put.
func (s *tableStream) written(op string, body []byte) {
	var puts []put
	switch op {
	case "PutItem":
		var p put
		if json.Unmarshal(body, &p) == nil {
			puts = append(puts, p)
		}
	case "TransactWriteItems":
		var in struct {
			TransactItems []struct {
				Put *put `json:"Put"`
			} `json:"TransactItems"`
		}
		if json.Unmarshal(body, &in) == nil {
			for _, it := range in.TransactItems {
				if it.Put != nil {
					puts = append(puts, *it.Put)
				}
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for _, p := range puts {
		if p.TableName != s.table || !passesFilter(p.Item) {
			continue
		}
		s.seq++
		size, _ := json.Marshal(p.Item)
		s.records = append(s.records, events.DynamoDBEventRecord{
			AWSRegion:      s.region,
			EventID:        newUUID(),
			EventName:      tabledef.StreamFilter.EventName,
			EventSource:    "aws:dynamodb",
			EventVersion:   "1.1",
			EventSourceArn: s.arn,
			Change: events.DynamoDBStreamRecord{
				ApproximateCreationDateTime: events.SecondsEpochTime{Time: now.Truncate(time.Second)},
				Keys: map[string]events.DynamoDBAttributeValue{
					tabledef.PK: p.Item[tabledef.PK], tabledef.SK: p.Item[tabledef.SK],
				},
				NewImage:       p.Item,
				SequenceNumber: fmt.Sprintf("%021d", s.seq),
				SizeBytes:      int64(len(size)),
				StreamViewType: tabledef.StreamViewType,
			},
		})
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// passesFilter is the event source mapping's filter (tabledef.FilterPattern)
// applied to a new item: an audit item in an org partition. Every write
// captured is a put of a new item: audit items are only ever inserted.
func passesFilter(item map[string]events.DynamoDBAttributeValue) bool {
	f := tabledef.StreamFilter
	pk, kind := item[tabledef.PK], item[f.KindAttribute]
	return pk.DataType() == events.DataTypeString && strings.HasPrefix(pk.String(), f.OrgPartitionPrefix) &&
		kind.DataType() == events.DataTypeString && kind.String() == f.AuditKind
}

// pending is the records not yet processed, oldest first.
func (s *tableStream) pending(n int) []events.DynamoDBEventRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]events.DynamoDBEventRecord(nil), s.records[:min(n, len(s.records))]...)
}

// done drops the first n records: processed, or given up on.
func (s *tableStream) done(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = s.records[n:]
}

// poll runs the event source mapping until ctx ends: it invokes the
// function invoke returns (nil while there is none) with the stream's
// records.
func (s *tableStream) poll(ctx context.Context, invoke func() InvokeHandler) {
	size, failures := tabledef.PublisherBatchSize, 0
	backoff := func() bool {
		failures++
		t := time.NewTimer(time.Duration(min(failures, 6)) * 100 * time.Millisecond)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	for {
		batch := s.pending(size)
		h := invoke()
		if len(batch) == 0 || h == nil {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
			case <-time.After(250 * time.Millisecond): // the mapping polls the shard four times a second
			}
			continue
		}
		payload, _ := json.Marshal(events.DynamoDBEvent{Records: batch})
		out, err := callInvoke(ctx, h, payload)
		if ctx.Err() != nil {
			return
		}
		var resp events.DynamoDBEventResponse
		if err == nil && len(out) > 0 {
			err = json.Unmarshal(out, &resp)
		}
		switch {
		case err != nil:
			if failures >= tabledef.PublisherMaxRetries {
				s.console.Printf("event publisher: batch of %d stream records failed %d times (%v): sent to the on-failure destination (dropped)", len(batch), failures+1, err)
				s.done(len(batch))
				size, failures = tabledef.PublisherBatchSize, 0
				continue
			}
			size = max(1, len(batch)/2) // bisect on function error
			if !backoff() {
				return
			}
		case len(resp.BatchItemFailures) > 0:
			// Retry from the lowest sequence number reported; what came
			// before it is done.
			// An identifier that names no record of the batch fails it
			// whole, as in AWS.
			first := -1
			for _, f := range resp.BatchItemFailures {
				for i, r := range batch {
					if r.Change.SequenceNumber == f.ItemIdentifier && (first < 0 || i < first) {
						first = i
					}
				}
			}
			first = max(first, 0)
			s.done(first)
			if failures >= tabledef.PublisherMaxRetries {
				s.console.Printf("event publisher: stream records from %s failed %d times: sent to the on-failure destination (dropped)", batch[min(first, len(batch)-1)].Change.SequenceNumber, failures+1)
				s.done(len(batch) - first)
				size, failures = tabledef.PublisherBatchSize, 0
				continue
			}
			if !backoff() {
				return
			}
		default:
			s.done(len(batch))
			size, failures = tabledef.PublisherBatchSize, 0
		}
	}
}
