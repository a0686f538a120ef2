package cognito

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// ChangeEmail changes the email (the sign-in alias: the pool's usernames
// are emails) of the account username to email, verified at once:
// AdminUpdateUserAttributes with email_verified true applies the change
// immediately even where the pool requires verification before an update
// (Cognito API reference, UserAttributeUpdateSettingsType). Only a
// platform admin changes an email (rule 12: the app client cannot).
func (p *Pool) ChangeEmail(ctx context.Context, username, email string) error {
	_, err := p.api.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(p.poolID),
		Username:   aws.String(username),
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	var alias *types.AliasExistsException
	if errors.As(err, &alias) {
		return &gatehouse.Error{Code: gatehouse.CodeConflict, Message: "an account with this email already exists", Err: err}
	}
	return p.mapErr("change email", err)
}
