// Package dynamotest serves minidyn over HTTP for tests and hands back a
// real aws-sdk-go-v2 DynamoDB client and a Store on a fresh table, plus a
// counter of the DynamoDB operations each test makes.
package dynamotest

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/truora/minidyn/server"
)

// Env is one test's DynamoDB: the minidyn server (for failure emulation),
// the SDK client, the store and the call counter.
type Env struct {
	Server  *server.Server
	URL     string
	Client  *dynamodb.Client
	Store   *dynamo.Store
	Counter *dynamo.CallCounter
}

// New starts minidyn on a loopback port, creates the table and returns the
// environment; everything stops when the test ends.
func New(t testing.TB) *Env {
	t.Helper()
	srv := server.NewServer()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	counter := dynamo.NewCallCounter()
	client := NewClient(hs.URL, counter)
	st := dynamo.New(client, "gatehouse-test")
	if err := st.EnsureTable(context.Background()); err != nil {
		t.Fatalf("create table: %v", err)
	}
	counter.Reset()
	return &Env{Server: srv, URL: hs.URL, Client: client, Store: st, Counter: counter}
}

// NewClient returns a DynamoDB client for a local endpoint, counting its
// calls when counter is not nil.
func NewClient(endpoint string, counter *dynamo.CallCounter) *dynamodb.Client {
	opts := dynamodb.Options{
		Region:                          "us-east-1",
		BaseEndpoint:                    aws.String(endpoint),
		Credentials:                     credentials.NewStaticCredentialsProvider("local", "local", ""),
		DisableValidateResponseChecksum: true,
	}
	if counter != nil {
		opts.APIOptions = append(opts.APIOptions, counter.Middleware)
	}
	return dynamodb.New(opts)
}
