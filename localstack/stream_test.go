package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// streamWrite is the wire body of a TransactWriteItems putting these
// items (kind, PK) into table.
func streamWrite(table string, items ...[2]string) []byte {
	var tx []map[string]any
	for i, it := range items {
		tx = append(tx, map[string]any{"Put": map[string]any{"TableName": table, "Item": map[string]any{
			"PK": map[string]string{"S": it[1]}, "SK": map[string]string{"S": fmt.Sprintf("AUDIT#%03d", i)},
			"kind": map[string]string{"S": it[0]},
		}}})
	}
	b, _ := json.Marshal(map[string]any{"TransactItems": tx})
	return b
}

// TestStreamCapture: a successful write's puts that the mapping's filter
// passes become stream records in order; a failed write, another table's
// items, non-audit items and platform audit items do not.
func TestStreamCapture(t *testing.T) {
	s := newTableStream("gatehouse", "us-east-1", &consoleLog{w: io.Discard})
	status := http.StatusOK
	client := s.capture(httpClientFunc(func(r *http.Request) (*http.Response, error) {
		_, _ = io.ReadAll(r.Body) // the write reaches DynamoDB whole
		return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader("{}"))}, nil
	}))
	write := func(table string, items ...[2]string) {
		req, _ := http.NewRequest("POST", "http://ddb", bytes.NewReader(streamWrite(table, items...)))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.TransactWriteItems")
		if _, err := client.Do(req); err != nil {
			t.Fatal(err)
		}
	}
	write("gatehouse", [2]string{"audit", "ORG#a"}, [2]string{"member", "ORG#a"}, [2]string{"audit", "PLATFORM#AUDIT"})
	write("other", [2]string{"audit", "ORG#a"})
	status = http.StatusBadRequest // a cancelled transaction
	write("gatehouse", [2]string{"audit", "ORG#b"})
	status = http.StatusOK
	write("gatehouse", [2]string{"audit", "ORG#c"})

	recs := s.pending(100)
	var got []string
	for _, r := range recs {
		got = append(got, r.Change.Keys["PK"].String())
		if r.EventName != "INSERT" || r.Change.StreamViewType != "NEW_IMAGE" || r.Change.NewImage["kind"].String() != "audit" {
			t.Errorf("record %+v: want an INSERT with the new image", r)
		}
	}
	if !slices.Equal(got, []string{"ORG#a", "ORG#c"}) {
		t.Errorf("records of %v, want ORG#a then ORG#c", got)
	}
	if recs[0].Change.SequenceNumber >= recs[1].Change.SequenceNumber || len(recs[0].Change.SequenceNumber) < 21 {
		t.Errorf("sequence numbers %s, %s: want increasing, at least 21 digits", recs[0].Change.SequenceNumber, recs[1].Change.SequenceNumber)
	}
}

// TestStreamMapping: the poller retries from a reported batch item
// failure, halves the batch on a function error, and drops a batch after
// the retries run out, as the event source mapping does.
func TestStreamMapping(t *testing.T) {
	tests := []struct {
		name string
		// handle answers one invocation (n counts from 0).
		handle func(n int, recs []events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error)
		// want is the first record of each invocation and its size.
		want []string
	}{
		{"all at once", func(int, []events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error) {
			return events.DynamoDBEventResponse{}, nil
		}, []string{"1+4"}},
		{"from the failed record", func(n int, recs []events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error) {
			if n == 0 {
				return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{
					{ItemIdentifier: recs[3].Change.SequenceNumber}, {ItemIdentifier: recs[2].Change.SequenceNumber}}}, nil
			}
			return events.DynamoDBEventResponse{}, nil
		}, []string{"1+4", "3+2"}},
		{"an unknown identifier fails the batch", func(n int, recs []events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error) {
			if n == 0 {
				return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: "nope"}}}, nil
			}
			return events.DynamoDBEventResponse{}, nil
		}, []string{"1+4", "1+4"}},
		{"bisect on a function error", func(n int, recs []events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error) {
			if n == 0 {
				return events.DynamoDBEventResponse{}, fmt.Errorf("timeout")
			}
			return events.DynamoDBEventResponse{}, nil
		}, []string{"1+4", "1+2", "3+2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTableStream("gatehouse", "us-east-1", &consoleLog{w: io.Discard})
			s.written("TransactWriteItems", streamWrite("gatehouse", [2]string{"audit", "ORG#a"}, [2]string{"audit", "ORG#a"}, [2]string{"audit", "ORG#b"}, [2]string{"audit", "ORG#a"}))
			var mu sync.Mutex
			var calls []string
			h := func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
				var ev events.DynamoDBEvent
				if err := json.Unmarshal(payload, &ev); err != nil {
					return nil, err
				}
				mu.Lock()
				n := len(calls)
				var first int
				fmt.Sscan(strings.TrimLeft(ev.Records[0].Change.SequenceNumber, "0"), &first)
				calls = append(calls, fmt.Sprintf("%d+%d", first, len(ev.Records)))
				mu.Unlock()
				resp, err := tt.handle(n, ev.Records)
				if err != nil {
					return nil, err
				}
				return json.Marshal(resp)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); s.poll(ctx, func() InvokeHandler { return h }) }()
			deadline := time.Now().Add(5 * time.Second)
			for len(s.pending(100)) > 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			<-done
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(calls, tt.want) || len(s.pending(100)) != 0 {
				t.Errorf("invocations (first record+size) %v, %d left; want %v, none left", calls, len(s.pending(100)), tt.want)
			}
		})
	}
}
