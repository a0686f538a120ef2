package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
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
func newAuth(stack awscdk.Stack, props *GatehouseStackProps, triggers awslambda.IFunction, email *emailSender) *Auth {
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
		// At least 12 characters with a lower case letter and a digit.
		// gatehouse.ValidPassword checks the same length and digit rule
		// before Gatehouse sets a password; Cognito can only say "letter"
		// as "lower case letter", so it alone refuses a password whose
		// letters are all upper case (a validation error either way). No
		// upper case or symbol rule: length is what adds entropy (NIST SP
		// 800-63B).
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(gatehouse.MinPasswordLength),
			RequireLowercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireUppercase:     jsii.Bool(false),
			RequireSymbols:       jsii.Bool(false),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(7)),
		},
		// TOTP authenticator apps, optional for each user; no SMS (SIM
		// swapping, cost). Cognito cannot require MFA of some users only:
		// requiring it of platform admins is Gatehouse's to enforce (issue
		// 12).
		Mfa:             awscognito.Mfa_OPTIONAL,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
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

	useSESForPool(pool, props, email)

	// What the app client may write on a user's own record with its access
	// token (UpdateUserAttributes, SignUp). Explicit, so that a custom
	// attribute added later is never writable by users. Not email: email
	// changes go through Gatehouse, which keeps Cognito and the profile in
	// step (identity continuity); sign-up passes the address as the
	// username, which Cognito copies into email.
	write := awscognito.NewClientAttributes().WithStandardAttributes(&awscognito.StandardAttributesMask{
		Fullname:    jsii.Bool(true),
		PhoneNumber: jsii.Bool(true),
		Timezone:    jsii.Bool(true),
		Locale:      jsii.Bool(true),
	})
	client := pool.AddClient(jsii.String("AppClient"), &awscognito.UserPoolClientOptions{
		// SRP only in production: the password never leaves the browser.
		// Dev stages also allow USER_PASSWORD_AUTH, which the CLI, the
		// end-to-end tests and cognito-local use. Refresh tokens are
		// always allowed by CDK.
		AuthFlows: &awscognito.AuthFlow{
			UserPassword: jsii.Bool(props.Ephemeral()),
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

// useSESForPool makes the pool send its emails through SES: Cognito's own
// sender is capped at a few dozen emails a day, so only ephemeral stages
// keep it. Cognito sends as EmailFrom, from its domain's SES identity in
// the stack's region (UserPoolEmail.withSES cannot take a region-agnostic
// stack, hence the L1 property).
func useSESForPool(pool awscognito.UserPool, props *GatehouseStackProps, email *emailSender) {
	if props.Ephemeral() {
		return
	}
	pool.Node().DefaultChild().(awscognito.CfnUserPool).SetEmailConfiguration(&awscognito.CfnUserPool_EmailConfigurationProperty{
		EmailSendingAccount: jsii.String("DEVELOPER"),
		From:                jsii.String(email.From),
		SourceArn:           jsii.String(email.DomainIdentity),
	})
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
