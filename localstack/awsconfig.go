package localstack

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/gatehouse-dev/gatehouse/shared/app"
)

// newDeps returns the functions' dependencies for the local stack. Unlike a
// Lambda function, the stack may run against real AWS from a developer's
// machine, so it loads the SDK's full configuration chain (profiles, SSO,
// shared files); against local emulators fixed credentials serve.
func newDeps(c app.Config) *app.Deps {
	d := app.NewDeps(c)
	d.LoadAWSConfig = func(ctx context.Context, c app.Config) (aws.Config, error) {
		opts := []func(*config.LoadOptions) error{config.WithRegion(c.Region)}
		if (c.DynamoDBEndpoint != "" || c.CognitoEndpoint != "") && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
			opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
		return config.LoadDefaultConfig(ctx, opts...)
	}
	return d
}
