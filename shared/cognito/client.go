package cognito

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// NewClient returns a Cognito client for an AWS configuration, pointed at
// endpoint when one is given (cognito-local).
func NewClient(cfg aws.Config, endpoint string) *cip.Client {
	return cip.NewFromConfig(cfg, func(o *cip.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// NewFromConfig returns the adapter of a pool with a client of its own.
func NewFromConfig(cfg aws.Config, endpoint, poolID string) *Pool {
	return New(NewClient(cfg, endpoint), poolID)
}
