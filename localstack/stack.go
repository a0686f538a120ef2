// Package localstack runs Gatehouse on one machine with no AWS account
// (docs/local-stack.md): DynamoDB served in-process by minidyn, Cognito by
// cognito-local (a child process), an API Gateway HTTP API emulator that
// runs the real authorizer and function handlers on payload 2.0 events, a
// Lambda Invoke endpoint that runs the real Cognito triggers, and the
// expiration sweep on a ticker.
//
// cmd/gatehouse-local (make run) and the end-to-end tests (e2e/) use it.
// Every Start is fresh unless Options.Persist is set (make run): minidyn is
// in memory and cognito-local's data is wiped, so a new pool, client, table
// and platform admin are made each time.
package localstack

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
	"github.com/truora/minidyn/server"
)

// Defaults of Options.
const (
	DefaultDataDir       = ".local"
	DefaultAPIAddr       = "127.0.0.1:8080"
	DefaultAdminEmail    = "admin@gatehouse.local"
	DefaultSweepInterval = time.Minute
	// DynamoDBEndpointAWS as Options.DynamoDBEndpoint (or
	// GATEHOUSE_DYNAMODB_ENDPOINT) means real DynamoDB in the region.
	DynamoDBEndpointAWS = "aws"
)

// Options configure Start. The zero value runs everything locally with the
// defaults above.
type Options struct {
	// DataDir holds stack.json, logs, cognito-local's data and the outbox.
	DataDir string
	// APIAddr is where the HTTP API listens; "127.0.0.1:0" picks a port.
	APIAddr string
	// LambdaAddr is where the Lambda Invoke endpoint listens (default: a
	// free loopback port).
	LambdaAddr string
	Region     string
	Table      string

	// DynamoDBEndpoint, when set, is used instead of starting minidyn
	// (DynamoDB Local, say); DynamoDBEndpointAWS means real DynamoDB.
	DynamoDBEndpoint string
	// UserPoolID and ClientID, when set, name an existing Cognito pool used
	// instead of starting cognito-local; CognitoEndpoint is its endpoint
	// (empty for real Cognito). Its triggers are not ours to route then.
	CognitoEndpoint string
	UserPoolID      string
	ClientID        string
	// CognitoLocalBin is cognito-local's executable (default: found in
	// node_modules/.bin of the working directory or a parent).
	CognitoLocalBin string

	AdminEmail    string
	AdminPassword string // default: random, printed and written to stack.json
	// SweepInterval runs the sweeper on a ticker: 0 means
	// DefaultSweepInterval, negative means never (tests call Stack.Sweep).
	SweepInterval time.Duration
	// OutboxDir is where the mailer writes emails (default DataDir/outbox).
	OutboxDir string

	// Functions builds the handlers once the dependencies exist (default
	// DefaultFunctions).
	Functions func(*app.Deps) (Functions, error)
	// Configure adjusts the configuration handed to the functions after the
	// stack has filled in its endpoints and ids.
	Configure func(*app.Config)
	// HTTPTransport, when set, carries the functions' AWS calls instead of
	// the SDK's own transport (the end-to-end harness serves its DynamoDB
	// in process through it). Each call keeps its deadline.
	HTTPTransport http.RoundTripper

	// Console receives one line per API request and the stack's own
	// messages (default os.Stderr).
	Console io.Writer
	// FunctionLog receives the functions' JSON logs (default the file
	// DataDir/functions.log).
	FunctionLog io.Writer
	// StartTimeout bounds start-up (default 60 s).
	StartTimeout time.Duration

	// Persist keeps the data between runs in DataDir (make run): the table
	// (dumped to table.json, see persist.go), cognito-local's pool with the
	// same pool and client ids, the outbox and the admin's password. Tests
	// leave it off and start fresh.
	Persist bool
	// ConsoleDir is the built web console (web/dist), served at
	// {apiUrl}/console; empty serves none.
	ConsoleDir string
}

