package localstack

import (
	"context"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/gatehouse-dev/gatehouse/shared/app"
)

// newDeps returns the functions' dependencies for the local stack. Unlike a
// Lambda function, the stack may run against real AWS from a developer's
// machine, so it loads the SDK's full configuration chain (profiles, SSO,
// shared files); against local emulators fixed credentials serve.
//
// transport, when not nil, carries the calls (Options.HTTPTransport).
// stream, when not nil, sees the functions' DynamoDB writes (the table's
// emulated stream, stream.go).
func newDeps(c app.Config, transport http.RoundTripper, stream ...*tableStream) *app.Deps {
	d := app.NewDeps(c)
	d.LoadAWSConfig = func(ctx context.Context, c app.Config) (aws.Config, error) {
		opts := []func(*config.LoadOptions) error{config.WithRegion(c.Region)}
		if (c.DynamoDBEndpoint != "" || c.CognitoEndpoint != "") && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
			opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
		cfg, err := config.LoadDefaultConfig(ctx, opts...)
		if transport != nil {
			cfg.HTTPClient = &http.Client{Transport: transport}
		}
		if err == nil && len(stream) > 0 && stream[0] != nil {
			base := cfg.HTTPClient
			if base == nil {
				base = awshttp.NewBuildableClient()
			}
			cfg.HTTPClient = stream[0].capture(base)
		}
		return cfg, err
	}
	return d
}
