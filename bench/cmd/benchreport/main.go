// Command benchreport runs Gatehouse's benchmarks (make bench) and prints
// the budgets of docs/performance.md as a table: each figure against a
// baseline measured in the same run, their ratio, the target and whether
// it is met. With -write it also puts the table, the details and the
// machine into docs/performance.md, between its generated-section markers.
//
// Run it from the bench module: go run ./cmd/benchreport -root ..
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	var (
		root      = flag.String("root", "..", "the Gatehouse checkout (main module)")
		count     = flag.Int("count", 3, "go test -count for the micro-benchmarks (figures are medians)")
		starts    = flag.Int("starts", 20, "process starts per binary for the cold start")
		buildDir  = flag.String("build", "build", "make build's output, relative to -root")
		sweepSize = flag.String("sweep-sizes", "10000,100000", "sweep benchmark table sizes: baseline,figure")
		listSizes = flag.String("list-sizes", "1000,100000", "listing benchmark org sizes (resources): baseline,figure")
		write     = flag.String("write", "", "update this markdown file between the generated markers")
		skip      = flag.String("skip", "", "comma-separated sections to skip: authorizer,check,listing,evaluator,roundtrips,coldstart,sweep,load")
		verbose   = flag.Bool("v", false, "echo the go test output")
		strict    = flag.Bool("strict", false, "exit 1 when a budget misses its target (not only when a benchmark fails)")
	)
	flag.Parse()
	r := &runner{root: *root, verbose: *verbose}
	skipped := map[string]bool{}
	for _, s := range strings.Split(*skip, ",") {
		skipped[strings.TrimSpace(s)] = true
	}
	rep := &report{started: time.Now()}
	cnt := strconv.Itoa(*count)

	if !skipped["authorizer"] {
		res := r.bench(*root, "./shared/authorizer/", "-run", "^$", "-bench", "^(BenchmarkJWTVerifyBaseline|BenchmarkAuthorizerWarm|BenchmarkAuthorizerNoCache|BenchmarkAuthorizerPaired|BenchmarkAuthorizerPairedFirst)$", "-benchmem", "-count", cnt)
		// The ratios come from the paired benchmarks (one verification, one
		// decision, alternately, in the same loop); the separate ones give
		// the allocations and reads.
		const p, pf = "BenchmarkAuthorizerPaired", "BenchmarkAuthorizerPairedFirst"
		x := res.median(p, "x-verify")
		rep.row("Authorizer decision, token seen before (verified-token cache, warm membership and permissions)", us(res.median(p, "decide-ns")), us(res.median(p, "verify-ns"))+" bare RS256 verify", x, "≤ 0.5×", x <= 0.5)
		xf := res.median(pf, "x-verify")
		rep.row("Authorizer decision, token seen the first time (signature verified; warm membership and permissions)", us(res.median(pf, "decide-ns")), us(res.median(pf, "verify-ns"))+" bare RS256 verify", xf, "≤ 1.1×", xf <= 1.1)
		wa, ba := res.median("BenchmarkAuthorizerWarm", "allocs/op"), res.median("BenchmarkJWTVerifyBaseline", "allocs/op")
		rep.row("Authorizer allocations per decision, token seen before", num(wa), num(ba)+" bare verify", wa/ba, "info", true)
		wr, nr := res.median("BenchmarkAuthorizerWarm", "reads/op"), res.median("BenchmarkAuthorizerNoCache", "reads/op")
		rep.row("Authorizer DynamoDB reads per request, cache off", num(nr), "—", math.NaN(), "≤ 1", nr <= 1)
		rep.row("Authorizer DynamoDB reads per request, warm cache", num(wr), "—", math.NaN(), "0", wr == 0)
	}
	if !skipped["check"] {
		// The budget is about requests (DESIGN.md section 9): one request
		// of 100 checks against one request of one check, through the
		// local stack (gateway, authorizer, function, minidyn).
		req := r.bench(*root, "./e2e/", "-run", "^$", "-bench", "^BenchmarkCheckBatchRequest$", "-benchtime", "150x", "-count", "3")
		const e = "BenchmarkCheckBatchRequest"
		x := req.median(e, "x-single")
		rep.row("Check API: a request of 100 checks vs a request of one (whole local stack)", ms(req.median(e, "batch-ns")/1e6)+" ms", ms(req.median(e, "single-ns")/1e6)+" ms one check", x, "≤ 3×", x <= 3)
		// The service alone against minidyn: the DynamoDB calls, and the
		// same ratio without the request's fixed costs (for information:
		// there minidyn's per-item work, which DynamoDB does not bill in
		// latency, weighs most).
		res := r.bench(*root, "./shared/resources/", "-run", "^$", "-bench", "^BenchmarkCheckBatch$", "-benchtime", "100x", "-count", "3")
		const n = "BenchmarkCheckBatch"
		calls, bg := res.median(n, "calls/batch"), res.median(n, "batchget/batch")
		rep.row("Check API: DynamoDB calls for 100 checks (BatchGetItem, in parallel)", num(calls), "—", math.NaN(), "≤ 2", calls <= 2 && bg == calls)
		rep.row("Check API, the service alone against minidyn: 100 checks vs one", ms(res.median(n, "batch-ns")/1e6)+" ms", ms(res.median(n, "single-ns")/1e6)+" ms one check", res.median(n, "x-single"), "info", true)
		rep.row("Check API, the service alone: CPU time of 100 checks vs one", num(math.Round(res.median(n, "x-single-cpu")*100)/100)+"×", "one check", res.median(n, "x-single-cpu"), "info", true)
	}
	if !skipped["listing"] {
		sizes := strings.Split(*listSizes, ",")
		small := "BenchmarkListScale/resources=" + strings.TrimSpace(sizes[0])
		big := "BenchmarkListScale/resources=" + strings.TrimSpace(sizes[len(sizes)-1])
		out, res := r.benchEnv(*root, []string{"GATEHOUSE_LIST_BENCH_SIZES=" + *listSizes}, "./shared/resources/", "-run", "^$", "-bench", "^BenchmarkListScale$", "-benchtime", "1x", "-timeout", "30m", "-v")
		const page = 50.0
		var lines []string
		for _, sc := range []struct{ key, what string }{
			{"grants10", "a viewer with 10 grants"},
			{"defaultAll", "a viewer under defaultResourceAccess all, 6 denies"},
			{"groups5", "a viewer in 5 groups (200 group grants)"},
		} {
			fb, fs := res.median(big, sc.key+"-read/page"), res.median(small, sc.key+"-read/page")
			rep.row(fmt.Sprintf("Listing, %s: items read per page of 50, %s resources", sc.what, thousands(sizes[len(sizes)-1])), num(fb), num(fs)+" at "+thousands(sizes[0]), fb/fs, "≤ 100 (2× the page), ≈ 1× the small org", fb <= 2*page && fs <= 2*page && fb/fs <= 1.1)
			lines = append(lines, fmt.Sprintf("| %s | %s | %s | %s | %s |", sc.what, num(fs), num(res.median(small, sc.key+"-shown/page")), num(fb), num(res.median(big, sc.key+"-shown/page"))))
		}
		rep.detail("Listing at scale", fmt.Sprintf("Pages of 50 (the default), the first three (one for the viewer with 10 grants); the worst page's items read, snapshot included, and the items shown per page on average.\n\n| member | read/page %s | shown/page %s | read/page %s | shown/page %s |\n|---|---|---|---|---|\n%s\n\n%s",
			thousands(sizes[0]), thousands(sizes[0]), thousands(sizes[len(sizes)-1]), thousands(sizes[len(sizes)-1]), strings.Join(lines, "\n"), grepLines(out, "seeded")))
	}
	if !skipped["evaluator"] {
		// TestSameDecisions first: the figures mean something only if
		// Casbin and the evaluator agree on the sample.
		var res results
		if _, err := r.goTest(filepath.Join(*root, "bench"), "./evaluator/", "-run", "^TestSameDecisions$", "-count", "1"); err == nil {
			res = r.bench(filepath.Join(*root, "bench"), "./evaluator/", "-run", "^$", "-bench", ".", "-benchmem", "-count", cnt)
		}
		cc, gh, ch := res.median("BenchmarkGatehouseCompileCheck", "ns/op"), res.median("BenchmarkCasbinEnforce", "ns/op"), res.median("BenchmarkGatehouseCheck", "ns/op")
		rep.row("Evaluator decision (compile + check), 1,000 grants, 50 roles", us(cc), us(gh)+" Casbin Enforce", gh/cc, "≥ 10× faster", gh/cc >= 10)
		rep.row("Evaluator check, permissions compiled", us(ch), us(gh)+" Casbin Enforce", gh/ch, "≥ 10× faster", gh/ch >= 10)
		ca, ga := res.median("BenchmarkGatehouseCompileCheck", "allocs/op"), res.median("BenchmarkCasbinEnforce", "allocs/op")
		rep.row("Evaluator allocations per decision (compile + check)", num(ca), num(ga)+" Casbin", ga/math.Max(ca, 1), "info", true)
	}
	if !skipped["roundtrips"] {
		out, err := r.goTest(*root, "./e2e/", "-run", "^TestRoundTrips$", "-count", "1", "-v")
		ok := err == nil
		var table []string
		for _, line := range strings.Split(out, "\n") {
			if t := strings.TrimSpace(line); strings.HasPrefix(t, "|") {
				table = append(table, t)
			}
		}
		rep.row("Round trips: each mutation one TransactWriteItems, no Scan, calls as tabled", fmt.Sprintf("%d operations", max(len(table)-2, 0)), "e2e/roundtrips_test.go", math.NaN(), "as tabled", ok)
		rep.detail("DynamoDB calls per API operation", "Measured through the local stack (gateway, authorizer with its cache off, function) by `TestRoundTrips`, which fails `make test` when a count changes.\n\n"+strings.Join(table, "\n"))
		if !ok {
			rep.failures = append(rep.failures, "round trips:\n"+tail(out, 40))
		}
	}
	if !skipped["coldstart"] {
		rep.coldStart(r, *root, *buildDir, *starts)
	}
	if !skipped["sweep"] {
		sizes := strings.Split(*sweepSize, ",")
		out, res := r.benchEnv(*root, []string{"GATEHOUSE_SWEEP_BENCH_SIZES=" + *sweepSize}, "./shared/dynamo/", "-run", "^$", "-bench", "^BenchmarkSweepScale$", "-benchtime", "1x", "-timeout", "60m", "-v")
		small := "BenchmarkSweepScale/members=" + strings.TrimSpace(sizes[0])
		big := "BenchmarkSweepScale/members=" + strings.TrimSpace(sizes[len(sizes)-1])
		fb, fs := res.median(big, "read/expired"), res.median(small, "read/expired")
		rep.row(fmt.Sprintf("Sweep items read per item expired, %s members / 1k expired", thousands(sizes[len(sizes)-1])), num(fb), num(fs)+" at "+thousands(sizes[0])+" members", fb/fs, "≤ 1.1 read/expired, ≈ 1× the small table", fb <= 1.1 && fb/fs <= 1.1)
		rep.detail("Sweep", fmt.Sprintf("Seeding: %s s for %s members, %s s for %s. Queries per run: %s and %s.\n\n%s",
			num(res.median(small, "seed-s")), thousands(sizes[0]), num(res.median(big, "seed-s")), thousands(sizes[len(sizes)-1]),
			num(res.median(small, "queries")), num(res.median(big, "queries")), grepLines(out, "seeded")))
		// The sweep tests' checks at scale (make test runs them on a
		// smaller table): a real run, writes included, and a run killed
		// halfway then rerun.
		out, err := r.goTest(*root, "./shared/dynamo/", "-run", "^$", "-bench", "^BenchmarkSweepAtScale$", "-benchtime", "1x", "-timeout", "30m")
		at := parse(out).median("BenchmarkSweepAtScale/reads_only_what_expired", "read/expired")
		rep.row("Sweep at 10,000 members: real run (writes included), killed halfway then rerun", num(at)+" read/expired", "TestSweep* at 1,000", math.NaN(), "checks pass", err == nil)
		if err != nil {
			rep.failures = append(rep.failures, "sweep at scale:\n"+tail(out, 40))
		}
	}
	if !skipped["load"] {
		out, res := r.benchEnv(filepath.Join(*root, "bench"), nil, "./load/", "-run", "^$", "-bench", "^BenchmarkLoadMixed$", "-benchtime", "1x", "-timeout", "20m", "-v")
		const n = "BenchmarkLoadMixed"
		p50, p99, b50 := res.median(n, "p50-ms"), res.median(n, "p99-ms"), res.median(n, "base-p50-ms")
		fivexx, errs := res.median(n, "5xx"), res.median(n, "errors")
		rep.row("Local stack load: p50 of 2,000 mixed requests, 8 workers (ms)", ms(p50), ms(b50)+" GET /v1/openapi.json", p50/b50, "info", true)
		rep.row("Local stack load: p99 (ms)", ms(p99), ms(res.median(n, "base-p99-ms"))+" GET /v1/openapi.json", p99/res.median(n, "base-p99-ms"), "info", true)
		rep.row("Local stack load: 5xx / other errors", num(fivexx)+" / "+num(errs), "—", math.NaN(), "0 5xx", fivexx == 0 && !math.IsNaN(fivexx))
		rep.detail("Load test per operation", fmt.Sprintf("Throughput %s req/s.\n\n```\n%s\n```", num(res.median(n, "req/s")), grepLines(out, " p50 ")))
	}

	rep.machine = machine()
	text := rep.markdown()
	fmt.Print(text)
	if *write != "" {
		if err := splice(*write, text); err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			os.Exit(1)
		}
	}
	missed := 0
	for _, row := range rep.rows {
		if !row.pass && row.target != "info" {
			missed++
		}
	}
	if missed > 0 {
		fmt.Fprintf(os.Stderr, "benchreport: %d budget(s) missed their target\n", missed)
	}
	if len(r.errors) > 0 || len(rep.failures) > 0 || (*strict && missed > 0) {
		for _, e := range append(r.errors, rep.failures...) {
			fmt.Fprintln(os.Stderr, "benchreport:", e)
		}
		os.Exit(1)
	}
}