// OptionsFromEnv reads the options that make run takes from the
// environment: GATEHOUSE_DATA_DIR, GATEHOUSE_API_ADDR, AWS_REGION,
// GATEHOUSE_TABLE, GATEHOUSE_DYNAMODB_ENDPOINT, GATEHOUSE_COGNITO_ENDPOINT,
// GATEHOUSE_USER_POOL_ID, GATEHOUSE_CLIENT_ID, GATEHOUSE_ADMIN_EMAIL,
// GATEHOUSE_ADMIN_PASSWORD, GATEHOUSE_SWEEP_INTERVAL, GATEHOUSE_OUTBOX_DIR.
func OptionsFromEnv() (Options, error) {
	o := Options{
		DataDir:          os.Getenv("GATEHOUSE_DATA_DIR"),
		APIAddr:          os.Getenv("GATEHOUSE_API_ADDR"),
		Region:           firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION")),
		Table:            os.Getenv(app.EnvTable),
		DynamoDBEndpoint: os.Getenv(app.EnvDynamoDBEndpoint),
		CognitoEndpoint:  os.Getenv(app.EnvCognitoEndpoint),
		UserPoolID:       os.Getenv(app.EnvUserPoolID),
		ClientID:         os.Getenv(app.EnvClientID),
		AdminEmail:       os.Getenv("GATEHOUSE_ADMIN_EMAIL"),
		AdminPassword:    os.Getenv("GATEHOUSE_ADMIN_PASSWORD"),
		OutboxDir:        os.Getenv(app.EnvOutboxDir),
	}
	if v := os.Getenv("GATEHOUSE_SWEEP_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return o, fmt.Errorf("GATEHOUSE_SWEEP_INTERVAL: %w", err)
		}
		o.SweepInterval = d
	}
	if (o.UserPoolID == "") != (o.ClientID == "") {
		return o, fmt.Errorf("%s and %s go together", app.EnvUserPoolID, app.EnvClientID)
	}
	return o, nil
}

// Info is what .local/stack.json holds: everything a client needs to sign
// in and call the API.
type Info struct {
	APIURL           string `json:"apiUrl"`
	CognitoEndpoint  string `json:"cognitoEndpoint"`
	UserPoolID       string `json:"userPoolId"`
	ClientID         string `json:"clientId"`
	DynamoDBEndpoint string `json:"dynamodbEndpoint"`
	Region           string `json:"region"`
	AdminEmail       string `json:"adminEmail"`
	AdminPassword    string `json:"adminPassword"`
	AdminUserID      string `json:"adminUserId"`
	Table            string `json:"table"`
	LambdaEndpoint   string `json:"lambdaEndpoint"`
	OutboxDir        string `json:"outboxDir"`
	OutboxURL        string `json:"outboxUrl"`
	Issuer           string `json:"issuer"`
	// The event stream's local bus (docs/events.md): its name, its
	// PutEvents endpoint and where what it received is listed.
	EventBus       string `json:"eventBus"`
	EventBridgeURL string `json:"eventBridgeEndpoint"`
	EventsURL      string `json:"eventsUrl"`
}

// Stack is a running local stack.
type Stack struct {
	// Info is what stack.json holds.
	Info Info
	// Config is the configuration the functions run with.
	Config app.Config
	// Deps are the functions' dependencies (store, Cognito pool...).
	Deps *app.Deps
	// DataDir, OutboxDir and the log files, as absolute paths.
	DataDir        string
	OutboxDir      string
	CognitoLogPath string
	FunctionLog    string

	miniDyn  *server.Server // the in-process DynamoDB; nil with an external one
	opts     Options
	console  *consoleLog
	funcs    atomic.Pointer[Functions]
	gw       *gateway
	cognito  *cognitoLocal // nil with an external Cognito
	cip      *cip.Client
	servers  []*http.Server
	persist  *persister // nil unless Options.Persist with minidyn
	restored int        // items restored from the last run
	logFile  *os.File
	lock     *os.File
	stopTick context.CancelFunc
	tickDone chan struct{}
	close    sync.Once

	// The event stream (docs/events.md): the local EventBridge bus, the
	// table's emulated stream (nil against real DynamoDB) and its poller.
	bus        *EventBus
	stream     *tableStream
	stopStream context.CancelFunc
	streamDone chan struct{}
	// dns serves domain verification's TXT lookups (dns.go); nil when
	// GATEHOUSE_DNS_RESOLVER names another server.
	dns *DNSServer
}

