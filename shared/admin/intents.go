package admin

import (
	"context"
	"strconv"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Intents of the platform admin's changes that span Cognito
// (docs/reliability.md).

// beginStatusIntent records that Cognito must follow the account's
// status. Replaceable: the latest request wins, and whoever finishes
// (this request, a retry or the sweep) applies the table's state.
func (s *Service) beginStatusIntent(ctx context.Context, caller *gatehouse.Caller, u *gatehouse.User) (*dynamo.Intent, error) {
	in := dynamo.NewIntent(dynamo.IntentAccountStatus, u.Email, s.store.Now())
	in.UserID, in.Actor, in.Replaceable, in.Fingerprint = u.ID, caller.Actor, true, "status"
	return s.store.BeginIntent(ctx, in)
}

// beginDeleteIntent records a deletion before its Cognito call, with
// what the sweep needs to finish it (Delete is idempotent step by step).
func (s *Service) beginDeleteIntent(ctx context.Context, caller *gatehouse.Caller, u *gatehouse.User, mode, transferTo string, force bool) (*dynamo.Intent, error) {
	in := dynamo.NewIntent(dynamo.IntentAccountDelete, u.Email, s.store.Now())
	in.UserID, in.Actor = u.ID, caller.Actor
	in.Data["mode"], in.Data["transferTo"], in.Data["force"] = mode, transferTo, strconv.FormatBool(force)
	in.Fingerprint = u.ID + "|" + mode + "|" + transferTo + "|" + strconv.FormatBool(force)
	return s.store.BeginIntent(ctx, in)
}

// endIntent ends an intent once its change is done, or refused with
// nothing changed; an outcome that is unknown leaves it for a retry or the
// sweep.
func (s *Service) endIntent(ctx context.Context, in *dynamo.Intent, err error) {
	if in == nil {
		return
	}
	switch gatehouse.ErrorCode(err) {
	case gatehouse.CodeUnavailable, gatehouse.CodeInternal:
		return
	}
	_ = s.store.EndIntent(context.WithoutCancel(ctx), in)
}

// FinishDelete completes a deletion left pending (the sweep): the same
// steps again, each idempotent; an account already gone is done.
func (s *Service) FinishDelete(ctx context.Context, in *dynamo.Intent) error {
	caller := &gatehouse.Caller{Actor: in.Actor}
	err := s.Delete(ctx, caller, in.UserID, in.Data["mode"], in.Data["transferTo"], in.Data["force"] == "true")
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return s.store.EndIntent(ctx, in)
	}
	return err
}
