package cognito

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/gatehouse-dev/gatehouse/shared/app"
)

type deps struct {
	client *cip.Client
	pool   *Pool
}

func fromDeps(d *app.Deps) deps {
	return d.Shared("cognito", func() any {
		cfg, err := d.AWSConfig()
		if err != nil {
			panic(fmt.Sprintf("gatehouse: AWS configuration: %v", err))
		}
		c := cip.NewFromConfig(cfg, func(o *cip.Options) {
			if ep := d.Config.CognitoEndpoint; ep != "" {
				o.BaseEndpoint = aws.String(ep)
			}
		})
		return deps{client: c, pool: New(c, d.Config.UserPoolID)}
	}).(deps)
}

// FromDeps returns the adapter for the configured pool, built once per Deps.
func FromDeps(d *app.Deps) *Pool { return fromDeps(d).pool }

// ClientFromDeps returns the Cognito client of the configuration (the local
// stack uses it to set up pools).
func ClientFromDeps(d *app.Deps) *cip.Client { return fromDeps(d).client }
