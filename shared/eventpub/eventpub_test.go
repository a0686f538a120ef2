package eventpub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/gatehouse-dev/gatehouse/localstack"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/eventpub"
	gevents "github.com/gatehouse-dev/gatehouse/shared/events"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// bus is the local stack's EventBridge emulator behind an HTTP server that
// records each PutEvents call's entries, with failure injection.
type bus struct {
	*localstack.EventBus
	client *eventbridge.Client
	mu     sync.Mutex
	calls  [][]localstack.BusEntry
}

func newBus(t testing.TB, refuse func(localstack.BusEntry) (string, bool)) *bus {
	b := &bus{EventBus: localstack.NewEventBus("gatehouse-test", "us-east-1", refuse)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in struct{ Entries []localstack.BusEntry }
		_ = json.Unmarshal(body, &in)
		b.mu.Lock()
		b.calls = append(b.calls, in.Entries)
		b.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		b.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	b.client = eventbridge.New(eventbridge.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	return b
}

// record is the stream record of an audit event, as DynamoDB Streams
// delivers it (NEW_IMAGE).
func record(t testing.TB, seq int, ev gatehouse.AuditEvent) events.DynamoDBEventRecord {
	t.Helper()
	items, err := dynamo.ItemsOf(&ev)
	if err != nil {
		t.Fatal(err)
	}
	img := map[string]events.DynamoDBAttributeValue{}
	for k, v := range items[0] {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			t.Fatalf("attribute %s is %T, want a string", k, v)
		}
		img[k] = events.NewStringAttribute(s.Value)
	}
	return events.DynamoDBEventRecord{EventName: "INSERT", EventSource: "aws:dynamodb", Change: events.DynamoDBStreamRecord{
		Keys: map[string]events.DynamoDBAttributeValue{"PK": img["PK"], "SK": img["SK"]}, NewImage: img,
		SequenceNumber: fmt.Sprintf("%021d", seq), StreamViewType: "NEW_IMAGE",
	}}
}

// batch makes the records of n events per org, interleaved as they would
// commit: a1 b1 c1 a2 b2 c2 ...; it returns them with each org's event ids
// in order.
func batch(t testing.TB, orgs []string, n int) ([]events.DynamoDBEventRecord, map[string][]string) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var recs []events.DynamoDBEventRecord
	want := map[string][]string{}
	for i := range n {
		for j, org := range orgs {
			ev := gatehouse.AuditEvent{ID: fmt.Sprintf("evt_%s%d", strings.Repeat("a", j+1), i), OrgID: org, ActorID: "usr_x",
				Time: t0.Add(time.Duration(i*len(orgs)+j) * time.Millisecond), Action: "member.roles", Target: "usr_t",
				Before: map[string]any{"roles": []any{"viewer"}}, After: map[string]any{"roles": []any{"admin"}}}
			recs = append(recs, record(t, len(recs)+1, ev))
			want[org] = append(want[org], gevents.Of(ev).ID)
		}
	}
	return recs, want
}

// published is the ids the bus accepted per org, in order (duplicates kept).
func published(t *testing.T, b *bus) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, e := range b.Events() {
		var ev gevents.Event
		if err := json.Unmarshal(e.Detail, &ev); err != nil {
			t.Fatalf("detail %s: %v", e.Detail, err)
		}
		if e.Source != eventpub.Source || e.DetailType != ev.Type {
			t.Errorf("event source %q, detail-type %q: want %q and the event's type %q", e.Source, e.DetailType, eventpub.Source, ev.Type)
		}
		out[ev.OrgID] = append(out[ev.OrgID], ev.ID)
	}
	return out
}

// inOrder checks that an org's published ids, duplicates aside, are want in
// order, and that no event came before an earlier one of its org.
func inOrder(t *testing.T, org string, got, want []string) {
	t.Helper()
	var firsts []string
	for _, id := range got {
		if !slices.Contains(firsts, id) {
			firsts = append(firsts, id)
		}
	}
	if !slices.Equal(firsts, want) {
		t.Errorf("org %s: published (first occurrences) %v, want %v", org, firsts, want)
	}
}

// TestPublishRetriesFailedEntriesInOrder: the bus refuses some entries a
// few times (throttling); the publisher retries them alone and every org's
// events reach the bus once each, in order; no call holds two events of
// one org or more than 10 entries.
func TestPublishRetriesFailedEntriesInOrder(t *testing.T) {
	orgs := []string{"org_a", "org_b", "org_c"}
	recs, want := batch(t, orgs, 6)
	refusals := map[string]int{want["org_a"][2]: 2, want["org_b"][0]: 1, want["org_c"][5]: 3}
	var mu sync.Mutex
	b := newBus(t, func(e localstack.BusEntry) (string, bool) {
		var ev gevents.Event
		_ = json.Unmarshal([]byte(e.Detail), &ev)
		mu.Lock()
		defer mu.Unlock()
		if refusals[ev.ID] > 0 {
			refusals[ev.ID]--
			return "ThrottlingException", true
		}
		return "", false
	})
	p := eventpub.New(b.client, b.Name(), slog.New(slog.DiscardHandler), eventpub.Options{Attempts: 10, Backoff: time.Millisecond})
	resp, err := p.Handle(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("batch item failures %+v, want none: every refusal was retried", resp.BatchItemFailures)
	}
	got := published(t, b)
	for _, org := range orgs {
		if !slices.Equal(got[org], want[org]) {
			t.Errorf("org %s: published %v, want exactly %v", org, got[org], want[org])
		}
	}
	for i, call := range b.calls {
		seen := map[string]bool{}
		for _, e := range call {
			var ev gevents.Event
			_ = json.Unmarshal([]byte(e.Detail), &ev)
			if seen[ev.OrgID] {
				t.Errorf("call %d holds two events of %s: a partial failure could reorder them", i, ev.OrgID)
			}
			seen[ev.OrgID] = true
		}
		if len(call) > eventpub.MaxEntries {
			t.Errorf("call %d has %d entries, over PutEvents' 10", i, len(call))
		}
	}
}

