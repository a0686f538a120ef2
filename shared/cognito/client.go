package cognito

import (
	"context"
	"sync"

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

// NewFromConfig returns the adapter of a pool with a client of its own,
// built on first use.
func NewFromConfig(cfg aws.Config, endpoint, poolID string) *Pool {
	return New(&lazyClient{build: func() *cip.Client { return NewClient(cfg, endpoint) }}, poolID)
}

// lazyClient builds the Cognito client on its first call: building it at
// start cost members about a third of a hello-world function's whole cold
// start (docs/performance.md), and most requests of the functions that link
// it never call Cognito.
type lazyClient struct {
	once   sync.Once
	build  func() *cip.Client
	client *cip.Client
}

func (l *lazyClient) get() *cip.Client {
	l.once.Do(func() { l.client = l.build() })
	return l.client
}

func (l *lazyClient) AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, o ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	return l.get().AdminCreateUser(ctx, in, o...)
}

func (l *lazyClient) AdminSetUserPassword(ctx context.Context, in *cip.AdminSetUserPasswordInput, o ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error) {
	return l.get().AdminSetUserPassword(ctx, in, o...)
}

func (l *lazyClient) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, o ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	return l.get().AdminGetUser(ctx, in, o...)
}

func (l *lazyClient) AdminDisableUser(ctx context.Context, in *cip.AdminDisableUserInput, o ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error) {
	return l.get().AdminDisableUser(ctx, in, o...)
}

func (l *lazyClient) AdminEnableUser(ctx context.Context, in *cip.AdminEnableUserInput, o ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error) {
	return l.get().AdminEnableUser(ctx, in, o...)
}

func (l *lazyClient) AdminDeleteUser(ctx context.Context, in *cip.AdminDeleteUserInput, o ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error) {
	return l.get().AdminDeleteUser(ctx, in, o...)
}

func (l *lazyClient) AdminUpdateUserAttributes(ctx context.Context, in *cip.AdminUpdateUserAttributesInput, o ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error) {
	return l.get().AdminUpdateUserAttributes(ctx, in, o...)
}

func (l *lazyClient) AdminUserGlobalSignOut(ctx context.Context, in *cip.AdminUserGlobalSignOutInput, o ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error) {
	return l.get().AdminUserGlobalSignOut(ctx, in, o...)
}

func (l *lazyClient) ListUsers(ctx context.Context, in *cip.ListUsersInput, o ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	return l.get().ListUsers(ctx, in, o...)
}
