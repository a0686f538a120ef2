// Package cognito adapts the Cognito user pool API to what Gatehouse needs of
// it: create, disable, enable, delete and sign out accounts, and set
// passwords. Cognito holds credentials only; everything else lives in the
// table.
package cognito

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// API is the part of the Cognito client the adapter uses.
type API interface {
	AdminCreateUser(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminSetUserPassword(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminGetUser(context.Context, *cip.AdminGetUserInput, ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	AdminDisableUser(context.Context, *cip.AdminDisableUserInput, ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
	AdminEnableUser(context.Context, *cip.AdminEnableUserInput, ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error)
	AdminDeleteUser(context.Context, *cip.AdminDeleteUserInput, ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error)
	AdminUpdateUserAttributes(context.Context, *cip.AdminUpdateUserAttributesInput, ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error)
	AdminUserGlobalSignOut(context.Context, *cip.AdminUserGlobalSignOutInput, ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error)
	ListUsers(context.Context, *cip.ListUsersInput, ...func(*cip.Options)) (*cip.ListUsersOutput, error)
}

// Pool is one user pool.
type Pool struct {
	api    API
	poolID string
}

// New returns the adapter for a pool.
func New(api API, poolID string) *Pool { return &Pool{api: api, poolID: poolID} }

// PoolID is the pool's id.
func (p *Pool) PoolID() string { return p.poolID }

// NewUser is what CreateUser needs.
type NewUser struct {
	Email         string
	Name          string
	EmailVerified bool
	// Password, when set, is made permanent at once; otherwise the account
	// has only a random temporary password until it is activated.
	Password string
	Enabled  bool
}

// CreateUser creates a Cognito account and returns its sub. Cognito sends no
// message: Gatehouse delivers its own activation links. A password that the
// pool refuses is a validation error; if setting it fails, the account is
// deleted again so that no half-made account stays behind.
func (p *Pool) CreateUser(ctx context.Context, u NewUser, temporaryPassword string) (string, error) {
	attrs := []types.AttributeType{
		{Name: aws.String("email"), Value: aws.String(u.Email)},
		{Name: aws.String("email_verified"), Value: aws.String(fmt.Sprint(u.EmailVerified))},
	}
	if u.Name != "" {
		attrs = append(attrs, types.AttributeType{Name: aws.String("name"), Value: aws.String(u.Name)})
	}
	out, err := p.api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:        aws.String(p.poolID),
		Username:          aws.String(u.Email),
		UserAttributes:    attrs,
		MessageAction:     types.MessageActionTypeSuppress,
		TemporaryPassword: aws.String(temporaryPassword),
	})
	if err != nil {
		return "", p.mapErr("create user", err)
	}
	sub := subOf(out.User.Attributes)
	if sub == "" {
		sub = aws.ToString(out.User.Username)
	}
	if u.Password != "" {
		if err := p.SetPassword(ctx, u.Email, u.Password); err != nil {
			_ = p.DeleteUser(context.WithoutCancel(ctx), u.Email)
			return "", err
		}
	}
	if !u.Enabled {
		if err := p.DisableUser(ctx, u.Email); err != nil {
			_ = p.DeleteUser(context.WithoutCancel(ctx), u.Email)
			return "", err
		}
	}
	return sub, nil
}

// SetPassword sets a permanent password.
func (p *Pool) SetPassword(ctx context.Context, username, password string) error {
	_, err := p.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(p.poolID),
		Username:   aws.String(username),
		Password:   aws.String(password),
		Permanent:  true,
	})
	return p.mapErr("set password", err)
}

// UserSub returns the sub of the account with this username (email).
func (p *Pool) UserSub(ctx context.Context, username string) (string, error) {
	out, err := p.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	if err != nil {
		return "", p.mapErr("get user", err)
	}
	if sub := subOf(out.UserAttributes); sub != "" {
		return sub, nil
	}
	return aws.ToString(out.Username), nil
}

// EmailVerified reads the account's email_verified attribute.
func (p *Pool) EmailVerified(ctx context.Context, username string) (bool, error) {
	out, err := p.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	if err != nil {
		return false, p.mapErr("get user", err)
	}
	for _, a := range out.UserAttributes {
		if aws.ToString(a.Name) == "email_verified" {
			return aws.ToString(a.Value) == "true", nil
		}
	}
	return false, nil
}

// HasTOTP reports whether the account has a TOTP authenticator enabled
// for MFA: then Cognito asks for its code at every sign-in (the pool offers
// TOTP as optional MFA).
func (p *Pool) HasTOTP(ctx context.Context, username string) (bool, error) {
	out, err := p.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	if err != nil {
		return false, p.mapErr("get user", err)
	}
	return slices.Contains(out.UserMFASettingList, "SOFTWARE_TOKEN_MFA"), nil
}