// DNS is the stack's DNS server (nil when the configuration names
// another one): set TXT records on it to verify domains locally.
func (s *Stack) DNS() *DNSServer { return s.dns }

// Start brings the whole stack up and bootstraps it. On error, whatever was
// started is stopped again.
func Start(ctx context.Context, o Options) (*Stack, error) {
	if o.Persist && o.AdminPassword == "" {
		// The same admin password as last time, so a person who noted it
		// still signs in.
		if prev, ok := previousInfo(firstNonEmpty(o.DataDir, DefaultDataDir)); ok {
			o.AdminPassword = prev.AdminPassword
		}
	}
	o = withDefaults(o)
	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()

	s := &Stack{opts: o}
	if err := s.start(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func withDefaults(o Options) Options {
	o.DataDir = firstNonEmpty(o.DataDir, DefaultDataDir)
	o.APIAddr = firstNonEmpty(o.APIAddr, DefaultAPIAddr)
	o.LambdaAddr = firstNonEmpty(o.LambdaAddr, "127.0.0.1:0")
	o.Region = firstNonEmpty(o.Region, "us-east-1")
	o.Table = firstNonEmpty(o.Table, tabledef.DefaultTableName)
	o.AdminEmail = firstNonEmpty(o.AdminEmail, DefaultAdminEmail)
	if o.AdminPassword == "" {
		o.AdminPassword = randomPassword()
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = DefaultSweepInterval
	}
	if o.Functions == nil {
		o.Functions = DefaultFunctions
	}
	if o.Console == nil {
		o.Console = os.Stderr
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 60 * time.Second
	}
	return o
}

func (s *Stack) start(ctx context.Context) error {
	o := s.opts
	s.console = &consoleLog{w: o.Console}
	dataDir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return err
	}
	s.DataDir = dataDir
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	// Two stacks on one data dir would wipe each other's cognito-local
	// data and outbox: the second one stops here.
	if s.lock, err = lockDir(dataDir); err != nil {
		return err
	}
	s.OutboxDir = o.OutboxDir
	if s.OutboxDir == "" {
		// Our own outbox starts empty: old emails would name users that
		// no longer exist. A directory the user chose is left alone, and
		// so is ours when the data is kept.
		s.OutboxDir = filepath.Join(dataDir, "outbox")
		if !o.Persist {
			_ = os.RemoveAll(s.OutboxDir)
		}
	}
	if err := os.MkdirAll(s.OutboxDir, 0o755); err != nil {
		return fmt.Errorf("outbox dir: %w", err)
	}
	s.OutboxDir, _ = filepath.Abs(s.OutboxDir)
	fnLog := o.FunctionLog
	if fnLog == nil {
		s.FunctionLog = filepath.Join(dataDir, "functions.log")
		f, err := os.Create(s.FunctionLog)
		if err != nil {
			return fmt.Errorf("function log: %w", err)
		}
		s.logFile, fnLog = f, f
	}
	// The functions' configuration starts from the environment (resource
	// types, log level...); the stack fills in its endpoints and ids below.
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(fnLog, &slog.HandlerOptions{Level: cfg.LogLevel}))

	// 1. DynamoDB.
	ddbEndpoint := o.DynamoDBEndpoint
	if ddbEndpoint == "" {
		s.miniDyn = server.NewServer()
		var h http.Handler = s.miniDyn
		if o.Persist {
			s.persist = newPersister(s.miniDyn, o.Table, dataDir)
			h = s.persist.watch(h)
		}
		url, err := s.serve("127.0.0.1:0", h)
		if err != nil {
			return fmt.Errorf("minidyn: %w", err)
		}
		ddbEndpoint = url
	}

	// The event stream: the table's stream (emulated: minidyn and DynamoDB
	// Local have none) and a local EventBridge bus (docs/events.md).
	if ddbEndpoint != DynamoDBEndpointAWS {
		s.stream = newTableStream(o.Table, o.Region, s.console)
	}
	s.bus = NewEventBus(LocalEventBus, o.Region, nil)
	busURL, err := s.serve("127.0.0.1:0", s.bus)
	if err != nil {
		return fmt.Errorf("eventbridge endpoint: %w", err)
	}

	// 2. The Lambda Invoke endpoint and the API listen now so that their
	// URLs are known; they answer 503 until the functions exist.
	lambdaURL, err := s.serve(o.LambdaAddr, &invokeEndpoint{region: o.Region, funcs: s.funcs.Load, log: log})
	if err != nil {
		return fmt.Errorf("lambda endpoint: %w", err)
	}
	apiLn, err := net.Listen("tcp", o.APIAddr)
	if err != nil {
		return fmt.Errorf("API address %s: %w (is another gatehouse-local running? GATEHOUSE_API_ADDR picks another address)", o.APIAddr, err)
	}
	apiURL := "http://" + apiLn.Addr().String()
	s.gw = newGateway(o.Region, s.funcs.Load, s.OutboxDir, s.console, log)
	s.gw.bus = s.bus
	if o.ConsoleDir != "" {
		s.gw.web = newWebConsole(o.ConsoleDir, func() Info { return s.Info })
	}
	s.serveOn(apiLn, s.gw)

	// 3. Cognito.
	cognitoEndpoint, poolID, clientID := o.CognitoEndpoint, o.UserPoolID, o.ClientID
	if poolID == "" {
		if err := s.startCognitoLocal(ctx, lambdaURL); err != nil {
			return err
		}
		cognitoEndpoint = s.cognito.url()
	}
	s.cip = newCognitoClient(o.Region, cognitoEndpoint)
	if poolID == "" && o.Persist && s.cognito != nil {
		poolID, clientID = s.previousPool(ctx)
	}
	if poolID == "" {
		if poolID, clientID, err = createPool(ctx, s.cip); err != nil {
			return err
		}
	}

	// 4. The functions' configuration and dependencies: the same code paths
	// as in Lambda, with the endpoints and ids of this stack.
	cfg.Region, cfg.Table = o.Region, o.Table
	cfg.UserPoolID, cfg.ClientID = poolID, clientID
	cfg.DynamoDBEndpoint = ddbEndpoint
	if ddbEndpoint == DynamoDBEndpointAWS {
		cfg.DynamoDBEndpoint = ""
	}
	cfg.CognitoEndpoint = cognitoEndpoint
	cfg.Issuer, cfg.JWKSURL = issuerFor(cfg.Region, cognitoEndpoint, poolID)
	cfg.PublicURL = apiURL
	cfg.OutboxDir = s.OutboxDir
	cfg.EventBus = LocalEventBus
	cfg.EventBridgeEndpoint = busURL
	if cfg.DNSResolver == "" {
		d, err := StartDNS()
		if err != nil {
			return fmt.Errorf("start the DNS server: %w", err)
		}
		s.dns, cfg.DNSResolver = d, d.Addr
	}
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	s.Config = cfg
	s.Deps = newDeps(cfg, o.HTTPTransport, s.stream)
	s.Deps.Log = log

	if err := s.Deps.Store().EnsureTable(ctx); err != nil {
		return err
	}
	if s.persist != nil {
		s.persist.pool, s.persist.client = poolID, clientID
		n, err := s.persist.restore()
		if err != nil {
			return err
		}
		s.restored = n
	}
	adminID, err := s.bootstrapAdmin(ctx)
	if err != nil {
		return err
	}

	funcs, err := o.Functions(s.Deps)
	if err != nil {
		return fmt.Errorf("build functions: %w", err)
	}
	s.funcs.Store(&funcs)

	// 5. The sweep, and saving the table.
	if o.SweepInterval > 0 {
		s.startSweeper(o.SweepInterval)
	}
	if s.stream != nil {
		s.startStream()
	}
	if s.persist != nil {
		s.persist.start(func(err error) { s.console.Printf("%v", err) })
	}

	s.Info = Info{
		APIURL:           apiURL,
		CognitoEndpoint:  cognitoEndpoint,
		UserPoolID:       poolID,
		ClientID:         clientID,
		DynamoDBEndpoint: ddbEndpoint,
		Region:           o.Region,
		AdminEmail:       o.AdminEmail,
		AdminPassword:    o.AdminPassword,
		AdminUserID:      adminID,
		Table:            o.Table,
		LambdaEndpoint:   lambdaURL,
		OutboxDir:        s.OutboxDir,
		OutboxURL:        apiURL + "/local/outbox",
		Issuer:           cfg.Issuer,
		EventBus:         LocalEventBus,
		EventBridgeURL:   busURL,
		EventsURL:        apiURL + "/local/events",
	}
	b, _ := json.MarshalIndent(s.Info, "", "  ")
	if err := os.WriteFile(filepath.Join(dataDir, "stack.json"), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write stack.json: %w", err)
	}
	return nil
}

