package app

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// TestCallTimeout: every AWS call gets a deadline (docs/reliability.md):
// GATEHOUSE_CALL_TIMEOUT or 3 s, on whatever HTTP client the configuration
// brings; a bad value stops the function at start.
func TestCallTimeout(t *testing.T) {
	c, err := ConfigFromEnv()
	if err != nil || c.CallTimeout != DefaultCallTimeout {
		t.Fatalf("default: %v (%v), want %v", c.CallTimeout, err, DefaultCallTimeout)
	}
	t.Setenv(EnvCallTimeout, "1500ms")
	if c, err = ConfigFromEnv(); err != nil || c.CallTimeout != 1500*time.Millisecond {
		t.Fatalf("from the environment: %v (%v), want 1.5s", c.CallTimeout, err)
	}
	for _, bad := range []string{"soon", "0s", "-1s"} {
		t.Setenv(EnvCallTimeout, bad)
		if _, err := ConfigFromEnv(); err == nil {
			t.Errorf("%s=%q accepted", EnvCallTimeout, bad)
		}
	}

	for name, given := range map[string]aws.HTTPClient{"none": nil, "buildable": awshttp.NewBuildableClient(), "net/http": &http.Client{}} {
		d := &Deps{Config: Config{CallTimeout: 2 * time.Second},
			LoadAWSConfig: func(context.Context, Config) (aws.Config, error) { return aws.Config{HTTPClient: given}, nil }}
		cfg, err := d.AWSConfig()
		if err != nil {
			t.Fatal(err)
		}
		var got time.Duration
		switch hc := cfg.HTTPClient.(type) {
		case *awshttp.BuildableClient:
			got = hc.GetTimeout()
		case *http.Client:
			got = hc.Timeout
		}
		if got != 2*time.Second {
			t.Errorf("%s client: timeout %v, want 2s", name, got)
		}
	}
}

// clientFunc is an HTTP client of another type than the SDK's or
// net/http's (as the local stack's, which records DynamoDB writes).
type clientFunc func(*http.Request) (*http.Response, error)

func (f clientFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// TestCallTimeoutOnAnyClient: a client of any type still has its calls cut
// at the deadline, and an answer read in time is whole.
func TestCallTimeoutOnAnyClient(t *testing.T) {
	hung := clientFunc(func(r *http.Request) (*http.Response, error) {
		select {
		case <-r.Context().Done():
			return nil, r.Context().Err()
		case <-time.After(2 * time.Second):
			return nil, errors.New("the call was never cut")
		}
	})
	quick := clientFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok"))}, nil
	})
	for name, tt := range map[string]struct {
		client  aws.HTTPClient
		wantErr bool
	}{"hung": {hung, true}, "quick": {quick, false}} {
		d := &Deps{Config: Config{CallTimeout: 50 * time.Millisecond},
			LoadAWSConfig: func(context.Context, Config) (aws.Config, error) { return aws.Config{HTTPClient: tt.client}, nil }}
		cfg, err := d.AWSConfig()
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, "http://dynamodb.local/", nil)
		resp, err := cfg.HTTPClient.Do(req)
		if tt.wantErr {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s: error %v, want the deadline exceeded", name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || string(b) != "ok" {
			t.Errorf("%s: body %q (%v), want ok", name, b, err)
		}
	}
}