// SetEmailVerified marks the account's email verified or not.
func (p *Pool) SetEmailVerified(ctx context.Context, username string, verified bool) error {
	_, err := p.api.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(p.poolID),
		Username:   aws.String(username),
		// The email goes along: Cognito implementations refuse to change
		// email_verified alone (cognito-local does).
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(username)},
			{Name: aws.String("email_verified"), Value: aws.String(fmt.Sprint(verified))},
		},
	})
	return p.mapErr("update user", err)
}

// DisableUser disables the account; an account already gone counts as done.
func (p *Pool) DisableUser(ctx context.Context, username string) error {
	_, err := p.api.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	return ignoreNotFound(p.mapErr("disable user", err))
}

// EnableUser enables the account.
func (p *Pool) EnableUser(ctx context.Context, username string) error {
	_, err := p.api.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	return p.mapErr("enable user", err)
}

// DeleteUser deletes the account; an account already gone counts as done.
func (p *Pool) DeleteUser(ctx context.Context, username string) error {
	_, err := p.api.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	return ignoreNotFound(p.mapErr("delete user", err))
}

// GlobalSignOut revokes the account's refresh tokens. Backends that do not
// implement it (cognito-local) are tolerated: the authorizer checks account
// status on every request, so access ends there anyway.
func (p *Pool) GlobalSignOut(ctx context.Context, username string) error {
	_, err := p.api.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	if err == nil {
		return nil
	}
	var notFound *types.UserNotFoundException
	var api smithy.APIError
	// cognito-local answers operations it lacks with the error code
	// "CognitoLocal#Unsupported", which the SDK gives as "Unsupported".
	if errors.As(err, &notFound) || (errors.As(err, &api) && api.ErrorCode() == "Unsupported") {
		return nil
	}
	return p.mapErr("global sign-out", err)
}

// ErrUnavailable is wrapped when Cognito cannot be reached.
var ErrUnavailable = gatehouse.Errorf(gatehouse.CodeUnavailable, "the identity provider is unavailable; retry later")

// mapErr turns Cognito errors into domain errors: the client-caused ones
// become 4xx problems, an unreachable Cognito becomes 503, the rest stay
// internal.
func (p *Pool) mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var exists *types.UsernameExistsException
	var badPwd *types.InvalidPasswordException
	var notFound *types.UserNotFoundException
	var badParam *types.InvalidParameterException
	switch {
	case errors.As(err, &exists):
		return &gatehouse.Error{Code: gatehouse.CodeConflict, Message: "an account with this email already exists", Err: err}
	case errors.As(err, &badPwd):
		return &gatehouse.Error{Code: gatehouse.CodeValidation, Message: "the request is not valid",
			Fields: []gatehouse.FieldError{{Field: "password", Message: "does not meet the password policy"}}, Err: err}
	case errors.As(err, &notFound):
		return &gatehouse.Error{Code: gatehouse.CodeNotFound, Message: "account not found", Err: err}
	case errors.As(err, &badParam):
		return &gatehouse.Error{Code: gatehouse.CodeValidation, Message: "the identity provider refused the request", Err: err}
	case unreachable(err):
		return &gatehouse.Error{Code: gatehouse.CodeUnavailable, Message: ErrUnavailable.Message, Err: fmt.Errorf("cognito %s: %w", op, err)}
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "UsernameExistsException":
			return &gatehouse.Error{Code: gatehouse.CodeConflict, Message: "an account with this email already exists", Err: err}
		case "UserNotFoundException":
			return &gatehouse.Error{Code: gatehouse.CodeNotFound, Message: "account not found", Err: err}
		case "InvalidPasswordException":
			return &gatehouse.Error{Code: gatehouse.CodeValidation, Message: "the request is not valid",
				Fields: []gatehouse.FieldError{{Field: "password", Message: "does not meet the password policy"}}, Err: err}
		}
	}
	return fmt.Errorf("cognito %s: %w", op, err)
}

// unreachable reports whether the call failed on its way to or from
// Cognito rather than in it, by the error's type only: the SDK wraps every
// failure to send a request or read its answer (refused, reset, closed
// connections) in a smithy-go RequestSendError, timeouts are net.Errors,
// and a connection closed in the middle of the answer leaves the
// deserializer an unexpected EOF.
func unreachable(err error) bool {
	var send *smithyhttp.RequestSendError
	var netErr net.Error
	return errors.As(err, &send) || errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF)
}

func ignoreNotFound(err error) error {
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return nil
	}
	return err
}

func subOf(attrs []types.AttributeType) string {
	for _, a := range attrs {
		if aws.ToString(a.Name) == "sub" {
			return aws.ToString(a.Value)
		}
	}
	return ""
}
