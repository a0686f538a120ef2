package app

import (
	"context"
	"net/http"
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
