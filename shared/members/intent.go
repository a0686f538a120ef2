package members

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Direct creation under an intent (docs/reliability.md): the intent is
// recorded before Cognito is called and removed by the transaction that
// writes the profile and membership. A request that dies in between
// leaves it, and the same request retried resumes it.

// createOrAdopt creates the Cognito user, or adopts the one a previous
// attempt of the same intent created: an account that exists already is
// the intent's only if Cognito made it after the intent was recorded and
// by an admin creation (FORCE_CHANGE_PASSWORD, or CONFIRMED once its
// password was set). A self sign-up is UNCONFIRMED until its own
// confirmation, and PreSignUp refuses sign-ups while the intent is
// pending, so no other claim on the email is ever adopted. An adopted
// account gets the password this request carries, as a new one would.
func (s *Service) createOrAdopt(ctx context.Context, in *dynamo.Intent, nu cognito.NewUser) (string, error) {
	sub, err := s.pool.CreateUser(ctx, nu, temporaryPassword())
	if gatehouse.ErrorCode(err) != gatehouse.CodeConflict {
		return sub, err
	}
	acc, lerr := s.pool.Lookup(ctx, nu.Email)
	if lerr != nil {
		return "", lerr
	}
	if !Adoptable(acc, in) {
		return "", err // someone else's account: 409, as before intents
	}
	if nu.Password != "" {
		if err := s.pool.SetPassword(ctx, nu.Email, nu.Password); err != nil {
			return "", err
		}
	}
	s.log.Warn("adopted the Cognito user a previous attempt created", "intent", in.ID, "userId", acc.Sub, "org", in.OrgID)
	return acc.Sub, nil
}

// Adoptable reports whether a Cognito account is the one a pending
// creation intent made (createOrAdopt; the sweep asks the same).
func Adoptable(acc *cognito.Account, in *dynamo.Intent) bool {
	return in != nil && in.Kind == dynamo.IntentMemberCreate && cognito.MadeSince(acc, in.CreatedAt)
}

// compensate undoes the Cognito user when the transaction was refused
// (nothing was written: a limit reached meanwhile, a concurrent change),
// and leaves it, with the intent, when the outcome is unknown: the
// transaction may have committed, and a retry or the sweep decides. An
// email taken meanwhile is someone's account: its Cognito user is never
// deleted here.
func (s *Service) compensate(ctx context.Context, in *dynamo.Intent, sub string, err error) {
	if outcomeUnknown(err) {
		s.log.Warn("member creation left pending: outcome unknown", "intent", in.ID, "userId", sub, "org", in.OrgID, "error", err)
		return
	}
	if !errors.Is(err, dynamo.ErrEmailTaken) {
		if derr := s.pool.DeleteUser(context.WithoutCancel(ctx), in.Email); derr != nil {
			s.log.Error("compensation failed: Cognito user left for the sweep", "intent", in.ID, "userId", sub, "org", in.OrgID, "error", derr)
			return // the intent stays: the sweep deletes it
		}
	}
	s.endIntent(ctx, in)
}

// endIntent frees the email; a failure leaves the intent for the sweep.
func (s *Service) endIntent(ctx context.Context, in *dynamo.Intent) {
	if err := s.store.EndIntent(context.WithoutCancel(ctx), in); err != nil {
		s.log.Warn("intent left for the sweep", "intent", in.ID, "error", err)
	}
}

// outcomeUnknown: the call may or may not have taken effect (a timeout,
// an unreachable dependency, an unexpected failure), as opposed to a
// refusal, after which nothing changed.
func outcomeUnknown(err error) bool {
	switch gatehouse.ErrorCode(err) {
	case gatehouse.CodeUnavailable, gatehouse.CodeInternal:
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// createFingerprint identifies a creation request: who asks, in which org,
// for what. The password is left out (it is never stored, not even
// hashed): the retry's own password is the one set.
func createFingerprint(c *gatehouse.Caller, orgID string, in CreateInput) string {
	hasPassword := in.Password != nil
	in.Password = nil
	b, _ := json.Marshal(struct {
		Caller, Org string
		Password    bool
		In          CreateInput
	}{c.UserID, orgID, hasPassword, in})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
