// Package e2e tests Gatehouse end to end through the local stack: real
// cognito-local sign-ups and sign-ins, the emulated HTTP API running the
// real authorizer and functions, minidyn behind them.
//
// TestMain starts one stack for the whole package (ephemeral ports, a temp
// data dir, no sweep ticker: tests call stack().Sweep). Tests in
// e2e/<area>_test.go use the helpers of harness_test.go and may run in
// parallel: every helper is safe for concurrent use and every test makes its
// own users (uniqueEmail).
package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/gatehouse-dev/gatehouse/localstack"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// theStack is the package's local stack; tests reach it through stack().
var theStack *testStack

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	moreParallel()
	// The whole stack shares this process, and the collector was an
	// eighth of its CPU: trade memory (about 400 MB instead of 130 MB) for
	// time, unless GOGC says otherwise.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(800)
	}
	dir, err := os.MkdirTemp("", "gatehouse-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		return 1
	}
	console, err := os.Create(filepath.Join(dir, "gateway.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: gateway log:", err)
		return 1
	}
	defer console.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	st, err := startStack(ctx, localstack.Options{
		DataDir:       dir,
		APIAddr:       "127.0.0.1:0",
		SweepInterval: -1,
		Console:       console,
	})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: start the local stack: %v\n(logs kept in %s)\n", err, dir)
		return 1
	}
	theStack = st

	code := m.Run()
	st.Close()
	if code != 0 {
		// Keep the logs of a failed run: gateway.log (one line per
		// request), functions.log (handlers' JSON logs), cognito-local.log.
		fmt.Fprintf(os.Stderr, "e2e: logs kept in %s\n", dir)
		return code
	}
	_ = os.RemoveAll(dir)
	return code
}

// TestSignUpSignInMe is the walking skeleton end to end: a new user signs
// up through cognito-local (SignUp runs PreSignUp, ConfirmSignUp runs
// PostConfirmation, both through the Lambda Invoke endpoint), signs in with
// USER_PASSWORD_AUTH, and GET /v1/me through the emulated HTTP API (the
// real authorizer, then the me function) shows its personal org, owned.
func TestSignUpSignInMe(t *testing.T) {
	t.Parallel()
	email := uniqueEmail(t)
	c := signUp(t, email, defaultPassword)

	var me struct {
		ID          string `json:"id"`
		Email       string `json:"email"`
		Status      string `json:"status"`
		Memberships []struct {
			OrgID   string   `json:"orgId"`
			OrgName string   `json:"orgName"`
			Roles   []string `json:"roles"`
			Status  string   `json:"status"`
		} `json:"memberships"`
	}
	if status := c.DoJSON(t, http.MethodGet, "/v1/me", nil, &me); status != http.StatusOK {
		_, raw := c.Do(t, http.MethodGet, "/v1/me", nil)
		t.Fatalf("GET /v1/me: status %d, body %s", status, raw)
	}
	if me.ID != c.Sub {
		t.Errorf("id %q, want the Cognito sub %q", me.ID, c.Sub)
	}
	if !strings.EqualFold(me.Email, email) {
		t.Errorf("email %q, want %q", me.Email, email)
	}
	if me.Status != "active" {
		t.Errorf("status %q, want active", me.Status)
	}
	if len(me.Memberships) != 1 {
		t.Fatalf("memberships %+v, want exactly the personal org", me.Memberships)
	}
	m := me.Memberships[0]
	if !slices.Contains(m.Roles, "owner") || m.Status != "active" || m.OrgID == "" {
		t.Errorf("membership %+v, want an active owner membership", m)
	}

	// The personal org is really the caller's: the org route lets it in.
	var org struct {
		ID       string `json:"id"`
		Personal bool   `json:"personal"`
	}
	if status := c.DoJSON(t, http.MethodGet, "/v1/orgs/"+m.OrgID, nil, &org); status != http.StatusOK {
		t.Fatalf("GET /v1/orgs/%s: status %d", m.OrgID, status)
	}
	if org.ID != m.OrgID || !org.Personal {
		t.Errorf("org %+v, want the personal org %s", org, m.OrgID)
	}
}

