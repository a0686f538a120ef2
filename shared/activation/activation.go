// Package activation is the account activation use case: an account created
// without a password (members.CreateInput with activation "display" or
// "email") gets one with its single-use activation token.
//
// POST /v1/activate is public (the token is the credential), so it runs in
// a function of its own whose dependencies can only read a secret and a
// profile, set a password and activate: nothing that creates or deletes
// accounts or memberships is within its reach.
package activation

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Store is what activation reads and writes.
type Store interface {
	Now() time.Time
	SecretByHash(ctx context.Context, hash string) (*dynamo.Secret, error)
	User(ctx context.Context, userID string) (*gatehouse.User, error)
	NewAudit(actor gatehouse.Actor, orgID, action, target string, before, after map[string]any) gatehouse.AuditEvent
	// Activate spends the secret and makes the account active, in one
	// transaction.
	Activate(ctx context.Context, sec *dynamo.Secret, ev gatehouse.AuditEvent) error
	// Intents (docs/reliability.md): recorded before Cognito is called,
	// ended by the transaction that activates.
	BeginIntent(ctx context.Context, in *dynamo.Intent) (*dynamo.Intent, error)
	EndIntent(ctx context.Context, in *dynamo.Intent) error
	CompleteActivation(ctx context.Context, sec *dynamo.Secret, ev gatehouse.AuditEvent, in *dynamo.Intent) error
}

// Pool is the part of Cognito activation needs.
type Pool interface {
	SetPassword(ctx context.Context, username, password string) error
	SetEmailVerified(ctx context.Context, username string, verified bool) error
}

// Service is the activation use case.
type Service struct {
	store Store
	pool  Pool
}

// NewService returns the use case over its dependencies.
func NewService(store Store, pool Pool) *Service { return &Service{store: store, pool: pool} }

// Activate sets the password of an account created without one and makes
// it active. Cognito's password is set first, then the secret is spent and
// the account activated in one transaction: if that fails the link still
// works and the account stays pending (retrying is safe).
// actor carries the request id and source IP; the account is the actor.
func (s *Service) Activate(ctx context.Context, actor gatehouse.Actor, token, password string) error {
	var v gatehouse.Validator
	v.Check(token != "", "token", "required")
	v.Check(gatehouse.ValidPassword(password), "password", "at least 8 characters with letters and digits")
	if err := v.Err(); err != nil {
		return err
	}
	if ids.SecretKind(token) != "ghv" || len(token) > 200 {
		return gatehouse.NotFound("token")
	}
	sec, err := s.store.SecretByHash(ctx, ids.Hash(token))
	if err != nil {
		return err
	}
	if sec.Kind != dynamo.SecretActivation {
		return gatehouse.NotFound("token")
	}
	if sec.State != dynamo.SecretLive {
		return gatehouse.Errorf(gatehouse.CodeConflict, "the activation link was already used")
	}
	if !s.store.Now().Before(sec.ExpiresAt) {
		return gatehouse.Errorf(gatehouse.CodeExpired, "the activation link has expired; ask for a new one")
	}
	u, err := s.store.User(ctx, sec.UserID)
	if err != nil {
		return err
	}
	if u.Status != gatehouse.StatusPending {
		return gatehouse.Errorf(gatehouse.CodeConflict, "the account is not pending activation")
	}
	actor.UserID = u.ID
	// The intent first: once Cognito has the password, the activation is
	// finished by a retry with the same link or by the sweep, never left
	// half-done (docs/reliability.md).
	in := dynamo.NewIntent(dynamo.IntentActivate, u.Email, s.store.Now())
	in.UserID, in.OrgID, in.Fingerprint, in.Actor = u.ID, sec.OrgID, sec.Hash, actor
	in.Data["secret"] = sec.Hash
	in, err = s.store.BeginIntent(ctx, in)
	if err != nil {
		return err
	}
	if err := s.pool.SetPassword(ctx, dynamo.NormalizeEmail(u.Email), password); err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.CodeValidation {
			// Refused: nothing changed in Cognito.
			_ = s.store.EndIntent(context.WithoutCancel(ctx), in)
		}
		return err
	}
	return Finish(ctx, s.store, s.pool, u, sec, in)
}

// Finish completes an activation whose password Cognito has: the address
// is verified in Cognito, then the secret is spent, the account activated
// and the intent ended in one transaction. Activate and the sweep
// (shared/reconcile) share it.
func Finish(ctx context.Context, store Store, pool Pool, u *gatehouse.User, sec *dynamo.Secret, in *dynamo.Intent) error {
	// The link reached the mailbox (or the org controls its domain, rule
	// 11): activating proves the address, in Cognito as in the profile.
	if !u.EmailVerified {
		if err := pool.SetEmailVerified(ctx, dynamo.NormalizeEmail(u.Email), true); err != nil {
			return err
		}
	}
	ev := store.NewAudit(in.Actor, sec.OrgID, "account.activate", u.ID,
		map[string]any{"status": gatehouse.StatusPending}, map[string]any{"status": gatehouse.StatusActive})
	return store.CompleteActivation(ctx, sec, ev, in)
}

// Input is the body of POST /v1/activate.
type Input struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// Result is the answer of an activation.
type Result struct {
	Status string `json:"status"`
}

// NewMux returns the activate function's one route.
func NewMux(svc *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnActivate, log)
	apigw.Handle(m, "POST /v1/activate", http.StatusOK, func(ctx context.Context, r *apigw.Request, in Input) (Result, error) {
		if err := svc.Activate(ctx, r.Caller.Actor, in.Token, in.Password); err != nil {
			return Result{}, err
		}
		return Result{Status: "active"}, nil
	})
	return m
}
