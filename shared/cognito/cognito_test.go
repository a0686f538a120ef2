package cognito

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// TestErrorsClassifiedByType drives the real SDK client against servers
// that fail in each way Cognito can, and checks the domain error each
// becomes.
func TestErrorsClassifiedByType(t *testing.T) {
	answer := func(typ string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"` + typ + `","message":"m"}`))
		}
	}
	hangUp := func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}
	halfAnswer := func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{\"User")
			_ = buf.Flush()
			_ = conn.Close()
		}
	}
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		return "http://" + addr
	}

	tests := []struct {
		name     string
		handler  http.HandlerFunc // nil: nothing listens
		wantCode gatehouse.Code   // "" means an internal (unclassified) error
	}{
		{"connection refused", nil, gatehouse.CodeUnavailable},
		{"connection closed before answering", hangUp, gatehouse.CodeUnavailable},
		{"connection closed mid-answer", halfAnswer, gatehouse.CodeUnavailable},
		{"user exists", answer("UsernameExistsException"), gatehouse.CodeConflict},
		{"user not found", answer("UserNotFoundException"), gatehouse.CodeNotFound},
		{"password refused", answer("InvalidPasswordException"), gatehouse.CodeValidation},
		{"a message that says EOF is not a network failure", answer("InternalErrorException\",\"message\":\"unexpected EOF"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			endpoint := refused()
			if tc.handler != nil {
				srv := httptest.NewServer(tc.handler)
				defer srv.Close()
				endpoint = srv.URL
			}
			client := cip.New(cip.Options{
				Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
				Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
			})
			err := New(client, "us-east-1_x").SetPassword(context.Background(), "a@example.com", "passw0rd!")
			if err == nil {
				t.Fatal("SetPassword succeeded, want an error")
			}
			if got := gatehouse.ErrorCode(err); got != tc.wantCode && !(tc.wantCode == "" && got == gatehouse.CodeInternal) {
				t.Errorf("code %q (%v), want %q", got, err, tc.wantCode)
			}
		})
	}
}
