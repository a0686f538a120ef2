package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newTestInvoke(t *testing.T, fns map[string]InvokeHandler) *httptest.Server {
	t.Helper()
	f := &Functions{Invoke: fns}
	srv := httptest.NewServer(&invokeEndpoint{region: "us-east-1", funcs: func() *Functions { return f }, log: slog.New(slog.DiscardHandler)})
	t.Cleanup(srv.Close)
	return srv
}

type refusal struct{}

func (refusal) Error() string { return "sign-up is not allowed for this email" }

func TestInvokeEndpoint(t *testing.T) {
	echo := func(_ context.Context, in json.RawMessage) (json.RawMessage, error) { return in, nil }
	srv := newTestInvoke(t, map[string]InvokeHandler{
		"triggers": echo,
		"refuses":  func(context.Context, json.RawMessage) (json.RawMessage, error) { return nil, refusal{} },
		"plain":    func(context.Context, json.RawMessage) (json.RawMessage, error) { return nil, errors.New("boom") },
		"panics":   func(context.Context, json.RawMessage) (json.RawMessage, error) { panic("oops") },
	})
	tests := []struct {
		name, path    string
		wantStatus    int
		wantFnError   string
		wantBody      string
		wantErrorType string
	}{
		{"result", "/2015-03-31/functions/triggers/invocations", 200, "", `{"a":1}`, ""},
		{"by ARN and qualifier", "/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:triggers:$LATEST/invocations", 200, "", `{"a":1}`, ""},
		{"function error", "/2015-03-31/functions/refuses/invocations", 200, "Unhandled",
			`{"errorMessage":"sign-up is not allowed for this email","errorType":"refusal"}`, ""},
		{"plain error", "/2015-03-31/functions/plain/invocations", 200, "Unhandled",
			`{"errorMessage":"boom","errorType":"errorString"}`, ""},
		{"panic", "/2015-03-31/functions/panics/invocations", 200, "Unhandled", "", ""},
		{"unknown function", "/2015-03-31/functions/nope/invocations", 404, "", "", "ResourceNotFoundException"},
		{"unknown operation", "/2015-03-31/functions", 404, "", "", "UnknownOperationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, must(http.NewRequest("POST", srv.URL+tt.path, strings.NewReader(`{"a":1}`))))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, body, tt.wantStatus)
			}
			if got := resp.Header.Get("X-Amz-Function-Error"); got != tt.wantFnError {
				t.Errorf("X-Amz-Function-Error %q, want %q", got, tt.wantFnError)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body %s, want %s", body, tt.wantBody)
			}
			if got := resp.Header.Get("X-Amzn-Errortype"); got != tt.wantErrorType {
				t.Errorf("X-Amzn-ErrorType %q, want %q", got, tt.wantErrorType)
			}
		})
	}
}

func TestInvokeEventIsAccepted(t *testing.T) {
	done := make(chan struct{})
	srv := newTestInvoke(t, map[string]InvokeHandler{"sweeper": func(context.Context, json.RawMessage) (json.RawMessage, error) {
		close(done)
		return nil, nil
	}})
	req := must(http.NewRequest("POST", srv.URL+"/2015-03-31/functions/sweeper/invocations", strings.NewReader(`{}`)))
	req.Header.Set("X-Amz-Invocation-Type", "Event")
	if resp, _ := do(t, req); resp.StatusCode != 202 {
		t.Fatalf("status %d, want 202", resp.StatusCode)
	}
	<-done
}

func TestFunctionName(t *testing.T) {
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"/2015-03-31/functions/triggers/invocations", "triggers", true},
		{"/2015-03-31/functions/triggers:prod/invocations", "triggers", true},
		{"/2015-03-31/functions/arn:aws:lambda:eu-west-1:1:function:sweeper/invocations", "sweeper", true},
		{"/2015-03-31/functions//invocations", "", false},
		{"/2015-03-31/functions/a/b/invocations", "", false},
		{"/other", "", false},
	}
	for _, tt := range tests {
		got, ok := functionName(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("functionName(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStartFailsCleanlyWithoutCognitoLocal(t *testing.T) {
	_, err := Start(context.Background(), Options{
		DataDir:         t.TempDir(),
		APIAddr:         "127.0.0.1:0",
		CognitoLocalBin: filepath.Join(t.TempDir(), "no-cognito-local"),
		Console:         io.Discard,
	})
	if err == nil || !strings.Contains(err.Error(), "start cognito-local") {
		t.Fatalf("Start: %v, want a cognito-local start error", err)
	}
}

func TestConfirmationCodeFromCodesFile(t *testing.T) {
	// Lines as the preload appends them; a second code for the same user
	// (resent) wins.
	c := &cognitoLocal{dir: t.TempDir()}
	if got := c.confirmationCode("sub-1"); got != "" {
		t.Errorf("no codes file: code %q, want none", got)
	}
	if err := os.MkdirAll(filepath.Dir(c.codesFile()), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.codesFile(), []byte("sub-1 111111\nsub-2 222222\nsub-10 999999\nsub-1 333333\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for sub, want := range map[string]string{"sub-1": "333333", "sub-2": "222222", "sub-3": ""} {
		if got := c.confirmationCode(sub); got != want {
			t.Errorf("%s: code %q, want %q", sub, got, want)
		}
	}
}
