// Package app reads Gatehouse's configuration from the environment and holds
// what every Lambda function shares: the dependencies built once per cold
// start (Deps), the shape of a built function (Function) and its main
// (Start). The constructor of each function is in shared/wiring.
//
// The same configuration drives the Lambda functions in AWS and the local
// stack: endpoint variables point the SDK clients at minidyn and
// cognito-local, or at DynamoDB Local, or are left empty for real AWS.
package app

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Config is Gatehouse's configuration; ConfigFromEnv documents each variable.
type Config struct {
	Region           string
	Table            string
	UserPoolID       string
	ClientID         string
	DynamoDBEndpoint string
	CognitoEndpoint  string
	// Issuer is the expected "iss" of Cognito JWTs; JWKSURL where their keys are.
	Issuer          string
	JWKSURL         string
	AuthzCacheTTL   time.Duration
	EmailFrom       string
	PublicURL       string
	ResourceTypes   []string
	InviteEmailRule string
	OutboxDir       string
	LogLevel        slog.Level
	// PersonalOrgOnLeave gives a user who leaves (or is removed from) its
	// last org a new personal org, so nobody is left with none.
	PersonalOrgOnLeave bool
	// CursorKey seals list cursors (shared/dynamo/cursor.go); see Deps.Store
	// for a missing one.
	CursorKey []byte
	// RequireAdminMFA makes platform admins act only with a TOTP
	// authenticator enabled (every deployed stage but dev sets it).
	RequireAdminMFA bool

	// The event stream (docs/events.md).
	// EventBus is the EventBridge bus the publisher puts events on.
	EventBus string
	// EventBridgeEndpoint points the publisher at a local EventBridge
	// (the local stack's); empty for AWS.
	EventBridgeEndpoint string
	// EventsSettle is how long an event waits before GET .../events shows
	// it (0: the default of shared/events).
	EventsSettle time.Duration

	// CallTimeout bounds each call to AWS (DynamoDB, Cognito, SES), each
	// attempt of the SDK's retries: well under the function's timeout
	// (routes.Timeout), docs/reliability.md.
	CallTimeout time.Duration
	// DNSResolver is host:port of the DNS server that checks domain TXT
	// challenges; "" for the system's resolver (docs/domains.md).
	DNSResolver string
}

// Environment variable names.
const (
	EnvTable              = "GATEHOUSE_TABLE"
	EnvUserPoolID         = "GATEHOUSE_USER_POOL_ID"
	EnvClientID           = "GATEHOUSE_CLIENT_ID"
	EnvDynamoDBEndpoint   = "GATEHOUSE_DYNAMODB_ENDPOINT"
	EnvCognitoEndpoint    = "GATEHOUSE_COGNITO_ENDPOINT"
	EnvIssuer             = "GATEHOUSE_ISSUER"
	EnvJWKSURL            = "GATEHOUSE_JWKS_URL"
	EnvAuthzCacheTTL      = "GATEHOUSE_AUTHZ_CACHE_TTL"
	EnvEmailFrom          = "GATEHOUSE_EMAIL_FROM"
	EnvPublicURL          = "GATEHOUSE_PUBLIC_URL"
	EnvResourceTypes      = "GATEHOUSE_RESOURCE_TYPES"
	EnvInviteEmailRule    = "GATEHOUSE_INVITE_EMAIL_RULE"
	EnvOutboxDir          = "GATEHOUSE_OUTBOX_DIR"
	EnvLogLevel           = "GATEHOUSE_LOG_LEVEL"
	EnvPersonalOrgOnLeave = "GATEHOUSE_PERSONAL_ORG_ON_LEAVE"
	// EnvCursorKey is the base64 of at least 32 random bytes, the same for
	// every function of a deployment.
	EnvCursorKey = "GATEHOUSE_CURSOR_KEY"
	// EnvRequireAdminMFA is "true" where platform admins need MFA.
	EnvRequireAdminMFA = "GATEHOUSE_REQUIRE_ADMIN_MFA"

	// The event stream (docs/events.md).
	EnvEventBus            = "GATEHOUSE_EVENT_BUS"
	EnvEventBridgeEndpoint = "GATEHOUSE_EVENTBRIDGE_ENDPOINT"
	EnvEventsSettle        = "GATEHOUSE_EVENTS_SETTLE"

	// EnvCallTimeout is a Go duration ("3s"); DefaultCallTimeout if unset.
	EnvCallTimeout = "GATEHOUSE_CALL_TIMEOUT"
	// EnvDNSResolver is host:port of the DNS server that checks domain TXT
	// challenges (docs/domains.md); unset, the system's resolver.
	EnvDNSResolver = "GATEHOUSE_DNS_RESOLVER"
)