// runner runs go test and parses benchmark lines.
type runner struct {
	root    string
	verbose bool
	errors  []string
}

func (r *runner) goTest(dir, pkg string, args ...string) (string, error) {
	return r.goTestEnv(dir, nil, pkg, args...)
}

func (r *runner) goTestEnv(dir string, env []string, pkg string, args ...string) (string, error) {
	cmd := exec.Command("go", append(append([]string{"test"}, args...), pkg)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	w := io.Writer(&buf)
	if r.verbose {
		w = io.MultiWriter(&buf, os.Stderr)
	}
	cmd.Stdout, cmd.Stderr = w, w
	fmt.Fprintf(os.Stderr, "benchreport: (cd %s && go test %s %s)\n", dir, strings.Join(args, " "), pkg)
	err := cmd.Run()
	if err != nil {
		r.errors = append(r.errors, fmt.Sprintf("go test %s in %s: %v\n%s", pkg, dir, err, tail(buf.String(), 30)))
	}
	return buf.String(), err
}

func (r *runner) bench(dir, pkg string, args ...string) results {
	_, res := r.benchEnv(dir, nil, pkg, args...)
	return res
}

func (r *runner) benchEnv(dir string, env []string, pkg string, args ...string) (string, results) {
	out, _ := r.goTestEnv(dir, env, pkg, args...)
	return out, parse(out)
}

// results are the metrics of each benchmark, one map per run (-count).
type results map[string][]map[string]float64

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)

