package invites

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/members"
)

// ConfigFrom reads the use case's configuration from the app's.
func ConfigFrom(c app.Config) Config {
	return Config{PublicURL: c.PublicURL, EmailRule: c.InviteEmailRule}
}

// Handler builds the invites function's mux from the app's dependencies,
// as functions/invites/main.go and the local stack do.
func Handler(d *app.Deps) (*apigw.Mux, error) {
	sender, err := members.Sender(d)
	if err != nil {
		return nil, err
	}
	svc := NewService(d.Store(), cognitoPool{Pool: d.Pool(), api: d.CognitoClient()}, d.Catalogue(), sender, ConfigFrom(d.Config), d.Log)
	return NewMux(svc, d.Log), nil
}

// cognitoPool is the Cognito adapter with the one read it lacks.
// TODO(lead): move EmailVerified into shared/cognito's Pool.
type cognitoPool struct {
	*cognito.Pool
	api *cip.Client
}

// EmailVerified reads the account's email_verified attribute.
func (p cognitoPool) EmailVerified(ctx context.Context, username string) (bool, error) {
	out, err := p.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(p.PoolID()), Username: aws.String(username)})
	if err != nil {
		// Let the adapter's error mapping classify it (503 when down).
		if _, serr := p.UserSub(ctx, username); serr != nil {
			return false, serr
		}
		return false, err
	}
	for _, a := range out.UserAttributes {
		if aws.ToString(a.Name) == "email_verified" {
			return aws.ToString(a.Value) == "true", nil
		}
	}
	return false, nil
}