// DefaultCallTimeout bounds one call to AWS: a few seconds, so that even
// with the SDK's retries a function answers before its timeout.
const DefaultCallTimeout = 3 * time.Second

// ConfigFromEnv reads the configuration. Only what a function actually uses
// is checked later, when it is first built.
func ConfigFromEnv() (Config, error) {
	c := Config{
		Region:             firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), "us-east-1"),
		Table:              firstNonEmpty(os.Getenv(EnvTable), tabledef.DefaultTableName),
		UserPoolID:         os.Getenv(EnvUserPoolID),
		ClientID:           os.Getenv(EnvClientID),
		DynamoDBEndpoint:   os.Getenv(EnvDynamoDBEndpoint),
		CognitoEndpoint:    os.Getenv(EnvCognitoEndpoint),
		Issuer:             os.Getenv(EnvIssuer),
		JWKSURL:            os.Getenv(EnvJWKSURL),
		EmailFrom:          os.Getenv(EnvEmailFrom),
		PublicURL:          strings.TrimRight(os.Getenv(EnvPublicURL), "/"),
		InviteEmailRule:    firstNonEmpty(os.Getenv(EnvInviteEmailRule), "same_domain"),
		OutboxDir:          os.Getenv(EnvOutboxDir),
		ResourceTypes:      authz.DefaultResourceTypes,
		PersonalOrgOnLeave: true,
	}
	if v := os.Getenv(EnvPersonalOrgOnLeave); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("%s: %w", EnvPersonalOrgOnLeave, err)
		}
		c.PersonalOrgOnLeave = b
	}
	if v := os.Getenv(EnvResourceTypes); v != "" {
		c.ResourceTypes = nil
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				c.ResourceTypes = append(c.ResourceTypes, t)
			}
		}
	}
	if v := os.Getenv(EnvAuthzCacheTTL); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("%s: %w", EnvAuthzCacheTTL, err)
		}
		c.AuthzCacheTTL = d
	}
	c.CallTimeout = DefaultCallTimeout
	if v := os.Getenv(EnvCallTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%s: want a positive duration such as 3s", EnvCallTimeout)
		}
		c.CallTimeout = d
	}
	if v := os.Getenv(EnvRequireAdminMFA); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("%s: want true or false", EnvRequireAdminMFA)
		}
		c.RequireAdminMFA = b
	}
	if v := os.Getenv(EnvCursorKey); v != "" {
		k, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(k) < dynamo.MinCursorKeyLen {
			return c, fmt.Errorf("%s: want the base64 of at least %d random bytes", EnvCursorKey, dynamo.MinCursorKeyLen)
		}
		c.CursorKey = k
	}
	c.EventBus = os.Getenv(EnvEventBus)
	c.EventBridgeEndpoint = os.Getenv(EnvEventBridgeEndpoint)
	if v := os.Getenv(EnvEventsSettle); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("%s: want a duration such as 5s", EnvEventsSettle)
		}
		c.EventsSettle = d
	}
	c.DNSResolver = os.Getenv(EnvDNSResolver)
	if v := os.Getenv(EnvLogLevel); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("%s: %w", EnvLogLevel, err)
		}
	}
	c.fillDerived()
	return c, nil
}

// fillDerived sets the issuer and JWKS URL from the pool when not given.
func (c *Config) fillDerived() {
	if c.Issuer == "" && c.UserPoolID != "" {
		if c.CognitoEndpoint != "" {
			c.Issuer = strings.TrimRight(c.CognitoEndpoint, "/") + "/" + c.UserPoolID
		} else {
			c.Issuer = fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", c.Region, c.UserPoolID)
		}
	}
	if c.JWKSURL == "" && c.Issuer != "" {
		c.JWKSURL = c.Issuer + "/.well-known/jwks.json"
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://127.0.0.1:8080"
	}
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
