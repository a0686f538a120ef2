package localstack

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// cognitoLocal runs cognito-local (npm) as a child process in its own
// process group, with its data in dir/.cognito and its output in a log file.
type cognitoLocal struct {
	bin     string // node_modules/.bin/cognito-local
	dir     string // working directory; holds .cognito/config.json and .cognito/db
	logPath string
	port    int

	mu   sync.Mutex
	proc *os.Process
	done chan struct{} // closed when the process has exited
}

// cognitoConfig is cognito-local's .cognito/config.json: triggers invoke
// our Lambda endpoint, and tokens carry the issuer we really listen on.
type cognitoConfig struct {
	LambdaClient struct {
		Endpoint    string `json:"endpoint"`
		Region      string `json:"region"`
		Credentials struct {
			AccessKeyID     string `json:"accessKeyId"`
			SecretAccessKey string `json:"secretAccessKey"`
		} `json:"credentials"`
	} `json:"LambdaClient"`
	TriggerFunctions map[string]string `json:"TriggerFunctions"`
	TokenConfig      struct {
		IssuerDomain string `json:"IssuerDomain"`
	} `json:"TokenConfig"`
	UserPoolDefaults struct {
		UsernameAttributes []string `json:"UsernameAttributes"`
	} `json:"UserPoolDefaults"`
}

// preloadJS is loaded into cognito-local: it coalesces its pool-file
// writes, parses its signing key once and records confirmation codes
// (see the file).
//
//go:embed cognitolocal_preload.js
var preloadJS []byte

func (c *cognitoLocal) url() string { return "http://127.0.0.1:" + strconv.Itoa(c.port) }

// writeConfig writes .cognito/config.json for the Lambda endpoint.
func (c *cognitoLocal) writeConfig(lambdaURL, region string) error {
	var cfg cognitoConfig
	cfg.LambdaClient.Endpoint = lambdaURL
	cfg.LambdaClient.Region = region
	cfg.LambdaClient.Credentials.AccessKeyID = "local"
	cfg.LambdaClient.Credentials.SecretAccessKey = "local"
	cfg.TriggerFunctions = map[string]string{
		"PreSignUp":          routes.FnTriggers,
		"PostConfirmation":   routes.FnTriggers,
		"PreTokenGeneration": routes.FnTriggers,
	}
	cfg.TokenConfig.IssuerDomain = c.url()
	cfg.UserPoolDefaults.UsernameAttributes = []string{"email"}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(c.dir, ".cognito"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.dir, ".cognito", "config.json"), b, 0o644)
}

// start launches cognito-local and waits until it answers HTTP.
func (c *cognitoLocal) start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc != nil {
		return errors.New("cognito-local is already running")
	}
	logf, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("cognito-local log: %w", err)
	}
	preload := filepath.Join(c.dir, ".cognito", "gatehouse-preload.js")
	if err := os.WriteFile(preload, preloadJS, 0o644); err != nil {
		_ = logf.Close()
		return fmt.Errorf("cognito-local preload: %w", err)
	}
	cmd := exec.Command(c.bin)
	cmd.Dir = c.dir
	// Later entries win: our PORT and HOST override the caller's; DEBUG
	// would flood the log with every stored record; colours do not belong
	// in a file.
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(c.port), "HOST=127.0.0.1", "DEBUG=", "NO_COLOR=1", "FORCE_COLOR=0",
		"NODE_OPTIONS="+strings.TrimSpace(os.Getenv("NODE_OPTIONS")+` --require "`+preload+`"`), "GATEHOUSE_CODES_FILE="+c.codesFile())
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = childProcAttr()

	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		// The parent-death signal fires when the thread that forked the
		// child exits, not the process: keep this goroutine on its thread
		// for the child's whole life.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			_ = logf.Close()
			close(done)
			return
		}
		started <- nil
		_ = cmd.Wait()
		_ = logf.Close()
		close(done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start cognito-local (%s): %w", c.bin, err)
	}
	c.proc, c.done = cmd.Process, done

	if err := c.waitReady(ctx, done); err != nil {
		c.killLocked()
		return err
	}
	return nil
}

// waitReady polls until cognito-local answers, the process dies or ctx ends.
func (c *cognitoLocal) waitReady(ctx context.Context, done <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(c.url() + "/health")
		if err == nil {
			_ = resp.Body.Close()
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("cognito-local exited during start-up; its log (%s) ends with:\n%s", c.logPath, tail(c.logPath, 20))
		case <-ctx.Done():
			return fmt.Errorf("cognito-local did not answer on %s: %w; its log (%s) ends with:\n%s", c.url(), ctx.Err(), c.logPath, tail(c.logPath, 20))
		case <-tick.C:
		}
	}
}

// stop ends cognito-local's process group and waits for it to exit.
func (c *cognitoLocal) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.killLocked()
}

func (c *cognitoLocal) killLocked() {
	if c.proc == nil {
		return
	}
	pid, done := c.proc.Pid, c.done
	c.proc, c.done = nil, nil
	// The whole group: npx shims or shells between us and node must not
	// leave node behind.
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-done:
		return
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-done
}

func (c *cognitoLocal) running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proc != nil
}

// portInUse reports whether the last start failed because the port was
// taken between our probe and cognito-local's listen.
func (c *cognitoLocal) portInUse() bool {
	return strings.Contains(tail(c.logPath, 20), "EADDRINUSE")
}

// codesFile is where the preload records the confirmation codes
// cognito-local stores on users, a line "<sub> <code>" each
// (cognitolocal_preload.js).
func (c *cognitoLocal) codesFile() string { return filepath.Join(c.dir, ".cognito", "codes.log") }

// confirmationCode is the last confirmation code cognito-local stored for
// the user with this sub ("" when there is none yet): a resent code
// replaces the first.
func (c *cognitoLocal) confirmationCode(sub string) string {
	b, err := os.ReadFile(c.codesFile())
	if err != nil {
		return ""
	}
	code := ""
	for line := range strings.Lines(string(b)) {
		if s, k, ok := strings.Cut(strings.TrimSpace(line), " "); ok && s == sub {
			code = k
		}
	}
	return code
}

// findCognitoLocal looks for node_modules/.bin/cognito-local in dir and its
// parents, so that both `make run` (repo root) and `go test ./e2e` find it.
func findCognitoLocal(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(d, "node_modules", ".bin", "cognito-local")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("node_modules/.bin/cognito-local not found: run `npm ci` in the repository root")
		}
		d = parent
	}
}

// freePort asks the kernel for a free loopback port for a server we do not
// start ourselves.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
