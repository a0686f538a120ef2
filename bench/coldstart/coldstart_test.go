// Package coldstart measures how long each function's process takes from
// start to ready, against a hello-world aws-lambda-go function built the
// same way (-tags lambda.norpc -trimpath -ldflags="-s -w", CGO off), both
// for the host (arm64 binaries cannot run here). Ready is the first
// GET /2018-06-01/runtime/invocation/next reaching a fake Runtime API on
// loopback: with lambda.norpc, aws-lambda-go polls it as soon as main has
// wired the handler, so the time covers exec, package init and main's
// wiring (configuration, SDK clients built eagerly).
package coldstart

import (
	"bytes"
	"cmp"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runtimeAPI is a fake Lambda Runtime API: it reports each process's first
// poll for an invocation and holds the request until the process is gone.
type runtimeAPI struct {
	srv   *httptest.Server
	ready chan struct{}
}

func newRuntimeAPI(tb testing.TB) *runtimeAPI {
	tb.Helper()
	r := &runtimeAPI{ready: make(chan struct{}, 1)}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodGet && req.URL.Path == "/2018-06-01/runtime/invocation/next" {
			select {
			case r.ready <- struct{}{}:
			default:
			}
			<-req.Context().Done()
			return
		}
		http.NotFound(w, req)
	}))
	r.srv.Config.SetKeepAlivesEnabled(false)
	r.srv.Start()
	tb.Cleanup(r.srv.Close)
	return r
}

// env is what a function finds in a Lambda sandbox, pointed at nothing
// real: no AWS call happens before the first invocation.
func (r *runtimeAPI) env() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(r.srv.URL, "http://"),
		"AWS_LAMBDA_FUNCTION_NAME=coldstart", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "_HANDLER=bootstrap",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=coldstart", "AWS_SECRET_ACCESS_KEY=coldstart", "AWS_SESSION_TOKEN=coldstart",
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_EC2_METADATA_DISABLED=true",
		"GATEHOUSE_TABLE=gatehouse", "GATEHOUSE_USER_POOL_ID=us-east-1_ColdStart", "GATEHOUSE_CLIENT_ID=coldstart",
		"GATEHOUSE_EMAIL_FROM=no-reply@example.org", "GATEHOUSE_PUBLIC_URL=https://api.example.org",
		// A deployment's cursor key (base64 of 32 bytes): without one a
		// function refuses to start.
		"GATEHOUSE_CURSOR_KEY=Y29sZHN0YXJ0LWN1cnNvci1rZXktMzItYnl0ZXMtLS0=",
	}
}

// start runs bin until it polls for its first invocation and returns the
// time that took; the process is killed afterwards.
func (r *runtimeAPI) start(tb testing.TB, bin string, extraEnv ...string) time.Duration {
	tb.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(r.env(), extraEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	exited := make(chan error, 1)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", bin, err)
	}
	go func() { exited <- cmd.Wait() }()
	var d time.Duration
	select {
	case <-r.ready:
		d = time.Since(t0)
	case err := <-exited:
		tb.Fatalf("%s exited before polling for an invocation: %v\n%s", filepath.Base(filepath.Dir(bin)), err, stderr.String())
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		tb.Fatalf("%s did not poll for an invocation within 10 s\n%s", bin, stderr.String())
	}
	_ = cmd.Process.Kill()
	<-exited
	return d
}

// build compiles a main package for the host as make build does for Lambda.
func build(tb testing.TB, dir, pkg, out string) {
	tb.Helper()
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

// functions lists the function names (functions/<name>) of the checkout.
func functions(tb testing.TB) []string {
	tb.Helper()
	entries, err := os.ReadDir("../../functions")
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join("../../functions", e.Name(), "main.go")); err == nil {
			names = append(names, e.Name())
		}
	}
	return names
}

// BenchmarkStart times, for every function, N starts of it alternated
// with N starts of the hello world, and reports both medians and their
// ratio (start/op is meaningless here: use -benchtime Nx). Alternating
// pairs keep the machine's noise out of the ratio.
func BenchmarkStart(b *testing.B) {
	dir := b.TempDir()
	hello := filepath.Join(dir, "hello", "bootstrap")
	build(b, ".", "./hello", hello)
	api := newRuntimeAPI(b)
	for _, fn := range functions(b) {
		bin := filepath.Join(dir, fn, "bootstrap")
		build(b, "../..", "./functions/"+fn, bin)
		b.Run(fn, func(b *testing.B) {
			api.start(b, hello) // warm the page cache for both
			api.start(b, bin)
			var hs, fs []time.Duration
			var ratios []float64
			for b.Loop() {
				h, f := api.start(b, hello), api.start(b, bin)
				hs, fs = append(hs, h), append(fs, f)
				ratios = append(ratios, float64(f)/float64(h))
			}
			b.ReportMetric(float64(median(hs).Microseconds()), "hello-µs")
			b.ReportMetric(float64(median(fs).Microseconds()), "fn-µs")
			// The median of the pairs' ratios: a burst of the machine's other
			// work slows one start of a pair, and skews that pair only.
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "x-hello")
		})
	}
	// What each function's package init costs (GODEBUG=inittrace=1): the
	// three heaviest packages, for the report (printed with -v).
	for _, fn := range functions(b) {
		b.Logf("init %s: %s", fn, heaviestInits(b, api, filepath.Join(dir, fn, "bootstrap"), 3))
	}
	b.Logf("init hello: %s", heaviestInits(b, api, hello, 3))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// heaviestInits runs bin once with GODEBUG=inittrace=1 and names the
// packages whose init took longest, with the total.
func heaviestInits(tb testing.TB, api *runtimeAPI, bin string, n int) string {
	tb.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(api.env(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	select {
	case <-api.ready:
	case <-time.After(10 * time.Second):
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	type pkgInit struct {
		name  string
		ms    float64
		bytes int
	}
	var inits []pkgInit
	var total float64
	for _, line := range strings.Split(stderr.String(), "\n") {
		// init internal/bytealg @0.008 ms, 0.011 ms clock, 0 bytes, 0 allocs
		f := strings.Fields(line)
		if len(f) < 10 || f[0] != "init" {
			continue
		}
		ms, _ := strconv.ParseFloat(f[4], 64)
		by, _ := strconv.Atoi(f[7])
		inits = append(inits, pkgInit{f[1], ms, by})
		total += ms
	}
	slices.SortFunc(inits, func(a, b pkgInit) int { return cmp.Compare(b.ms, a.ms) })
	var parts []string
	for _, p := range inits[:min(n, len(inits))] {
		parts = append(parts, fmt.Sprintf("%s %.2f ms %d B", p.name, p.ms, p.bytes))
	}
	return fmt.Sprintf("%.2f ms in %d packages; heaviest: %s", total, len(inits), strings.Join(parts, ", "))
}
