package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Context keys read by the app (cdk.json "context", `cdk -c`, or `go run . -c`).
const (
	ctxStage            = "stage"            // dev (default), staging, prod...
	ctxBuildDir         = "buildDir"         // holds <function>/bootstrap; default <repo>/build
	ctxConsoleOrigin    = "consoleOrigin"    // the console's origin, or {stage: origin}; none: no CORS
	ctxPublicURL        = "publicUrl"        // base of invite/activation links; default: the API URL
	ctxEmailFrom        = "emailFrom"        // default of the EmailFrom stack parameter
	ctxAuthzCacheTTL    = "authzCacheTtl"    // authorizer in-memory cache TTL, Go duration
	ctxResourceTypes    = "resourceTypes"    // comma-separated resource types
	ctxInviteEmailRule  = "inviteEmailRule"  // when invites are emailed
	ctxLogLevel         = "logLevel"         // debug, info, warn, error
	ctxThrottleRate     = "throttleRate"     // stage steady-state requests per second
	ctxThrottleBurst    = "throttleBurst"    // stage burst
	ctxAlarmEmail       = "alarmEmail"       // subscriber of the alarm topic
	ctxAlarmTopicArn    = "alarmTopicArn"    // an existing SNS topic that also receives the alarms
	ctxDenialsThreshold = "denialsThreshold" // authorizer denials per 5 minutes that alarm
)

var (
	stagePattern  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)
	snsArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)
)

// StackName is the CloudFormation stack name of a stage.
func StackName(stage string) string { return "Gatehouse-" + stage }

// propsFromContext reads the stack configuration from the app's context,
// applying the documented defaults, and validates it.
func propsFromContext(app awscdk.App, root string) (*GatehouseStackProps, error) {
	get := func(key string) any { return app.Node().TryGetContext(&key) }
	stage := ctxString(get(ctxStage), "dev")
	p := &GatehouseStackProps{
		Stage:            stage,
		BuildDir:         ctxString(get(ctxBuildDir), filepath.Join(root, "build")),
		ConsoleOrigin:    ctxPerStage(get(ctxConsoleOrigin), stage),
		PublicURL:        ctxString(get(ctxPublicURL), ""),
		EmailFrom:        ctxString(get(ctxEmailFrom), ""),
		AuthzCacheTTL:    ctxString(get(ctxAuthzCacheTTL), "0s"),
		ResourceTypes:    ctxString(get(ctxResourceTypes), "device,dashboard"),
		InviteEmailRule:  ctxString(get(ctxInviteEmailRule), "same_domain"),
		LogLevel:         ctxString(get(ctxLogLevel), "info"),
		AlarmEmail:       ctxPerStage(get(ctxAlarmEmail), stage),
		AlarmTopicArn:    ctxPerStage(get(ctxAlarmTopicArn), stage),
		ThrottleRate:     50,
		ThrottleBurst:    100,
		DenialsThreshold: 100,
	}
	var err error
	if p.ThrottleRate, err = ctxNumber(get(ctxThrottleRate), p.ThrottleRate); err != nil {
		return nil, fmt.Errorf("context %s: %w", ctxThrottleRate, err)
	}
	if p.ThrottleBurst, err = ctxNumber(get(ctxThrottleBurst), p.ThrottleBurst); err != nil {
		return nil, fmt.Errorf("context %s: %w", ctxThrottleBurst, err)
	}
	if p.DenialsThreshold, err = ctxNumber(get(ctxDenialsThreshold), p.DenialsThreshold); err != nil {
		return nil, fmt.Errorf("context %s: %w", ctxDenialsThreshold, err)
	}
	if !filepath.IsAbs(p.BuildDir) {
		p.BuildDir = filepath.Join(root, p.BuildDir)
	}
	return p, p.validate()
}

