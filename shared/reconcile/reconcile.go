// Package reconcile finishes or undoes the intents that requests left
// pending (docs/reliability.md): the sweep hands it each intent past
// dynamo.IntentGrace. A creation is undone (its client saw it fail: the
// Cognito user it made is deleted, and the email freed); an activation
// whose password Cognito has is completed, else dropped (the link still
// works); a deletion is finished; a status change brings Cognito to the
// table's state.
package reconcile

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gatehouse-dev/gatehouse/shared/activation"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Store is what reconciling reads and writes (*dynamo.Store).
type Store interface {
	activation.Store
	UserIDByEmail(ctx context.Context, email string) (string, error)
	ClaimUndo(ctx context.Context, in *dynamo.Intent) (bool, error)
}

// Pool is what reconciling needs of Cognito (*cognito.Pool).
type Pool interface {
	activation.Pool
	Lookup(ctx context.Context, username string) (*cognito.Account, error)
	DeleteUser(ctx context.Context, username string) error
	DisableUser(ctx context.Context, username string) error
	EnableUser(ctx context.Context, username string) error
	GlobalSignOut(ctx context.Context, username string) error
}

// Deleter finishes an account deletion (*admin.Service).
type Deleter interface {
	FinishDelete(ctx context.Context, in *dynamo.Intent) error
}

// Reconciler reconciles intents.
type Reconciler struct {
	store   Store
	pool    Pool
	deleter Deleter
	log     *slog.Logger
}

// New returns a reconciler.
func New(store Store, pool Pool, deleter Deleter, log *slog.Logger) *Reconciler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Reconciler{store: store, pool: pool, deleter: deleter, log: log}
}

// Reconcile finishes or undoes one pending intent. An error leaves it
// pending for the next run.
func (r *Reconciler) Reconcile(ctx context.Context, in *dynamo.Intent) error {
	var err error
	switch in.Kind {
	case dynamo.IntentMemberCreate:
		err = r.undoCreate(ctx, in)
	case dynamo.IntentActivate:
		err = r.activate(ctx, in)
	case dynamo.IntentAccountDelete:
		err = r.deleter.FinishDelete(ctx, in)
	case dynamo.IntentAccountStatus:
		err = r.status(ctx, in)
	default:
		return fmt.Errorf("intent %s: unknown kind %q", in.ID, in.Kind)
	}
	if err != nil {
		return fmt.Errorf("reconcile %s intent %s: %w", in.Kind, in.ID, err)
	}
	r.log.Warn("reconciled an intent left pending", "kind", in.Kind, "intent", in.ID, "user", in.UserID, "org", in.OrgID)
	return nil
}

// undoCreate deletes the Cognito user the creation made, if it made one,
// and frees the email. It claims the intent first, so a late retry of the
// request cannot complete it while the user is being deleted.
func (r *Reconciler) undoCreate(ctx context.Context, in *dynamo.Intent) error {
	if !in.Undoing {
		ok, err := r.store.ClaimUndo(ctx, in)
		if err != nil || !ok {
			return err // gone or replaced: someone finished it
		}
	}
	acc, err := r.pool.Lookup(ctx, in.Email)
	if err != nil {
		return err
	}
	if acc != nil && cognito.MadeSince(acc, in.CreatedAt) {
		id, err := r.store.UserIDByEmail(ctx, in.Email)
		switch {
		case err == nil && id == acc.Sub:
			// Completed after all: the account is someone's now.
		case err == nil || gatehouse.ErrorCode(err) == gatehouse.CodeNotFound:
			if err := r.pool.DeleteUser(ctx, in.Email); err != nil {
				return err
			}
		default:
			return err
		}
	}
	return r.store.EndIntent(ctx, in)
}

// activate finishes an activation whose password Cognito has; without
// one, nothing happened and the intent is dropped (the link still works).
func (r *Reconciler) activate(ctx context.Context, in *dynamo.Intent) error {
	acc, err := r.pool.Lookup(ctx, in.Email)
	if err != nil {
		return err
	}
	if acc == nil || acc.Status != cognito.StatusConfirmed {
		return r.store.EndIntent(ctx, in)
	}
	u, err := r.store.User(ctx, in.UserID)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return r.store.EndIntent(ctx, in)
	}
	if err != nil {
		return err
	}
	sec, err := r.store.SecretByHash(ctx, in.Data["secret"])
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound || (err == nil && sec.State != dynamo.SecretLive) || (err == nil && u.Status != gatehouse.StatusPending) {
		return r.store.EndIntent(ctx, in)
	}
	if err != nil {
		return err
	}
	return activation.Finish(ctx, r.store, r.pool, u, sec, in)
}

// status brings Cognito to the account's status in the table.
func (r *Reconciler) status(ctx context.Context, in *dynamo.Intent) error {
	u, err := r.store.User(ctx, in.UserID)
	switch {
	case gatehouse.ErrorCode(err) == gatehouse.CodeNotFound:
	case err != nil:
		return err
	case u.Status == gatehouse.StatusActive:
		if err := r.pool.EnableUser(ctx, in.Email); err != nil {
			return err
		}
	default:
		if err := r.pool.DisableUser(ctx, in.Email); err != nil {
			return err
		}
		if err := r.pool.GlobalSignOut(ctx, in.Email); err != nil {
			return err
		}
	}
	return r.store.EndIntent(ctx, in)
}
