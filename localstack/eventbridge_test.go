package localstack

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"
)

// TestEventBusChecksAsEventBridge: the local bus refuses what EventBridge
// refuses, through the real SDK client: a call of more than 10 entries or
// 256 KB whole; a bad entry alone (unknown bus, missing fields, a detail
// that is no JSON object), counted in FailedEntryCount; and keeps the
// rest in order.
func TestEventBusChecksAsEventBridge(t *testing.T) {
	bus := NewEventBus("gatehouse-test", "us-east-1", nil)
	srv := httptest.NewServer(bus)
	defer srv.Close()
	c := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	entry := func(busName, detail string) ebtypes.PutEventsRequestEntry {
		return ebtypes.PutEventsRequestEntry{EventBusName: aws.String(busName), Source: aws.String("gatehouse"),
			DetailType: aws.String("member.added"), Detail: aws.String(detail)}
	}
	ctx := context.Background()

	var eleven []ebtypes.PutEventsRequestEntry
	for range 11 {
		eleven = append(eleven, entry("gatehouse-test", `{}`))
	}
	big := entry("gatehouse-test", `{"x":"`+strings.Repeat("a", 256*1024)+`"}`)
	for name, entries := range map[string][]ebtypes.PutEventsRequestEntry{"11 entries": eleven, "over 256 KB": {big}} {
		_, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" {
			t.Errorf("%s: %v, want a ValidationException", name, err)
		}
	}

	out, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		entry("gatehouse-test", `{"n":1}`),
		entry("another-bus", `{"n":2}`),
		entry("gatehouse-test", `not json`),
		{EventBusName: aws.String("gatehouse-test"), Source: aws.String("gatehouse"), Detail: aws.String(`{}`)},
		entry("arn:aws:events:us-east-1:000000000000:event-bus/gatehouse-test", `{"n":5}`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, e := range out.Entries {
		codes = append(codes, aws.ToString(e.ErrorCode))
	}
	if out.FailedEntryCount != 3 || strings.Join(codes, ",") != ",NotFoundException,MalformedDetail,InvalidArgument," {
		t.Errorf("FailedEntryCount %d, codes %v; want 3 and the bad entries' codes", out.FailedEntryCount, codes)
	}
	got := bus.Events()
	if len(got) != 2 || string(got[0].Detail) != `{"n":1}` || string(got[1].Detail) != `{"n":5}` {
		t.Errorf("the bus kept %+v, want the two good entries in order", got)
	}
}
