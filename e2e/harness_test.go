package e2e

// The shared end-to-end harness. Helpers, all safe for parallel tests:
//
//	stack()                          the running local stack with the harness's hooks
//	                                 (hooks_test.go: MiniDyn, DynamoDBCalls, HandlerRan,
//	                                 CognitoDownFor, CognitoHangFor, DynamoFailsFor; and Store(), Cognito(), Sweep...)
//	uniqueEmail(t), uniqueEmailAt(t, domain)
//	newUser(t)                       a fresh signed-up, confirmed, signed-in user
//	signUp(t, email, password)       SignUp + ConfirmSignUp (both triggers run), then sign-in
//	signIn(t, email, password)       USER_PASSWORD_AUTH sign-in of an existing account
//	adminClient(t)                   the platform admin, signed in
//	anonymous()                      a client without a token
//	c.Do(t, method, path, body)      -> status, raw body
//	c.DoJSON(t, method, path, body, &out) -> status (out decoded on 2xx)
//	c.DoRaw(t, method, path, body, header) -> *Response (status, header, body, request id)
//	                                 every request and response is checked against
//	                                 the OpenAPI document (contract_test.go)
//	requireProblem(t, status, raw, wantStatus, wantCode) -> apigw.Problem
//	requireHandlerNotRun(t, resp)    the request never reached a function
//	outbox(t)                        the emails of the local outbox, newest first
//	emailsTo(t, addr)                the outbox's emails to one address, newest first
//	eventually(t, timeout, cond)     polls cond until true
//	sweep(t)                         runs the expiration sweep now (no ticker in tests)
//	withCognitoDown(t, marks, fn)    runs fn with Cognito unreachable for the calls naming
//	                                 marks (the test's emails, subs), then reachable again
//	withDynamoFailure(t, marks, fn)  runs fn with every table call naming marks failing (500)
//
// Faults are scoped to what they name (hooks_test.go), so the tests that
// set them run in parallel. Tests that change what every test sees (the
// sign-up policy, the round-trip counters...) must NOT call t.Parallel():
// Go runs the top-level tests that do not first, alone, and resumes the
// parallel ones only after all of them have finished.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// defaultPassword satisfies the pool's password policy.
const defaultPassword = "correct-horse-42"

// httpClient is shared by all tests; requests go to loopback only.
var httpClient = &http.Client{Timeout: 60 * time.Second}

// stack returns the package's local stack.
func stack() *testStack { return theStack }

// Client calls the API as one signed-in user (or anonymously when Bearer
// is empty).
type Client struct {
	Email    string
	Password string
	// Sub is the Cognito sub, which is the Gatehouse user id.
	Sub          string
	IDToken      string
	AccessToken  string
	RefreshToken string
	// Bearer is sent as "Authorization: Bearer <Bearer>": the access token
	// by default (the authorizer accepts access tokens), or an API token.
	Bearer string
}

// WithBearer returns a copy of the client that sends another bearer token
// (an API token, an id token, a tampered token...); "" sends none.
func (c *Client) WithBearer(token string) *Client {
	cp := *c
	cp.Bearer = token
	return &cp
}

// anonymous returns a client that sends no Authorization header.
func anonymous() *Client { return &Client{} }

var emailSafe = regexp.MustCompile(`[^a-z0-9]+`)

// uniqueEmail returns a new address in the e2e domain, named after the test
// so that logs say who is who.
func uniqueEmail(t testing.TB) string {
	return uniqueEmailAt(t, "e2e.gatehouse.test")
}