// startCognitoLocal starts cognito-local on a free port with fresh data,
// retrying on another port if the one picked was taken meanwhile.
func (s *Stack) startCognitoLocal(ctx context.Context, lambdaURL string) error {
	bin := s.opts.CognitoLocalBin
	if bin == "" {
		var err error
		if bin, err = findCognitoLocal("."); err != nil {
			return err
		}
	}
	dir := filepath.Join(s.DataDir, "cognito")
	if !s.opts.Persist {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("reset cognito-local data: %w", err)
		}
	}
	s.CognitoLogPath = filepath.Join(s.DataDir, "cognito-local.log")
	_ = os.Remove(s.CognitoLogPath)
	var err error
	for range 3 {
		port, perr := freePort()
		if perr != nil {
			return perr
		}
		s.cognito = &cognitoLocal{bin: bin, dir: dir, logPath: s.CognitoLogPath, port: port}
		if err = s.cognito.writeConfig(lambdaURL, s.opts.Region); err != nil {
			return fmt.Errorf("write cognito-local config: %w", err)
		}
		if err = s.cognito.start(ctx); err == nil || !s.cognito.portInUse() {
			break
		}
	}
	if err != nil {
		s.cognito = nil
	}
	return err
}

// newCognitoClient returns a Cognito client for our own calls (pool
// bootstrap, tests). Local endpoints accept any signature.
func newCognitoClient(region, endpoint string) *cip.Client {
	o := cip.Options{Region: region}
	if endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
		o.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
		return cip.New(o)
	}
	return cognito.NewClient(newDeps(app.Config{Region: region}, nil).MustAWSConfig(), "")
}

