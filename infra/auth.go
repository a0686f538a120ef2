package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// Auth is the Cognito user pool holding credentials and its one app client.
type Auth struct {
	Pool   awscognito.UserPool
	Client awscognito.UserPoolClient
}

// newAuth declares the user pool with the triggers function wired to
// PreSignUp, PostConfirmation and PreTokenGeneration.
//
// The pool depends on the triggers function (its LambdaConfig names it), so
// nothing of the triggers function may depend on the pool: no pool id in its
// environment and no Cognito rights on the pool, or CloudFormation sees a
// cycle (pool -> function -> role policy -> pool). The trigger events carry
// the pool id, and the triggers make no Cognito calls.
func newAuth(stack awscdk.Stack, props *GatehouseStackProps, triggers awslambda.IFunction) *Auth {
	pool := awscognito.NewUserPool(stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		// The email is the username: sign-up and sign-in by email, matched
		// case-insensitively (docs/data-model.md: unique, the login).
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		// An email change only takes effect once the new address is verified:
		// invites are accepted on the verified email.
		KeepOriginal:      &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)},
		SelfSignUpEnabled: jsii.Bool(true), // PreSignUp enforces the sign-up policy
		UserVerification: &awscognito.UserVerificationConfig{
			EmailStyle: awscognito.VerificationEmailStyle_CODE,
		},
		// At least 8 characters with lower case letters and digits: lower
		// case is how Cognito expresses "letters" (an upper-case-only
		// password is rare); no upper case or symbol rule, which adds
		// friction without adding much entropy at this length (NIST 800-63B).
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(8),
			RequireLowercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireUppercase:     jsii.Bool(false),
			RequireSymbols:       jsii.Bool(false),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(7)),
		},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		// No custom attributes: profiles, roles and memberships live in
		// DynamoDB, so there is no claim a user could rewrite.
		StandardAttributes: &awscognito.StandardAttributes{
			Fullname:    &awscognito.StandardAttribute{Required: jsii.Bool(false), Mutable: jsii.Bool(true)},
			PhoneNumber: &awscognito.StandardAttribute{Required: jsii.Bool(false), Mutable: jsii.Bool(true)},
			Timezone:    &awscognito.StandardAttribute{Required: jsii.Bool(false), Mutable: jsii.Bool(true)},
			Locale:      &awscognito.StandardAttribute{Required: jsii.Bool(false), Mutable: jsii.Bool(true)},
		},
		// Lite is enough: PreTokenGeneration v1 (id token claims) and no
		// threat protection; Essentials/Plus cost per active user.
		FeaturePlan: awscognito.FeaturePlan_LITE,
		LambdaTriggers: &awscognito.UserPoolTriggers{
			PreSignUp:          triggers,
			PostConfirmation:   triggers,
			PreTokenGeneration: triggers,
		},
		DeletionProtection: jsii.Bool(!props.Ephemeral()),
		RemovalPolicy:      removalPolicy(props),
	})

	// What the app client may write on a user's own record with its access
	// token (UpdateUserAttributes, SignUp). Explicit, so that a custom
	// attribute added later is never writable by users. email is included
	// because it is the username: Cognito writes it on self sign-up, and
	// KeepOriginal keeps the verified address until a new one is verified.
	write := awscognito.NewClientAttributes().WithStandardAttributes(&awscognito.StandardAttributesMask{
		Email:       jsii.Bool(true),
		Fullname:    jsii.Bool(true),
		PhoneNumber: jsii.Bool(true),
		Timezone:    jsii.Bool(true),
		Locale:      jsii.Bool(true),
	})
	client := pool.AddClient(jsii.String("AppClient"), &awscognito.UserPoolClientOptions{
		// USER_PASSWORD_AUTH for the CLI/tests and cognito-local, SRP for
		// browsers; refresh tokens are always allowed by CDK.
		AuthFlows: &awscognito.AuthFlow{
			UserPassword: jsii.Bool(true),
			UserSrp:      jsii.Bool(true),
		},
		GenerateSecret:             jsii.Bool(false), // public clients (SPA, CLI)
		DisableOAuth:               jsii.Bool(true),  // no hosted UI
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(1)),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(30)),
		WriteAttributes:            write,
	})
	return &Auth{Pool: pool, Client: client}
}

// grant gives a principal exactly these cognito-idp actions on the pool.
func (a *Auth) grant(g awsiam.IGrantable, actions []string) {
	if len(actions) == 0 {
		return
	}
	g.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(prefixed("cognito-idp:", actions)...),
		Resources: jsii.Strings(*a.Pool.UserPoolArn()),
	}))
}