// uniqueEmailAt returns a new address in domain (invites compare domains).
func uniqueEmailAt(t testing.TB, domain string) string {
	t.Helper()
	name := strings.Trim(emailSafe.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%s@%s", name, hex.EncodeToString(b[:]), domain)
}

// newUser signs a fresh user up with the default password.
func newUser(t testing.TB) *Client {
	t.Helper()
	return signUp(t, uniqueEmail(t), defaultPassword)
}

// signUp registers a user the way a person does: SignUp (PreSignUp runs),
// ConfirmSignUp with the code cognito-local issued (PostConfirmation runs
// and creates the profile and personal org), then marks the email verified
// (cognito-local's ConfirmSignUp does not, unlike Cognito's email code) and
// signs in with USER_PASSWORD_AUTH (PreTokenGeneration runs).
func signUp(t testing.TB, email, password string) *Client {
	t.Helper()
	ctx := context.Background()
	st := stack()
	cg := st.Cognito()
	out, err := cg.SignUp(ctx, &cip.SignUpInput{
		ClientId:       aws.String(st.Info.ClientID),
		Username:       aws.String(email),
		Password:       aws.String(password),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
	})
	if err != nil {
		t.Fatalf("SignUp %s: %v", email, err)
	}
	code, err := st.ConfirmationCodeOf(aws.ToString(out.UserSub))
	if err != nil {
		t.Fatalf("confirmation code of %s: %v", email, err)
	}
	if _, err := cg.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
		ClientId:         aws.String(st.Info.ClientID),
		Username:         aws.String(email),
		ConfirmationCode: aws.String(code),
	}); err != nil {
		t.Fatalf("ConfirmSignUp %s: %v", email, err)
	}
	if _, err := cg.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(st.Info.UserPoolID),
		Username:   aws.String(email),
		// cognito-local refuses email_verified without email alongside.
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	}); err != nil {
		t.Fatalf("verify email of %s: %v", email, err)
	}
	c := signIn(t, email, password)
	if sub := aws.ToString(out.UserSub); sub != c.Sub {
		t.Fatalf("SignUp sub %q, token sub %q", sub, c.Sub)
	}
	return c
}

// signIn signs an existing account in with USER_PASSWORD_AUTH.
func signIn(t testing.TB, email, password string) *Client {
	t.Helper()
	c, err := trySignIn(email, password)
	if err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
	return c
}

func trySignIn(email, password string) (*Client, error) {
	st := stack()
	out, err := st.Cognito().InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserPasswordAuth,
		ClientId:       aws.String(st.Info.ClientID),
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	if err != nil {
		return nil, err
	}
	if out.AuthenticationResult == nil {
		return nil, fmt.Errorf("no tokens (challenge %s)", out.ChallengeName)
	}
	r := out.AuthenticationResult
	c := &Client{
		Email:        email,
		Password:     password,
		IDToken:      aws.ToString(r.IdToken),
		AccessToken:  aws.ToString(r.AccessToken),
		RefreshToken: aws.ToString(r.RefreshToken),
	}
	c.Bearer = c.AccessToken
	claims, err := jwtClaims(c.AccessToken)
	if err != nil {
		return nil, err
	}
	c.Sub, _ = claims["sub"].(string)
	return c, nil
}

// jwtClaims decodes a JWT's payload without verifying it (test-side only).
func jwtClaims(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

var (
	adminMu     sync.Mutex
	adminCached *Client
	adminAt     time.Time
)

// adminClient returns the platform admin, signed in (tokens are reused for
// a while: cognito-local's last an hour).
func adminClient(t testing.TB) *Client {
	t.Helper()
	adminMu.Lock()
	defer adminMu.Unlock()
	if adminCached == nil || time.Since(adminAt) > 20*time.Minute {
		adminCached = signIn(t, stack().Info.AdminEmail, stack().Info.AdminPassword)
		adminAt = time.Now()
	}
	return adminCached
}

// Response is a raw API response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// RequestID is the gateway's Apigw-Requestid, for stack().HandlerRan.
	RequestID string
}

// DoRaw sends body as is with the given extra headers (Content-Type
// defaults to application/json when there is a body) and the client's
// bearer token, unless header sets Authorization itself.
func (c *Client) DoRaw(t testing.TB, method, path string, body []byte, header http.Header) *Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, stack().Info.APIURL+path, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Bearer != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	ex := checkRequest(t, req, body)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	ex.checkResponse(t, resp.StatusCode, resp.Header, raw)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw, RequestID: resp.Header.Get("Apigw-Requestid")}
}

// Do sends body as JSON (nil: no body; []byte or string: sent as is) and
// returns the status and raw response body.
func (c *Client) Do(t testing.TB, method, path string, body any) (int, []byte) {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case []byte:
		b = v
	case string:
		b = []byte(v)
	case json.RawMessage:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatalf("%s %s: encode body: %v", method, path, err)
		}
	}
	r := c.DoRaw(t, method, path, b, nil)
	return r.Status, r.Body
}

// DoJSON is Do that decodes a 2xx response into out (when out is not nil);
// a 2xx body that does not decode fails the test.
func (c *Client) DoJSON(t testing.TB, method, path string, body, out any) int {
	t.Helper()
	status, raw := c.Do(t, method, path, body)
	if out != nil && status >= 200 && status < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: status %d, decode %s: %v", method, path, status, raw, err)
		}
	}
	return status
}