// createPool makes the user pool and app client as the CDK stack does: email
// as the username, a password policy, no client secret, USER_PASSWORD_AUTH.
// cognito-local stores the password policy but does not enforce it.
func createPool(ctx context.Context, c *cip.Client) (poolID, clientID string, err error) {
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:               aws.String("gatehouse-local"),
		UsernameAttributes:     []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{
			MinimumLength:    aws.Int32(8),
			RequireLowercase: true,
			RequireNumbers:   true,
		}},
	})
	if err != nil {
		return "", "", fmt.Errorf("create user pool: %w", err)
	}
	poolID = aws.ToString(pool.UserPool.Id)
	client, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId:     aws.String(poolID),
		ClientName:     aws.String("gatehouse-local"),
		GenerateSecret: false,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
	})
	if err != nil {
		return "", "", fmt.Errorf("create user pool client: %w", err)
	}
	return poolID, aws.ToString(client.UserPoolClient.ClientId), nil
}

// bootstrapAdmin makes the platform admin: the Cognito account with a
// permanent password, then its profile and personal org, then the flag.
// Against an existing pool or table it reuses what is there.
func (s *Stack) bootstrapAdmin(ctx context.Context) (string, error) {
	email := s.opts.AdminEmail
	pool := cognito.New(s.cip, s.Config.UserPoolID)
	sub, err := pool.CreateUser(ctx, cognito.NewUser{
		Email: email, Name: "Platform admin", EmailVerified: true, Password: s.opts.AdminPassword, Enabled: true,
	}, randomPassword())
	if gatehouse.ErrorCode(err) == gatehouse.CodeConflict {
		if err = pool.SetPassword(ctx, email, s.opts.AdminPassword); err == nil {
			sub, err = pool.UserSub(ctx, email)
		}
	}
	if err != nil {
		return "", fmt.Errorf("bootstrap admin %s in Cognito: %w", email, err)
	}

	store := s.Deps.Store()
	now := store.Now()
	u := &gatehouse.User{ID: sub, Email: email, EmailVerified: true, Name: "Platform admin",
		Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	err = store.CreateAccount(ctx, u, dynamo.NewPersonalOrg(u, now), gatehouse.Actor{UserID: "bootstrap"})
	if errors.Is(err, dynamo.ErrEmailTaken) {
		existing, lerr := store.UserIDByEmail(ctx, email)
		if lerr != nil {
			return "", fmt.Errorf("bootstrap admin %s: %w", email, lerr)
		}
		if existing != sub {
			return "", fmt.Errorf("bootstrap admin: table %s already has %s as user %s but Cognito says %s; use a fresh table (GATEHOUSE_TABLE) or another GATEHOUSE_ADMIN_EMAIL",
				s.opts.Table, email, existing, sub)
		}
		err = nil
	}
	if err != nil {
		return "", fmt.Errorf("bootstrap admin %s profile: %w", email, err)
	}
	if err := store.SetPlatformAdmin(ctx, sub, true); err != nil {
		return "", err
	}
	return sub, nil
}

// serve starts an HTTP server on addr and returns its URL.
func (s *Stack) serve(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.serveOn(ln, h)
	return "http://" + ln.Addr().String(), nil
}

func (s *Stack) serveOn(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	go func() { _ = srv.Serve(ln) }()
}

// startSweeper runs the sweep on a ticker, as the EventBridge schedule does.
func (s *Stack) startSweeper(every time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopTick, s.tickDone = cancel, make(chan struct{})
	go func() {
		defer close(s.tickDone)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
					s.console.Printf("sweep failed: %v", err)
				}
			}
		}
	}()
}