// validate rejects configurations that would synthesize but misbehave.
func (p *GatehouseStackProps) validate() error {
	var errs []error
	if !stagePattern.MatchString(p.Stage) {
		errs = append(errs, fmt.Errorf("stage %q: want lower case letters, digits and dashes, at most 20", p.Stage))
	}
	if ttl, err := time.ParseDuration(p.AuthzCacheTTL); err != nil || ttl < 0 || ttl > 5*time.Minute {
		// The TTL bounds how long a role change or removal may go unnoticed.
		errs = append(errs, fmt.Errorf("authzCacheTtl %q: want a Go duration between 0s and 5m", p.AuthzCacheTTL))
	}
	if _, ok := appLogLevels[p.LogLevel]; !ok {
		errs = append(errs, fmt.Errorf("logLevel %q: want debug, info, warn or error", p.LogLevel))
	}
	if p.EmailFrom != "" && !strings.Contains(p.EmailFrom, "@") {
		errs = append(errs, fmt.Errorf("emailFrom %q: want an email address", p.EmailFrom))
	}
	if o := p.ConsoleOrigin; o != "" {
		u, err := url.Parse(o)
		switch {
		case err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil:
			errs = append(errs, fmt.Errorf("consoleOrigin %q: want an origin, scheme://host[:port]", o))
		case u.Scheme != "https" && !(p.Ephemeral() && u.Scheme == "http"):
			// A console served over http would hand its tokens to anyone
			// on the path; dev stages may use http://localhost.
			errs = append(errs, fmt.Errorf("consoleOrigin %q: want https:// (http only on dev stages)", o))
		}
	}
	if !p.Ephemeral() && p.AlarmEmail == "" && p.AlarmTopicArn == "" {
		// Alarms without a destination reach nobody.
		errs = append(errs, fmt.Errorf("stage %q has no alarm destination: set -c %s=ops@example.org and/or -c %s=arn:aws:sns:<region>:<account>:<topic> (CDK_CONTEXT for make, or cdk.json)",
			p.Stage, ctxAlarmEmail, ctxAlarmTopicArn))
	}
	if p.AlarmEmail != "" && !strings.Contains(p.AlarmEmail, "@") {
		errs = append(errs, fmt.Errorf("alarmEmail %q: want an email address", p.AlarmEmail))
	}
	if p.AlarmTopicArn != "" && !snsArnPattern.MatchString(p.AlarmTopicArn) {
		errs = append(errs, fmt.Errorf("alarmTopicArn %q: want arn:<partition>:sns:<region>:<account>:<topic>", p.AlarmTopicArn))
	}
	if p.ThrottleRate <= 0 || p.ThrottleBurst <= 0 {
		errs = append(errs, errors.New("throttleRate and throttleBurst must be positive"))
	}
	return errors.Join(errs...)
}

// Ephemeral reports whether the stage is a throwaway one (dev, dev-*): its
// data is destroyed with the stack. Every other stage retains its table, user
// pool and logs and protects them against deletion.
func (p *GatehouseStackProps) Ephemeral() bool {
	return p.Stage == "dev" || strings.HasPrefix(p.Stage, "dev-")
}

// checkBuild fails early, with the fix, when `make build` has not run: the
// CDK's own error for a missing asset names neither the cause nor the fix.
func checkBuild(dir string) error {
	var missing []string
	for _, fn := range routes.AllFunctions {
		if _, err := os.Stat(filepath.Join(dir, fn, "bootstrap")); err != nil {
			missing = append(missing, fn)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no bootstrap in %s for %s: run `make build` first", dir, strings.Join(missing, ", "))
	}
	return nil
}

// repoRoot finds the repository root, the nearest directory at or above the
// working directory holding cdk.json, so the app works from infra/ (as
// cdk.json runs it), from the root, or from anywhere inside the checkout.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "cdk.json")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no cdk.json at or above %s", dir)
		}
	}
}

// cdkJSONContext returns the "context" object of a cdk.json file.
func cdkJSONContext(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if f.Context == nil {
		f.Context = map[string]any{}
	}
	return f.Context, nil
}

func ctxString(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}

func ctxNumber(v any, def float64) (float64, error) {
	switch n := v.(type) {
	case nil:
		return def, nil
	case float64:
		return n, nil
	case string:
		return strconv.ParseFloat(n, 64)
	}
	return 0, fmt.Errorf("want a number, got %v", v)
}

// ctxPerStage reads a value that may differ per stage: a string (for
// whatever stage is synthesized, as -c passes it) or an object keyed by
// stage name (cdk.json), whose "*" entry serves stages without their own.
func ctxPerStage(v any, stage string) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case map[string]any:
		if s, ok := x[stage].(string); ok {
			return strings.TrimSpace(s)
		}
		if s, ok := x["*"].(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}
