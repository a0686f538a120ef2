package localstack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// EventBus emulates one EventBridge event bus behind the PutEvents API
// (JSON 1.1 protocol, X-Amz-Target: AWSEvents.PutEvents), as the event
// publisher's SDK client calls it (docs/events.md). It keeps what it
// accepts, in order, for whoever reads the local stack's events
// (GET /local/events, Stack.EventBus). Rules and targets are not emulated:
// the bus is where Gatehouse's delivery ends.
//
// It checks what EventBridge checks of a call: 1 to 10 entries, at most
// 256 KB of entries (sized as EventBridge sizes them), the bus's name, and
// each entry's source, detail type and JSON detail (a bad entry fails
// alone, as in AWS, with FailedEntryCount).
type EventBus struct {
	name   string
	region string

	mu       sync.Mutex
	received []BusEvent
	// refuse, when set, fails entries as EventBridge may (throttling,
	// internal failures): tests of the publisher build a bus of their
	// own with it (NewEventBus). The stack's bus has none.
	refuse func(BusEntry) (code string, refused bool)
	seq    int
}

// BusEntry is one entry of a PutEvents request, as the wire carries it.
type BusEntry struct {
	EventBusName string   `json:"EventBusName,omitempty"`
	Source       string   `json:"Source,omitempty"`
	DetailType   string   `json:"DetailType,omitempty"`
	Detail       string   `json:"Detail,omitempty"`
	Resources    []string `json:"Resources,omitempty"`
	// Time is epoch seconds, as the SDK sends it.
	Time *float64 `json:"Time,omitempty"`
}

// BusEvent is an event the bus accepted, in the shape EventBridge hands
// it to a rule's targets.
type BusEvent struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       time.Time       `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// NewEventBus returns an empty bus. refuse, when not nil, decides which
// entries fail, with which error code (a test's failure injection).
func NewEventBus(name, region string, refuse func(BusEntry) (code string, refused bool)) *EventBus {
	return &EventBus{name: name, region: region, refuse: refuse}
}

// Name is the bus's name.
func (b *EventBus) Name() string { return b.name }

// Events returns what the bus accepted, oldest first.
func (b *EventBus) Events() []BusEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]BusEvent(nil), b.received...)
}

// maxPutEventsBytes is EventBridge's limit on a PutEvents call's entries.
const maxPutEventsBytes = 256 * 1024

// ServeHTTP answers PutEvents.
func (b *EventBus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" {
		awsJSONError(w, http.StatusBadRequest, "UnknownOperationException", "only AWSEvents.PutEvents is emulated")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		awsJSONError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	var in struct {
		Entries []BusEntry `json:"Entries"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		awsJSONError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	if len(in.Entries) < 1 || len(in.Entries) > 10 {
		awsJSONError(w, http.StatusBadRequest, "ValidationException",
			fmt.Sprintf("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10 (got %d)", len(in.Entries)))
		return
	}
	size := 0
	for _, e := range in.Entries {
		size += busEntrySize(e)
	}
	if size > maxPutEventsBytes {
		awsJSONError(w, http.StatusBadRequest, "ValidationException", "Total size of the entries in the request is over the limit.")
		return
	}
	type result struct {
		EventID      string `json:"EventId,omitempty"`
		ErrorCode    string `json:"ErrorCode,omitempty"`
		ErrorMessage string `json:"ErrorMessage,omitempty"`
	}
	out := struct {
		FailedEntryCount int      `json:"FailedEntryCount"`
		Entries          []result `json:"Entries"`
	}{Entries: make([]result, len(in.Entries))}

	b.mu.Lock()
	defer b.mu.Unlock()
	for i, e := range in.Entries {
		code, msg := b.check(e)
		if code == "" && b.refuse != nil {
			if c, refused := b.refuse(e); refused {
				code, msg = c, "refused by the local bus's failure injection"
			}
		}
		if code != "" {
			out.FailedEntryCount++
			out.Entries[i] = result{ErrorCode: code, ErrorMessage: msg}
			continue
		}
		b.seq++
		ev := BusEvent{
			Version: "0", ID: fmt.Sprintf("%08d-0000-4000-8000-%012d", b.seq, b.seq), DetailType: e.DetailType, Source: e.Source,
			Account: localAccountID, Time: time.Now().UTC().Truncate(time.Second), Region: b.region,
			Resources: append([]string{}, e.Resources...), Detail: json.RawMessage(e.Detail),
		}
		if e.Time != nil {
			sec := int64(*e.Time)
			ev.Time = time.Unix(sec, 0).UTC()
		}
		b.received = append(b.received, ev)
		out.Entries[i] = result{EventID: ev.ID}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// check is what EventBridge refuses of one entry.
func (b *EventBus) check(e BusEntry) (code, msg string) {
	name := e.EventBusName
	if i := strings.LastIndex(name, "/"); strings.HasPrefix(name, "arn:") && i >= 0 {
		name = name[i+1:]
	}
	switch {
	case name != b.name && !(name == "" && b.name == "default"):
		return "NotFoundException", "Event bus " + e.EventBusName + " does not exist."
	case e.Source == "" || e.DetailType == "" || e.Detail == "":
		return "InvalidArgument", "Parameter(s) Source, DetailType and Detail must be specified."
	case !json.Valid([]byte(e.Detail)) || !strings.HasPrefix(strings.TrimSpace(e.Detail), "{"):
		return "MalformedDetail", "Detail is malformed."
	}
	return "", ""
}

// busEntrySize is an entry's size as EventBridge counts it: 14 bytes for a
// time, and the UTF-8 bytes of source, detail type, detail and resources.
func busEntrySize(e BusEntry) int {
	n := len(e.Source) + len(e.DetailType) + len(e.Detail)
	if e.Time != nil {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// awsJSONError answers as an AWS JSON-protocol service refuses a call.
func awsJSONError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}