// TestGateway checks the HTTP API emulator itself: routing answers,
// API Gateway's own refusals, and that refused requests never reach a
// function.
func TestGateway(t *testing.T) {
	t.Parallel()

	t.Run("unknown route is a 404 problem", func(t *testing.T) {
		t.Parallel()
		r := anonymous().DoRaw(t, http.MethodGet, "/v1/no-such-thing", nil, nil)
		requireProblemResponse(t, r, http.StatusNotFound, gatehouse.CodeNotFound)
		requireHandlerNotRun(t, r)
	})

	t.Run("wrong method is a 405 problem with Allow", func(t *testing.T) {
		t.Parallel()
		r := anonymous().DoRaw(t, http.MethodDelete, "/v1/me", nil, nil)
		requireProblemResponse(t, r, http.StatusMethodNotAllowed, gatehouse.CodeMethodNotAllowed)
		if got := r.Header.Get("Allow"); got != "GET, PATCH" {
			t.Errorf("Allow %q, want %q", got, "GET, PATCH")
		}
		requireHandlerNotRun(t, r)
	})

	t.Run("no token is a 401 and the handler never runs", func(t *testing.T) {
		t.Parallel()
		for _, path := range []string{"/v1/me", "/v1/permissions", "/v1/orgs/org_doesnotmatter"} {
			r := anonymous().DoRaw(t, http.MethodGet, path, nil, nil)
			requireRefusal(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated, "")
		}
	})

	t.Run("garbage token is a 401 and the handler never runs", func(t *testing.T) {
		t.Parallel()
		r := anonymous().WithBearer("not.a.jwt").DoRaw(t, http.MethodGet, "/v1/me", nil, nil)
		requireRefusal(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated, "")
	})

	t.Run("openapi.json is public", func(t *testing.T) {
		t.Parallel()
		r := anonymous().DoRaw(t, http.MethodGet, "/v1/openapi.json", nil, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("status %d, body %s", r.Status, r.Body)
		}
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Paths["/v1/me"] == nil {
			t.Errorf("openapi %q with %d paths; want a 3.x document listing /v1/me", doc.OpenAPI, len(doc.Paths))
		}
		if !stack().HandlerRan(r.RequestID) {
			t.Errorf("the me function did not serve the public route")
		}
	})

	t.Run("local outbox is served", func(t *testing.T) {
		t.Parallel()
		_ = outbox(t)
	})
}

// TestTriggerRefusalFailsSignUp checks the Lambda Invoke endpoint's function
// error path: PreSignUp refusing an email (sign-up policy allowlist) comes
// back to cognito-local as X-Amz-Function-Error: Unhandled, and SignUp fails
// with UserLambdaValidationException; nothing is created. Not parallel: it
// changes the platform's sign-up policy.
func TestTriggerRefusalFailsSignUp(t *testing.T) {
	ctx := context.Background()
	st := stack()
	store := st.Store()
	before, err := store.SignupPolicy(ctx)
	if err != nil {
		t.Fatalf("read sign-up policy: %v", err)
	}
	t.Cleanup(func() {
		if err := store.PutSignupPolicy(context.Background(), before, gatehouse.Actor{UserID: "e2e"}); err != nil {
			t.Errorf("restore sign-up policy: %v", err)
		}
	})
	p := before
	p.Mode, p.AllowedDomains = gatehouse.SignupAllowlist, []string{"allowed.e2e.gatehouse.test"}
	if err := store.PutSignupPolicy(ctx, p, gatehouse.Actor{UserID: "e2e"}); err != nil {
		t.Fatalf("set sign-up policy: %v", err)
	}

	refused := uniqueEmailAt(t, "refused.e2e.gatehouse.test")
	_, err = st.Cognito().SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(st.Info.ClientID),
		Username: aws.String(refused),
		Password: aws.String(defaultPassword),
	})
	if _, ok := errors.AsType[*types.UserLambdaValidationException](err); !ok {
		t.Fatalf("SignUp of a refused email: error %v, want UserLambdaValidationException", err)
	}
	if _, err := trySignIn(refused, defaultPassword); err == nil {
		t.Errorf("the refused user can sign in")
	}
	if _, err := store.UserIDByEmail(ctx, refused); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("profile lookup of the refused user: %v, want not found", err)
	}

	// The allowed domain still signs up, through the same trigger.
	c := signUp(t, uniqueEmailAt(t, "allowed.e2e.gatehouse.test"), defaultPassword)
	if status, raw := c.Do(t, http.MethodGet, "/v1/me", nil); status != http.StatusOK {
		t.Fatalf("GET /v1/me of the allowed user: %d %s", status, raw)
	}
}

