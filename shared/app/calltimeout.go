package app

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// callDeadline gives every AWS call (each attempt of the SDK's retries) a
// deadline: a hung dependency fails the call, which answers 503, instead
// of holding the function until it is killed (docs/reliability.md). A
// client someone configured (tests, the local stack) keeps its transport
// and gets the deadline around it.
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
	return c
}
