// Package pool is a Cognito adapter with more methods than each function
// uses: the analysis must only count those reached.
package pool

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// API is the part of the client the adapter uses.
type API interface {
	AdminCreateUser(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminDeleteUser(context.Context, *cip.AdminDeleteUserInput, ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error)
	AdminDisableUser(context.Context, *cip.AdminDisableUserInput, ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
	cip.ListUsersAPIClient
}

// Pool adapts API.
type Pool struct{ api API }

// New wraps the real client, as a function's main does.
func New() *Pool { return &Pool{api: cip.New(cip.Options{})} }

// Create calls AdminCreateUser.
func (p *Pool) Create(ctx context.Context) error {
	_, err := p.api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{Username: aws.String("u")})
	return err
}

// Delete calls AdminDeleteUser; only reached by no function.
func (p *Pool) Delete(ctx context.Context) error {
	_, err := p.api.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{Username: aws.String("u")})
	return err
}

// Disable calls AdminDisableUser.
func (p *Pool) Disable(ctx context.Context) error {
	_, err := p.api.AdminDisableUser(ctx, &cip.AdminDisableUserInput{Username: aws.String("u")})
	return err
}

// List pages through ListUsers.
func (p *Pool) List(ctx context.Context) error {
	pg := cip.NewListUsersPaginator(p.api, &cip.ListUsersInput{})
	for pg.HasMorePages() {
		if _, err := pg.NextPage(ctx); err != nil {
			return err
		}
	}
	return nil
}