// LocalEventBus is the name of the local stack's EventBridge bus.
const LocalEventBus = "gatehouse-local"

// startStream runs the event source mapping of the table's stream: the
// event publisher invoked with its records (stream.go).
func (s *Stack) startStream() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopStream, s.streamDone = cancel, make(chan struct{})
	go func() {
		defer close(s.streamDone)
		s.stream.poll(ctx, func() InvokeHandler {
			if f := s.funcs.Load(); f != nil {
				return f.Invoke[routes.FnEventPublisher]
			}
			return nil
		})
	}()
}

// EventBus is the local EventBridge bus the event publisher puts the
// event stream on.
func (s *Stack) EventBus() *EventBus { return s.bus }

// Sweep runs the expiration sweep now: the sweeper function invoked with an
// EventBridge scheduled event, as the schedule does in AWS. A stack without
// a sweeper does nothing.
func (s *Stack) Sweep(ctx context.Context) error {
	f := s.funcs.Load()
	if f == nil {
		return nil
	}
	if h := f.Invoke[routes.FnSweeper]; h != nil {
		_, err := callInvoke(ctx, h, scheduledEvent(s.opts.Region, time.Now()))
		return err
	}
	return nil
}

// scheduledEvent is the EventBridge event a schedule rule sends.
func scheduledEvent(region string, now time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"version":     "0",
		"id":          newUUID(),
		"detail-type": "Scheduled Event",
		"source":      "aws.events",
		"account":     localAccountID,
		"time":        now.UTC().Format(time.RFC3339),
		"region":      region,
		"resources":   []string{fmt.Sprintf("arn:aws:events:%s:%s:rule/gatehouse-sweep", region, localAccountID)},
		"detail":      map[string]any{},
	})
	return b
}