// TestCognitoRestart checks the harness's CognitoDownFor: the user's
// sign-in fails while Cognito is unreachable for it and works again after,
// with the same pool and users.
func TestCognitoRestart(t *testing.T) {
	t.Parallel()
	c := newUser(t)
	withCognitoDown(t, []string{c.Email}, func() {
		if _, err := trySignIn(c.Email, c.Password); err == nil {
			t.Fatalf("sign-in worked with cognito-local stopped")
		}
	})
	again := signIn(t, c.Email, c.Password)
	if again.Sub != c.Sub {
		t.Errorf("sub after restart %q, want %q", again.Sub, c.Sub)
	}
	if status, raw := again.Do(t, http.MethodGet, "/v1/me", nil); status != http.StatusOK {
		t.Fatalf("GET /v1/me after restart: %d %s", status, raw)
	}
}

// TestCurlSession replays the curl session that make run prints (and the
// README shows) at the HTTP level, without the SDK: InitiateAuth as a raw
// JSON 1.1 call to cognitoEndpoint, the token cut out of the answer the way
// the printed sed does, then GET /v1/me with it.
func TestCurlSession(t *testing.T) {
	t.Parallel()
	info := stack().Info
	body := fmt.Sprintf(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":%q,"AuthParameters":{"USERNAME":%q,"PASSWORD":%q}}`,
		info.ClientID, info.AdminEmail, info.AdminPassword)
	req, err := http.NewRequest(http.MethodPost, info.CognitoEndpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("InitiateAuth: %d %s", resp.StatusCode, raw)
	}
	// sed -E 's/.*"AccessToken":"([^"]+)".*/\1/'
	m := regexp.MustCompile(`.*"` + localstack.BearerTokenField + `":"([^"]+)".*`).FindSubmatch(raw)
	if m == nil {
		t.Fatalf("no %s in %s", localstack.BearerTokenField, raw)
	}
	if !strings.Contains(stack().CurlExample(), info.CognitoEndpoint) {
		t.Errorf("the printed session does not use %s:\n%s", info.CognitoEndpoint, stack().CurlExample())
	}

	var me struct {
		Email         string `json:"email"`
		PlatformAdmin bool   `json:"platformAdmin"`
	}
	if status := anonymous().WithBearer(string(m[1])).DoJSON(t, http.MethodGet, "/v1/me", nil, &me); status != http.StatusOK {
		t.Fatalf("GET /v1/me: %d", status)
	}
	if me.Email != info.AdminEmail || !me.PlatformAdmin {
		t.Errorf("me %+v, want the platform admin %s", me, info.AdminEmail)
	}
}

// TestFailsClosedWhenTheTableFails: with every DynamoDB call about the
// caller failing, the authorizer cannot load the caller and refuses (503
// unavailable, with Retry-After); the handler never runs. Once DynamoDB is
// back, the same token works.
func TestFailsClosedWhenTheTableFails(t *testing.T) {
	t.Parallel()
	u := newUser(t)
	withDynamoFailure(t, []string{u.Sub}, func() {
		r := u.DoRaw(t, http.MethodGet, "/v1/me", nil, nil)
		requireRefusal(t, r, http.StatusServiceUnavailable, gatehouse.CodeUnavailable, gatehouse.ReasonUnavailable)
		if r.Header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
	})
	var me struct {
		ID string `json:"id"`
	}
	if status := u.DoJSON(t, http.MethodGet, "/v1/me", nil, &me); status != http.StatusOK || me.ID != u.Sub {
		t.Fatalf("GET /v1/me after recovery: %d, id %q, want 200 and %s", status, me.ID, u.Sub)
	}
}

// TestSweepOnDemand runs the expiration sweep the way tests trigger it (the
// stack has no ticker under test); with nothing expired it changes nothing.
func TestSweepOnDemand(t *testing.T) {
	t.Parallel()
	c := newUser(t)
	sweep(t)
	if status, raw := c.Do(t, http.MethodGet, "/v1/me", nil); status != http.StatusOK {
		t.Fatalf("GET /v1/me after a sweep: %d %s", status, raw)
	}
}

// moreParallel lets 6 parallel tests run at once instead of GOMAXPROCS
// (2 here), unless -parallel was given: many of these tests wait (on
// cognito-local's process, on faults they set, on the events' settle
// window) more than they compute (docs/performance.md).
func moreParallel() {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set && runtime.GOMAXPROCS(0) < 6 {
		_ = flag.Set("test.parallel", "6")
	}
}
