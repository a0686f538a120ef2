package app

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// callDeadline gives every AWS call (each attempt of the SDK's retries) a
// deadline: a hung dependency fails the call, which answers 503, instead
// of holding the function until it is killed (docs/reliability.md). A
// client someone configured (tests, the local stack) keeps its transport
// and gets the deadline around it, whatever its type.
func callDeadline(c aws.HTTPClient, d time.Duration) aws.HTTPClient {
	if d <= 0 {
		d = DefaultCallTimeout
	}
	switch hc := c.(type) {
	case nil:
		return awshttp.NewBuildableClient().WithTimeout(d)
	case *awshttp.BuildableClient:
		return hc.WithTimeout(d)
	case *http.Client:
		cp := *hc
		cp.Timeout = d
		return &cp
	}
	return deadlineClient{next: c, d: d}
}

// deadlineClient bounds a call of any HTTP client as http.Client.Timeout
// does: from sending the request to reading the end of the answer.
type deadlineClient struct {
	next aws.HTTPClient
	d    time.Duration
}

func (c deadlineClient) Do(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(r.Context(), c.d)
	resp, err := c.next.Do(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose releases the call's deadline once its answer is read.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelOnClose) Close() error {
	defer b.cancel()
	return b.ReadCloser.Close()
}