// requireProblem checks an RFC 9457 problem response: status, content
// type, the body's status and code. It returns the problem for further
// checks (Reason, Limit, Errors).
func requireProblem(t testing.TB, status int, raw []byte, wantStatus int, wantCode gatehouse.Code) apigw.Problem {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d; body %s", status, wantStatus, raw)
	}
	var p apigw.Problem
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("problem body %s: %v", raw, err)
	}
	if p.Status != wantStatus {
		t.Errorf("problem status %d, want %d", p.Status, wantStatus)
	}
	if p.Code != wantCode {
		t.Fatalf("problem code %q, want %q; body %s", p.Code, wantCode, raw)
	}
	if p.Type == "" || p.Title == "" {
		t.Errorf("problem without type or title: %s", raw)
	}
	return p
}

// requireProblemResponse is requireProblem on a *Response, also checking
// the Content-Type application/problem+json.
func requireProblemResponse(t testing.TB, r *Response, wantStatus int, wantCode gatehouse.Code) apigw.Problem {
	t.Helper()
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", r.Header.Get("Content-Type"))
	}
	return requireProblem(t, r.Status, r.Body, wantStatus, wantCode)
}

// requireRefusal checks a refusal of the authorizer as the function's guard
// answers it (docs/security.md, refusals): problem+json with the code and,
// when wantReason is not empty, the reason; and no handler ran.
func requireRefusal(t testing.TB, r *Response, wantStatus int, wantCode gatehouse.Code, wantReason string) {
	t.Helper()
	p := requireProblemResponse(t, r, wantStatus, wantCode)
	if wantReason != "" && p.Reason != wantReason {
		t.Errorf("reason %q, want %q (%s)", p.Reason, wantReason, r.Body)
	}
	if wantStatus == http.StatusForbidden && p.Reason == "" {
		t.Errorf("a 403 without a reason: %s", r.Body)
	}
	requireHandlerNotRun(t, r)
}

// requireHandlerNotRun checks that the request never reached a function
// handler (refused by the gateway or the authorizer).
func requireHandlerNotRun(t testing.TB, r *Response) {
	t.Helper()
	if r.RequestID == "" {
		t.Fatalf("response has no Apigw-Requestid header")
	}
	if stack().HandlerRan(r.RequestID) {
		t.Fatalf("the function handler ran for request %s (status %d)", r.RequestID, r.Status)
	}
}

// outbox returns the emails of the local outbox, newest first, as the
// mailer wrote them.
func outbox(t testing.TB) []json.RawMessage {
	t.Helper()
	r := anonymous().DoRaw(t, http.MethodGet, "/local/outbox", nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /local/outbox: %d %s", r.Status, r.Body)
	}
	var msgs []json.RawMessage
	if err := json.Unmarshal(r.Body, &msgs); err != nil {
		t.Fatalf("outbox %s: %v", r.Body, err)
	}
	return msgs
}

// Email is one email of the local outbox (shared/mail's Message).
type Email struct {
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	Time    time.Time `json:"time"`
}

// emailsTo returns the outbox's emails to addr (case-insensitive), newest
// first.
func emailsTo(t testing.TB, addr string) []Email {
	t.Helper()
	r := anonymous().DoRaw(t, http.MethodGet, "/local/outbox?to="+url.QueryEscape(addr), nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /local/outbox: %d %s", r.Status, r.Body)
	}
	var out []Email
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("outbox %s: %v", r.Body, err)
	}
	return out
}

// withCognitoDown runs fn while Cognito is unreachable for the calls that
// name any of marks (the emails and subs of the test's users), then
// reachable again, with the same data (compensation paths).
func withCognitoDown(t testing.TB, marks []string, fn func()) {
	t.Helper()
	up := stack().CognitoDownFor(t, marks...)
	defer up()
	fn()
}

// withDynamoFailure runs fn while every DynamoDB call that names any of
// marks fails with an InternalServerError (after the SDK's retries), then
// clears the failure.
func withDynamoFailure(t testing.TB, marks []string, fn func()) {
	t.Helper()
	clear := stack().DynamoFailsFor(t, "", marks...)
	defer clear()
	fn()
}

// sweep runs the expiration sweep now, as the schedule would.
func sweep(t testing.TB) {
	t.Helper()
	if err := stack().Sweep(context.Background()); err != nil {
		t.Fatalf("sweep: %v", err)
	}
}

// eventually polls cond every 50 ms until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