// lockDir takes an exclusive lock on dir/.lock for the stack's lifetime.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("data dir %s is in use by another local stack (GATEHOUSE_DATA_DIR picks another)", dir)
	}
	return f, nil
}

// Functions returns the handlers the stack runs.
func (s *Stack) Functions() Functions { return *s.funcs.Load() }

// Store is the functions' table store.
func (s *Stack) Store() *dynamo.Store { return s.Deps.Store() }

// Cognito is a Cognito client for the stack's pool (sign-up, sign-in and
// admin calls in tests).
func (s *Stack) Cognito() *cip.Client { return s.cip }

// ConfirmationCodeOf returns the latest sign-up confirmation code
// cognito-local issued to the user with this sub (as SignUp answers it),
// as the stack's preload recorded it before SignUp answered
// (cognitolocal_preload.js). With a real Cognito the code goes by email
// and cannot be read here.
func (s *Stack) ConfirmationCodeOf(sub string) (string, error) {
	if s.cognito == nil {
		return "", errors.New("confirmation codes are only readable from cognito-local")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if code := s.cognito.confirmationCode(sub); code != "" {
			return code, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("confirmation code of %s: not in %s", sub, s.cognito.codesFile())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// Close stops everything: the sweeper, the HTTP servers (in-flight requests
// get a few seconds), cognito-local's process group. It is safe to call more
// than once.
func (s *Stack) Close() {
	s.close.Do(func() {
		if s.stopTick != nil {
			s.stopTick()
			<-s.tickDone
		}
		if s.stopStream != nil {
			s.stopStream()
			<-s.streamDone
		}
		if s.dns != nil {
			s.dns.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// The API first, so no new work reaches the functions; minidyn
		// last, so in-flight requests can finish their writes.
		for i := len(s.servers) - 1; i >= 0; i-- {
			if err := s.servers[i].Shutdown(ctx); err != nil {
				_ = s.servers[i].Close()
			}
		}
		if s.persist != nil {
			if err := s.persist.close(); err != nil {
				s.console.Printf("%v", err)
			}
		}
		if s.cognito != nil {
			// SIGTERM: cognito-local writes its pool file whole before it
			// exits (cognitolocal_preload.js), so a restart reloads it.
			s.cognito.stop()
		}
		if s.logFile != nil {
			_ = s.logFile.Close()
		}
		if s.lock != nil {
			_ = s.lock.Close() // releases the flock
		}
	})
}

// issuerFor returns the expected iss of the pool's tokens and its JWKS URL.
func issuerFor(region, endpoint, poolID string) (issuer, jwks string) {
	if endpoint != "" {
		issuer = endpoint + "/" + poolID
	} else {
		issuer = fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", region, poolID)
	}
	return issuer, issuer + "/.well-known/jwks.json"
}

// randomPassword returns a password that satisfies any Cognito policy:
// 24 random lower-case letters and digits, then an upper-case letter, a
// digit and a symbol.
func randomPassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyz23456789"
	var b [24]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(out) + "G7!"
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
