package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
)

// Deps are the dependencies every function may share: the configuration,
// the logger, the permission catalogue, and the AWS configuration and table
// store, each built on first use and at most once. Clients only some
// functions use (Cognito, email) are built by those functions' constructors
// from AWSConfig, so that no other function links or initialises them.
type Deps struct {
	Config Config
	Log    *slog.Logger

	// LoadAWSConfig loads the AWS configuration; nil means EnvAWSConfig
	// (a Lambda function's environment). The local stack, which may run
	// against real AWS from a developer's machine, sets one that reads
	// profiles and shared files.
	LoadAWSConfig func(context.Context, Config) (aws.Config, error)

	catalogue *authz.Catalogue

	awsOnce sync.Once
	awsCfg  aws.Config
	awsErr  error

	storeOnce sync.Once
	store     *dynamo.Store
}

// NewDeps returns the dependencies of a configuration, logging JSON to
// stdout (CloudWatch Logs in Lambda).
func NewDeps(c Config) *Deps {
	return &Deps{
		Config:    c,
		Log:       slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: c.LogLevel})),
		catalogue: authz.NewCatalogue(c.ResourceTypes),
	}
}

// AWSConfig returns the AWS configuration every client shares, loaded once.
func (d *Deps) AWSConfig() (aws.Config, error) {
	d.awsOnce.Do(func() {
		load := d.LoadAWSConfig
		if load == nil {
			load = EnvAWSConfig
		}
		d.awsCfg, d.awsErr = load(context.Background(), d.Config)
		if d.awsErr == nil {
			d.awsCfg.HTTPClient = callDeadline(d.awsCfg.HTTPClient, d.Config.CallTimeout)
		}
	})
	return d.awsCfg, d.awsErr
}

// MustAWSConfig is AWSConfig for building clients: a function without an
// AWS configuration can serve nothing, and stops at start saying so.
func (d *Deps) MustAWSConfig() aws.Config {
	cfg, err := d.AWSConfig()
	if err != nil {
		panic(fmt.Sprintf("gatehouse: AWS configuration: %v", err))
	}
	return cfg
}

// Catalogue returns the permission catalogue of the configured resource
// types.
func (d *Deps) Catalogue() *authz.Catalogue { return d.catalogue }

// Store returns the table store, pointed at the configured DynamoDB
// endpoint when there is one.
func (d *Deps) Store() *dynamo.Store {
	d.storeOnce.Do(func() {
		c := dynamodb.NewFromConfig(d.MustAWSConfig(), func(o *dynamodb.Options) {
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
		d.store = dynamo.New(c, d.Config.Table, dynamo.Options{CursorKey: key})
	})
	return d.store
}

// Function is one built Lambda function: a mux for a function behind the
// HTTP API, or else the handler Lambda invokes.
type Function struct {
	// Mux serves the function's routes; its Lambda handler is Mux.Serve.
	Mux *apigw.Mux
	// Handler is, for a function outside the HTTP API (the authorizer, the
	// Cognito triggers, the sweeper), a handler lambda.Start accepts.
	Handler any
}

// LambdaHandler is what lambda.Start runs for the function.
func (f Function) LambdaHandler() any {
	if f.Mux != nil {
		return f.Mux.Serve
	}
	return f.Handler
}

// Constructor builds a function from the shared dependencies.
type Constructor func(*Deps) (Function, error)

// Start is a Lambda function's main: it reads the configuration, builds the
// function and hands its handler to the Lambda runtime. A function that
// cannot read its configuration or build itself exits at once rather than
// fail every request.
func Start(build Constructor) {
	c, err := ConfigFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse: configuration:", err)
		os.Exit(1)
	}
	f, err := build(NewDeps(c))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		os.Exit(1)
	}
	lambda.Start(f.LambdaHandler())
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