func parse(out string) results {
	res := results{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		f := strings.Fields(m[3])
		metrics := map[string]float64{}
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				metrics[f[i+1]] = v
			}
		}
		res[m[1]] = append(res[m[1]], metrics)
	}
	return res
}

// median of one metric over the runs of a benchmark (NaN if absent).
func (r results) median(name, unit string) float64 {
	var vs []float64
	for _, m := range r[name] {
		if v, ok := m[unit]; ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return math.NaN()
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2]
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
}

// report is the table and its details.
type report struct {
	started  time.Time
	rows     []row
	details  []string
	failures []string
	machine  string
}

type row struct {
	budget, figure, baseline string
	ratio                    float64
	target                   string
	pass                     bool
}

func (rep *report) row(budget, figure, baseline string, ratio float64, target string, pass bool) {
	if strings.Contains(figure, "NaN") {
		pass = false
	}
	rep.rows = append(rep.rows, row{budget, figure, baseline, ratio, target, pass})
}

func (rep *report) detail(title, body string) {
	rep.details = append(rep.details, "### "+title+"\n\n"+strings.TrimSpace(body)+"\n")
}

func (rep *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s in %s on %s.\n\n", rep.started.UTC().Format("2006-01-02 15:04 MST"), time.Since(rep.started).Round(time.Second), rep.machine)
	fmt.Fprintln(&b, "| budget | figure | baseline (same run) | ratio | target | result |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|")
	for _, r := range rep.rows {
		ratio := "—"
		if !math.IsNaN(r.ratio) && !math.IsInf(r.ratio, 0) {
			ratio = fmt.Sprintf("%.2f×", r.ratio)
		}
		result := "pass"
		switch {
		case r.target == "info":
			result = "—"
		case !r.pass:
			result = "**FAIL**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.budget, r.figure, r.baseline, ratio, r.target, result)
	}
	for _, d := range rep.details {
		fmt.Fprintf(&b, "\n%s", d)
	}
	return b.String()
}

// coldStart reports binary sizes (make build's linux/arm64 output, and a
// hello world built the same way) and start-to-ready times (host builds).
func (rep *report) coldStart(r *runner, root, buildDir string, starts int) {
	bench := filepath.Join(root, "bench")
	tmp, err := os.MkdirTemp("", "benchreport-")
	if err != nil {
		r.errors = append(r.errors, err.Error())
		return
	}
	defer os.RemoveAll(tmp)
	hello := filepath.Join(tmp, "hello")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", hello, "./coldstart/hello")
	cmd.Dir = bench
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if out, err := cmd.CombinedOutput(); err != nil {
		r.errors = append(r.errors, fmt.Sprintf("build hello for arm64: %v\n%s", err, out))
		return
	}
	helloSize := fileSize(hello)
	bins, _ := filepath.Glob(filepath.Join(root, buildDir, "*", "bootstrap"))
	if len(bins) == 0 {
		r.errors = append(r.errors, "no "+filepath.Join(buildDir, "*/bootstrap")+": run make build first")
	}
	sizes := map[string]float64{}
	var largest string
	for _, bin := range bins {
		fn := filepath.Base(filepath.Dir(bin))
		sizes[fn] = fileSize(bin)
		if largest == "" || sizes[fn] > sizes[largest] {
			largest = fn
		}
	}
	if largest != "" {
		rep.row("Largest function binary, linux/arm64 stripped (MB): "+largest, mb(sizes[largest]), mb(helloSize)+" hello world", sizes[largest]/helloSize, "≤ 15 MB", sizes[largest] <= 15e6)
	}

	out, res := r.benchEnv(bench, nil, "./coldstart/", "-run", "^$", "-bench", "^BenchmarkStart$", "-benchtime", fmt.Sprintf("%dx", starts), "-v")
	var fns []string
	for name := range res {
		if fn, ok := strings.CutPrefix(name, "BenchmarkStart/"); ok {
			fns = append(fns, fn)
		}
	}
	slices.Sort(fns)
	// Every function must have been measured: one that fails to start
	// (a missing setting, a panic in its wiring) fails the budget.
	if len(fns) != len(bins) {
		rep.failures = append(rep.failures, fmt.Sprintf("cold start: measured %d functions of %d:\n%s", len(fns), len(bins), tail(out, 40)))
		rep.row("Cold start: every function starts", fmt.Sprintf("%d of %d", len(fns), len(bins)), "—", math.NaN(), "all", false)
	}
	worst, worstFn := 0.0, ""
	var ratios []float64
	var t strings.Builder
	fmt.Fprintln(&t, "| function | arm64 size (MB) | start to ready (ms, host) | hello world (ms, same run) | ratio | ≤ 1.5× |")
	fmt.Fprintln(&t, "|---|---|---|---|---|---|")
	for _, fn := range fns {
		name := "BenchmarkStart/" + fn
		ratio := res.median(name, "x-hello")
		ratios = append(ratios, ratio)
		if ratio > worst {
			worst, worstFn = ratio, fn
		}
		ok := "pass"
		if !(ratio <= 1.5) {
			ok = "**FAIL**"
		}
		fmt.Fprintf(&t, "| %s | %s | %s | %s | %.2f× | %s |\n", fn, mb(sizes[fn]), ms(res.median(name, "fn-µs")/1000), ms(res.median(name, "hello-µs")/1000), ratio, ok)
	}
	fmt.Fprintf(&t, "| hello world | %s | | | | |\n", mb(helloSize))
	if len(ratios) > 0 {
		slices.Sort(ratios)
		med := ratios[len(ratios)/2]
		rep.row("Function start to ready vs hello world, median of functions", fmt.Sprintf("%.2f×", med), "hello world, alternated starts", med, "≤ 1.5×", med <= 1.5)
		rep.row("Function start to ready vs hello world, slowest: "+worstFn, fmt.Sprintf("%.2f×", worst), "hello world, alternated starts", worst, "≤ 1.5×", worst <= 1.5)
	}
	inits := grepLines(out, "init ")
	rep.detail("Cold start per function", fmt.Sprintf("%d starts of each binary alternated with %d of the hello world; medians.\n\n%s\nPackage init (GODEBUG=inittrace=1, one start each):\n\n```\n%s\n```", starts, starts, t.String(), inits))
}

func fileSize(p string) float64 {
	fi, err := os.Stat(p)
	if err != nil {
		return math.NaN()
	}
	return float64(fi.Size())
}

// machine describes where the figures were measured.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	gv, _ := exec.Command("go", "version").Output()
	return fmt.Sprintf("%s, %d CPUs (nproc), %s", cpu, runtime.NumCPU(), strings.TrimSpace(string(gv)))
}

const (
	beginMarker = "<!-- benchreport:begin (generated by make bench; edits here are overwritten) -->"
	endMarker   = "<!-- benchreport:end -->"
)

// splice replaces the generated section of a markdown file.
func splice(path, text string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, beginMarker), strings.Index(s, endMarker)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %q ... %q section", path, beginMarker, endMarker)
	}
	s = s[:i+len(beginMarker)] + "\n" + text + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}

func grepLines(out, substr string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, substr) {
			l = strings.TrimSpace(l)
			// Drop the "file.go:123: " prefix of test logs.
			if _, rest, ok := strings.Cut(l, ".go:"); ok {
				if _, rest2, ok := strings.Cut(rest, ": "); ok {
					l = rest2
				}
			}
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func us(ns float64) string { return fmt.Sprintf("%.1f µs", ns/1000) }
func ms(v float64) string  { return fmt.Sprintf("%.2f", v) }
func mb(b float64) string  { return fmt.Sprintf("%.1f", b/1e6) }
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func thousands(s string) string {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1000 || n%1000 != 0 {
		return s
	}
	return fmt.Sprintf("%dk", n/1000)
}
