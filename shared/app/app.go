// Package app reads Gatehouse's configuration from the environment and builds
// the shared dependencies (logger, AWS configuration, DynamoDB store) once
// per cold start, lazily, so a function pays only for what it uses. Adapters
// only some functions need (Cognito, email) build themselves from it.
//
// The same configuration drives the Lambda functions in AWS and the local
// stack: endpoint variables point the SDK clients at minidyn and
// cognito-local, or at DynamoDB Local, or are left empty for real AWS.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
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
	// CursorKey seals list cursors (shared/dynamo/cursor.go); see Store
	// for a missing one.
	CursorKey []byte
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
)

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
	if v := os.Getenv(EnvCursorKey); v != "" {
		k, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(k) < dynamo.MinCursorKeyLen {
			return c, fmt.Errorf("%s: want the base64 of at least %d random bytes", EnvCursorKey, dynamo.MinCursorKeyLen)
		}
		c.CursorKey = k
	}
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

// Deps builds the shared dependencies lazily and at most once.
type Deps struct {
	Config Config
	Log    *slog.Logger

	// LoadAWSConfig loads the AWS configuration; nil means EnvAWSConfig.
	// Tools that run outside Lambda (the local stack against real AWS) set
	// one that reads shared config files and profiles.
	LoadAWSConfig func(context.Context, Config) (aws.Config, error)

	awsOnce sync.Once
	awsCfg  aws.Config
	awsErr  error

	storeOnce sync.Once
	store     *dynamo.Store
	ddb       *dynamodb.Client

	sharedMu sync.Mutex
	shared   map[string]any

	catalogue *authz.Catalogue
}

// NewDeps returns the dependencies for a configuration.
func NewDeps(c Config) *Deps {
	return &Deps{
		Config:    c,
		Log:       slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: c.LogLevel})),
		catalogue: authz.NewCatalogue(c.ResourceTypes),
	}
}

// MustLoad reads the environment and returns the dependencies, or exits:
// a function that cannot read its configuration must not start.
func MustLoad() *Deps {
	c, err := ConfigFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse: configuration:", err)
		os.Exit(1)
	}
	return NewDeps(c)
}

func (d *Deps) aws(ctx context.Context) (aws.Config, error) {
	d.awsOnce.Do(func() {
		load := d.LoadAWSConfig
		if load == nil {
			load = EnvAWSConfig
		}
		d.awsCfg, d.awsErr = load(ctx, d.Config)
	})
	return d.awsCfg, d.awsErr
}

// EnvAWSConfig is the AWS configuration of a Lambda function: the region and
// the execution role's credentials that Lambda puts in the environment. It
// does without the SDK's config package (shared config files, SSO, STS,
// IMDS), which a function never needs and which costs every cold start its
// initialisation. Against local emulators, fixed credentials serve.
func EnvAWSConfig(_ context.Context, c Config) (aws.Config, error) {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		if c.DynamoDBEndpoint == "" && c.CognitoEndpoint == "" {
			return aws.Config{}, fmt.Errorf("no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
		}
		// Local emulators accept any signature.
		id, secret = "local", "local"
	}
	return aws.Config{
		Region:      c.Region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))),
	}, nil
}

// DynamoDBClient returns the DynamoDB client, pointed at the local endpoint
// when one is configured.
func (d *Deps) DynamoDBClient() *dynamodb.Client {
	d.Store()
	return d.ddb
}

// Store returns the table store.
func (d *Deps) Store() *dynamo.Store {
	d.storeOnce.Do(func() {
		cfg, err := d.aws(context.Background())
		if err != nil {
			panic(fmt.Sprintf("gatehouse: AWS configuration: %v", err))
		}
		d.ddb = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
			if ep := d.Config.DynamoDBEndpoint; ep != "" {
				o.BaseEndpoint = aws.String(ep)
				// minidyn does not compute response CRC32s; real DynamoDB
				// keeps the check.
				o.DisableValidateResponseChecksum = true
			}
		})
		key := d.Config.CursorKey
		if len(key) == 0 {
			// Fail closed: a deployment without a key does not start. Only
			// against a local emulator does a key made for this process
			// serve (cursors then last as long as the process).
			if d.Config.DynamoDBEndpoint == "" {
				panic(fmt.Sprintf("gatehouse: configuration: %s is not set", EnvCursorKey))
			}
			key = make([]byte, dynamo.MinCursorKeyLen)
			_, _ = rand.Read(key) // never fails (crypto/rand)
		}
		d.store = dynamo.New(d.ddb, d.Config.Table, dynamo.Options{CursorKey: key})
	})
	return d.store
}

// AWSConfig returns the AWS configuration shared by every client, loaded
// once.
func (d *Deps) AWSConfig() (aws.Config, error) { return d.aws(context.Background()) }

// Shared returns the value built for key, building it on first use. Adapters
// that not every function needs (Cognito, email) keep their clients here, so
// that app does not import them and the functions that do not use them do
// not link or initialise them.
func (d *Deps) Shared(key string, build func() any) any {
	d.sharedMu.Lock()
	defer d.sharedMu.Unlock()
	if v, ok := d.shared[key]; ok {
		return v
	}
	if d.shared == nil {
		d.shared = map[string]any{}
	}
	v := build()
	d.shared[key] = v
	return v
}

// Catalogue returns the permission catalogue for the configured resource types.
func (d *Deps) Catalogue() *authz.Catalogue { return d.catalogue }
