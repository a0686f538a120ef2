// Package dynamotest serves minidyn over HTTP for tests and hands back a
// real aws-sdk-go-v2 DynamoDB client and a Store on a fresh table, plus a
// counter of the DynamoDB operations each test makes and seeds for states
// that would take many calls to reach. No function links it: test helpers
// stay out of the production store package.
package dynamotest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
	"github.com/truora/minidyn/server"
)

// Table is the name of the test table.
const Table = "gatehouse-test"

// Env is one test's DynamoDB: the minidyn server (for failure emulation),
// the SDK client, the store and the call counter.
type Env struct {
	Server  *server.Server
	URL     string
	Client  *dynamodb.Client
	Store   *dynamo.Store
	Counter *CallCounter
}

// New starts minidyn on a loopback port (URL, for clients of a test's
// own), creates the table and returns the environment, whose client
// reaches minidyn in process (InProcess); everything stops when the test
// ends.
func New(t testing.TB) *Env {
	t.Helper()
	srv := server.NewServer()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	counter := NewCallCounter()
	client := newClient(hs.URL, counter, &http.Client{Transport: InProcess{Handler: srv}})
	st := NewStore(client)
	if err := st.EnsureTable(context.Background()); err != nil {
		t.Fatalf("create table: %v", err)
	}
	counter.Reset()
	return &Env{Server: srv, URL: hs.URL, Client: client, Store: st, Counter: counter}
}

// NewStore returns a store over the test table of db with a cursor key of
// its own (random, as no test may depend on a key).
func NewStore(db dynamo.DB) *dynamo.Store {
	return dynamo.New(db, Table, dynamo.Options{CursorKey: RandomKey()})
}

// RandomKey returns a fresh cursor key.
func RandomKey() []byte {
	k := make([]byte, dynamo.MinCursorKeyLen)
	_, _ = rand.Read(k) // never fails (crypto/rand)
	return k
}

// NewClient returns a DynamoDB client for a local endpoint, counting its
// calls when counter is not nil. It retries as the SDK's standard retryer
// does (the same attempts, for the same errors) but without waiting
// between attempts: a test of a failing table need not sleep.
func NewClient(endpoint string, counter *CallCounter) *dynamodb.Client {
	return newClient(endpoint, counter, nil)
}

func newClient(endpoint string, counter *CallCounter, hc *http.Client) *dynamodb.Client {
	opts := dynamodb.Options{
		Region:                          "us-east-1",
		BaseEndpoint:                    aws.String(endpoint),
		Credentials:                     credentials.NewStaticCredentialsProvider("local", "local", ""),
		DisableValidateResponseChecksum: true,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	}
	if counter != nil {
		opts.APIOptions = append(opts.APIOptions, counter.Middleware)
	}
	if hc != nil {
		opts.HTTPClient = hc
	}
	return dynamodb.New(opts)
}

// PutMembership writes a membership exactly as given, with no counters,
// conditions or audit: a state (disabled, expired, flags) that would
// otherwise take several API calls. A member needs an account (rule 1):
// when the user has none, an active one is written too.
func (e *Env) PutMembership(ctx context.Context, m *gatehouse.Membership) error {
	if err := e.put(ctx, m); err != nil {
		return err
	}
	u := &gatehouse.User{ID: m.UserID, Email: m.UserID + "@test.example", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: e.Store.Now()}
	items, err := dynamo.ItemsOf(u)
	if err != nil {
		return err
	}
	_, err = e.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(Table), Item: items[0],
		ConditionExpression: aws.String("attribute_not_exists(" + tabledef.PK + ")")})
	if err != nil && !dynamo.IsConditionFailed(err) {
		return fmt.Errorf("put the account of %s: %w", m.UserID, err)
	}
	return nil
}

// PutUser writes a profile exactly as given, like PutMembership.
func (e *Env) PutUser(ctx context.Context, u *gatehouse.User) error {
	return e.put(ctx, u)
}

func (e *Env) put(ctx context.Context, v any) error {
	items, err := dynamo.ItemsOf(v)
	if err != nil {
		return err
	}
	for _, it := range items {
		if _, err := e.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(Table), Item: it}); err != nil {
			return fmt.Errorf("put %T: %w", v, err)
		}
	}
	return nil
}

// SeedResources writes resources and their grantee items with
// BatchWriteItem from a few goroutines, without counters, conditions or
// audit: benchmarks fill an org with 100,000 resources this way, which one
// transaction per resource would take most of an hour to do against
// minidyn.
func (e *Env) SeedResources(ctx context.Context, rs []*gatehouse.Resource, workers int) error {
	var items []map[string]types.AttributeValue
	for _, r := range rs {
		its, err := dynamo.ItemsOf(r)
		if err != nil {
			return err
		}
		items = append(items, its...)
	}
	chunks := make(chan []map[string]types.AttributeValue)
	errs := make(chan error, max(workers, 1))
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for chunk := range chunks {
				reqs := make([]types.WriteRequest, len(chunk))
				for i, it := range chunk {
					reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
				}
				for len(reqs) > 0 {
					out, err := e.Client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{Table: reqs}})
					if err != nil {
						errs <- fmt.Errorf("seed resources: %w", err)
						return
					}
					reqs = out.UnprocessedItems[Table]
				}
			}
		})
	}
	go func() { wg.Wait(); close(errs) }()
	for start := 0; start < len(items); start += 25 {
		select {
		case chunks <- items[start:min(start+25, len(items))]:
		case err := <-errs:
			close(chunks)
			return err
		}
	}
	close(chunks)
	for err := range errs {
		return err
	}
	return nil
}