// TestPublishHandsBackFromFirstUnpublished: an entry the bus keeps
// refusing stops its org there; the other orgs go on; the batch item
// failure names its record, and Lambda's retry from that record
// completes every org in order (events after it may come twice).
func TestPublishHandsBackFromFirstUnpublished(t *testing.T) {
	orgs := []string{"org_a", "org_b"}
	recs, want := batch(t, orgs, 4)
	stuck := want["org_a"][1] // the third record
	var refuse atomic.Bool
	refuse.Store(true)
	b := newBus(t, func(e localstack.BusEntry) (string, bool) {
		if refuse.Load() && strings.Contains(e.Detail, stuck) {
			return "InternalFailure", true
		}
		return "", false
	})
	p := eventpub.New(b.client, b.Name(), slog.New(slog.DiscardHandler), eventpub.Options{Attempts: 3, Backoff: time.Millisecond})
	resp, err := p.Handle(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != recs[2].Change.SequenceNumber {
		t.Fatalf("batch item failures %+v, want the record of %s (%s)", resp.BatchItemFailures, stuck, recs[2].Change.SequenceNumber)
	}
	got := published(t, b)
	if !slices.Equal(got["org_a"], want["org_a"][:1]) {
		t.Errorf("org_a: published %v, want only %v: nothing after the refused event", got["org_a"], want["org_a"][:1])
	}
	if !slices.Equal(got["org_b"], want["org_b"]) {
		t.Errorf("org_b: published %v, want all of %v", got["org_b"], want["org_b"])
	}

	// Lambda retries from the reported record; the bus accepts again.
	refuse.Store(false)
	resp, err = p.Handle(context.Background(), events.DynamoDBEvent{Records: recs[2:]})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("retry: %+v, %v; want it all published", resp, err)
	}
	got = published(t, b)
	for _, org := range orgs {
		inOrder(t, org, got[org], want[org])
	}
}

// TestPublishDetailIsTheEvent: the bus event's detail is the event as the
// API shows it (shared/events.Of), its detail-type the event's type, and
// records that are no org's audit items are skipped.
func TestPublishDetailIsTheEvent(t *testing.T) {
	recs, _ := batch(t, []string{"org_a"}, 1)
	platform := record(t, 2, gatehouse.AuditEvent{ID: "evt_p", Time: time.Now(), ActorID: "usr_x", Action: "profile.update"})
	b := newBus(t, nil)
	p := eventpub.New(b.client, b.Name(), slog.New(slog.DiscardHandler), eventpub.Options{})
	if _, err := p.Handle(context.Background(), events.DynamoDBEvent{Records: append(recs, platform)}); err != nil {
		t.Fatal(err)
	}
	evs := b.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events on the bus, want 1 (the platform's audit event is no org's event)", len(evs))
	}
	ev, _ := dynamo.AuditFromImage(image(t, recs[0]))
	want, _ := json.Marshal(gevents.Of(ev))
	if string(evs[0].Detail) != string(want) {
		t.Errorf("detail %s, want %s", evs[0].Detail, want)
	}
	if evs[0].DetailType != "member.role_changed" {
		t.Errorf("detail-type %q, want member.role_changed", evs[0].DetailType)
	}
}

func image(t *testing.T, r events.DynamoDBEventRecord) map[string]types.AttributeValue {
	t.Helper()
	out := map[string]types.AttributeValue{}
	for k, v := range r.Change.NewImage {
		out[k] = &types.AttributeValueMemberS{Value: v.String()}
	}
	return out
}

// BenchmarkPublish measures a full batch of 100 stream records through
// the real EventBridge client to the local bus: from one org (one event
// per call, so 100 calls) and from ten orgs (10 calls).
func BenchmarkPublish(b *testing.B) {
	for _, orgs := range [][]string{{"org_a"}, {"org_0", "org_1", "org_2", "org_3", "org_4", "org_5", "org_6", "org_7", "org_8", "org_9"}} {
		b.Run(fmt.Sprintf("%d orgs", len(orgs)), func(b *testing.B) {
			recs, _ := batch(b, orgs, 100/len(orgs))
			bus := newBus(b, nil)
			p := eventpub.New(bus.client, bus.Name(), slog.New(slog.DiscardHandler), eventpub.Options{})
			b.ResetTimer()
			for range b.N {
				if _, err := p.Handle(context.Background(), events.DynamoDBEvent{Records: recs}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(bus.calls))/float64(b.N), "calls/batch")
		})
	}
}
