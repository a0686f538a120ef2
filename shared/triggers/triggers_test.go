package triggers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// fakeStore is a Store whose methods the test sets; unset ones fail it.
type fakeStore struct {
	t                *testing.T
	policy           gatehouse.SignupPolicy
	hasPendingInvite func(email string) (bool, error)
}

func (f *fakeStore) Now() time.Time { return time.Now() }

func (f *fakeStore) SignupPolicy(context.Context) (gatehouse.SignupPolicy, error) {
	return f.policy, nil
}

func (f *fakeStore) User(context.Context, string) (*gatehouse.User, error) {
	f.t.Fatal("unexpected User")
	return nil, nil
}

func (f *fakeStore) CreateAccount(context.Context, *gatehouse.User, *gatehouse.Org, gatehouse.Actor) error {
	f.t.Fatal("unexpected CreateAccount")
	return nil
}

// PendingIntent: no change is under way in these tests.
func (f *fakeStore) PendingIntent(context.Context, string) (*dynamo.Intent, error) { return nil, nil }

func (f *fakeStore) HasPendingInvite(_ context.Context, email string) (bool, error) {
	if f.hasPendingInvite == nil {
		f.t.Fatal("unexpected HasPendingInvite")
	}
	return f.hasPendingInvite(email)
}

func (f *fakeStore) DomainClaim(context.Context, string) (*gatehouse.DomainClaim, error) {
	f.t.Fatal("unexpected DomainClaim")
	return nil, nil
}

func (f *fakeStore) Org(context.Context, string) (*gatehouse.Org, error) {
	f.t.Fatal("unexpected Org")
	return nil, nil
}

func (f *fakeStore) CreateAccountJoining(context.Context, *gatehouse.User, *gatehouse.Org, *gatehouse.Membership, gatehouse.Actor) error {
	f.t.Fatal("unexpected CreateAccountJoining")
	return nil
}

func TestPreSignUpInviteOnly(t *testing.T) {
	lookupFailed := errors.New("table unreachable")
	tests := []struct {
		name    string
		source  string
		pending func(string) (bool, error)
		want    error
	}{
		{"pending invite", "PreSignUp_SignUp", func(e string) (bool, error) { return e == "invited@example.com", nil }, nil},
		{"no pending invite", "PreSignUp_SignUp", func(string) (bool, error) { return false, nil }, ErrSignupRefused},
		{"lookup fails: refused with the error", "PreSignUp_SignUp", func(string) (bool, error) { return false, lookupFailed }, lookupFailed},
		{"admin-created accounts are not asked", "PreSignUp_AdminCreateUser", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New(&fakeStore{t: t, policy: gatehouse.SignupPolicy{Mode: gatehouse.SignupInviteOnly}, hasPendingInvite: tc.pending}, nil)
			ev := &events.CognitoEventUserPoolsPreSignup{}
			ev.TriggerSource = tc.source
			ev.UserName = "Invited@Example.com"
			ev.Request.UserAttributes = map[string]string{"email": " Invited@Example.com "}
			if err := h.PreSignUp(context.Background(), ev); !errors.Is(err, tc.want) {
				t.Errorf("PreSignUp = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestHandleTellsCognitoLittle checks what Cognito (and so the person
// signing up) is told and what is logged: a refusal is returned as it is
// and logged at info level; a failure is returned as ErrUnavailable, with
// its cause only in the error-level log.
func TestHandleTellsCognitoLittle(t *testing.T) {
	cause := errors.New("operation error DynamoDB: Query, https response error StatusCode: 500, RequestID: R1")
	tests := []struct {
		name      string
		pending   func(string) (bool, error)
		wantErr   error
		wantLevel string
		wantLog   string
	}{
		{"refusal", func(string) (bool, error) { return false, nil }, ErrSignupRefused, "INFO", ErrSignupRefused.Error()},
		{"failure", func(string) (bool, error) { return false, cause }, ErrUnavailable, "ERROR", "look up invites: " + cause.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := New(&fakeStore{t: t, policy: gatehouse.SignupPolicy{Mode: gatehouse.SignupInviteOnly}, hasPendingInvite: tc.pending},
				slog.New(slog.NewJSONHandler(&logs, nil)))
			raw := json.RawMessage(`{"triggerSource":"PreSignUp_SignUp","userName":"a@example.com","request":{"userAttributes":{"email":"a@example.com"}}}`)
			_, err := h.Handle(context.Background(), raw)
			if err != tc.wantErr {
				t.Fatalf("Handle = %v, want exactly %v", err, tc.wantErr)
			}
			var line struct {
				Level  string `json:"level"`
				Reason string `json:"reason"`
				Error  string `json:"error"`
			}
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("log %q: %v", logs.String(), err)
			}
			if line.Level != tc.wantLevel || (line.Reason+line.Error) != tc.wantLog {
				t.Errorf("logged %s %q, want %s %q", line.Level, line.Reason+line.Error, tc.wantLevel, tc.wantLog)
			}
		})
	}
}
