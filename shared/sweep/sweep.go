// Package sweep is the expiration sweep: it finds accounts, memberships,
// invites and API tokens whose expiresAt has passed, through the sparse
// time-bucketed expiry index (never a Scan), marks them expired in
// Gatehouse with an audit event each, and disables expired accounts in
// Cognito. Resources and type grants sit in the same index at their
// earliest grant expiry: their expired grants are pruned and the item moves
// to its next grant expiry (dynamo.Store.ExpireEntry).
//
// A run reads the hour buckets from the cursor (less an overlap) up to
// now, at most Options.MaxItems entries, and moves the cursor past the
// buckets it drained. It is idempotent (every change is conditional and
// removes the entry from the index), resumable (a crash leaves unprocessed
// entries in the index and the cursor where it was) and bounded (Result.More
// says a further run has work). The EventBridge schedule runs it every five
// minutes; the local stack runs it on a ticker.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
)

// Store is what the sweep needs of the table store (*dynamo.Store).
type Store interface {
	Now() time.Time
	DueExpiries(ctx context.Context, bucket, now time.Time, limit int, after *dynamo.ExpiryPage) (*dynamo.ExpiryPage, error)
	ExpireEntry(ctx context.Context, e dynamo.ExpiryEntry) (bool, error)
	UserActive(ctx context.Context, userID string) (bool, error)
	SweepCursor(ctx context.Context) (time.Time, bool, error)
	AdvanceSweepCursor(ctx context.Context, bucket time.Time) error
	// DrainOrgPurges drains deleted orgs' partitions (org deletion,
	// docs/membership.md "Deleting an org").
	DrainOrgPurges(ctx context.Context, budget int) (int, bool, error)
}

// Accounts is what the sweep needs of Cognito (*cognito.Pool). Usernames
// are emails. DisableUser must treat an account already gone as done;
// GlobalSignOut must tolerate backends that lack it.
type Accounts interface {
	DisableUser(ctx context.Context, username string) error
	EnableUser(ctx context.Context, username string) error
	GlobalSignOut(ctx context.Context, username string) error
}

// Options bound a run.
type Options struct {
	// MaxItems is the most index entries one run reads (default 1000).
	MaxItems int
	// PageSize is the Limit of each query (default 100).
	PageSize int
	// Overlap is how far before the cursor a run starts again, to catch
	// entries written into an already drained bucket (an expiry set a
	// little in the past). Drained buckets cost one empty query each, no
	// item reads. Default 24h.
	Overlap time.Duration
	// Lookback is where the very first run starts (default 7 days).
	Lookback time.Duration
	// Intents reconciles the intents requests left pending
	// (shared/reconcile, docs/reliability.md); nil leaves them.
	Intents IntentReconciler
}

// IntentReconciler finishes or undoes one pending intent (docs/reliability.md).
type IntentReconciler interface {
	Reconcile(ctx context.Context, in *dynamo.Intent) error
}

func (o Options) withDefaults() Options {
	if o.MaxItems <= 0 {
		o.MaxItems = 1000
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	if o.Overlap <= 0 {
		o.Overlap = 24 * time.Hour
	}
	if o.Lookback <= 0 {
		o.Lookback = 7 * 24 * time.Hour
	}
	return o
}

// Result is what one run did.
type Result struct {
	Read     int // index entries read
	Expired  int // items marked expired, or whose expired grants were pruned
	Skipped  int // entries that changed meanwhile or failed; retried later
	Buckets  int // buckets queried
	More     bool
	Accounts int // accounts disabled in Cognito
	// Purged counts the items of deleted orgs drained (their tombstones,
	// docs/membership.md "Deleting an org").
	Purged  int
	Intents int // pending intents finished or undone
}

// Sweeper runs the sweep.
type Sweeper struct {
	store    Store
	accounts Accounts
	log      *slog.Logger
	opts     Options
}

// New returns a sweeper.
func New(store Store, accounts Accounts, log *slog.Logger, opts Options) *Sweeper {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sweeper{store: store, accounts: accounts, log: log, opts: opts.withDefaults()}
}

// Run does one bounded pass. It returns an error only when the store
// cannot be read or written at all; entries that fail one by one (Cognito
// unavailable, a concurrent change) are skipped, stay in the index and are
// retried by the next run, and their bucket keeps the cursor.
func (w *Sweeper) Run(ctx context.Context) (Result, error) {
	var res Result
	// Deleted orgs left undrained by their DELETE request: a bounded
	// share of the run, and a failure here never stops the expiry sweep.
	n, more, err := w.store.DrainOrgPurges(ctx, w.opts.MaxItems)
	res.Purged, res.More = n, more
	if err != nil {
		w.log.Warn("drain deleted orgs", "err", err)
	}
	now := w.store.Now()
	current := now.Truncate(time.Hour)
	cursor, ok, err := w.store.SweepCursor(ctx)
	if err != nil {
		return res, err
	}
	start := current.Add(-w.opts.Lookback)
	if ok {
		start = cursor.Add(-w.opts.Overlap)
	}
	// firstOpen is the first bucket this run did not drain.
	var firstOpen time.Time
	budget := w.opts.MaxItems
	for b := start; !b.After(current); b = b.Add(time.Hour) {
		drained, err := w.bucket(ctx, b, now, &budget, &res)
		if err != nil {
			w.advance(ctx, firstOpen, b)
			return res, err
		}
		if !drained && firstOpen.IsZero() {
			firstOpen = b
		}
		if budget == 0 {
			// Out of budget: the rest waits for the next run.
			res.More = true
			next := b.Add(time.Hour)
			if next.After(current) {
				next = current
			}
			w.advance(ctx, firstOpen, next)
			return res, nil
		}
	}
	// The current hour is never final: entries keep falling due in it.
	w.advance(ctx, firstOpen, current)
	return res, nil
}

// advance moves the cursor to the first bucket not drained, or to upTo
// when every bucket before it was.
func (w *Sweeper) advance(ctx context.Context, firstOpen, upTo time.Time) {
	target := upTo
	if !firstOpen.IsZero() && firstOpen.Before(upTo) {
		target = firstOpen
	}
	if err := w.store.AdvanceSweepCursor(ctx, target); err != nil {
		// Not fatal: the next run starts from the old cursor and finds
		// nothing in the drained buckets.
		w.log.Warn("sweep cursor not saved", "error", err)
	}
}

// bucket processes the due entries of one bucket within the budget. It
// reports whether the bucket is drained: every due entry read and expired.
func (w *Sweeper) bucket(ctx context.Context, b, now time.Time, budget *int, res *Result) (bool, error) {
	res.Buckets++
	drained := true
	var page *dynamo.ExpiryPage
	for {
		var err error
		page, err = w.store.DueExpiries(ctx, b, now, min(w.opts.PageSize, *budget), page)
		if err != nil {
			return false, err
		}
		res.Read += page.Read
		*budget -= len(page.Entries)
		for _, e := range page.Entries {
			ok, err := w.expire(ctx, e, res)
			if err != nil {
				if ctx.Err() != nil || isStoreFailure(err) {
					return false, err
				}
				w.log.Warn("sweep entry skipped", "kind", e.Kind, "org", e.OrgID, "user", e.UserID, "id", e.ID, "error", err)
			}
			if !ok {
				res.Skipped++
				drained = false
			}
		}
		if !page.More() {
			return drained, nil
		}
		if *budget <= 0 {
			*budget = 0
			return false, nil
		}
	}
}

// expire handles one entry. ok is false when the entry stays in the index
// (failed or changed), so its bucket is not drained.
func (w *Sweeper) expire(ctx context.Context, e dynamo.ExpiryEntry, res *Result) (bool, error) {
	if e.Kind == dynamo.ExpiryKindIntent {
		return w.reconcile(ctx, e, res)
	}
	if e.Kind == dynamo.ExpiryKindUser {
		// Cognito first: if the run dies after this, the entry is still in
		// the index and the rerun disables again (idempotent).
		if e.Email != "" {
			if err := w.accounts.DisableUser(ctx, e.Email); err != nil {
				return false, &cognitoError{fmt.Errorf("disable %s in cognito: %w", e.UserID, err)}
			}
			if err := w.accounts.GlobalSignOut(ctx, e.Email); err != nil {
				w.log.Warn("global sign-out failed", "user", e.UserID, "error", err)
			}
			res.Accounts++
		}
	}
	changed, err := w.store.ExpireEntry(ctx, e)
	switch {
	case errors.Is(err, dynamo.ErrExpiryChanged):
		if e.Kind == dynamo.ExpiryKindUser {
			w.undoDisable(ctx, e)
		}
		// Changed meanwhile: its new state has its own index entry (or
		// none); this one is gone or will be read again.
		return true, nil
	case err != nil:
		return false, err
	}
	if changed {
		res.Expired++
		w.log.Info("expired", "kind", e.Kind, "org", e.OrgID, "user", e.UserID, "id", e.ID, "expiresAt", e.ExpiresAt)
	}
	return true, nil
}

// undoDisable re-enables in Cognito an account that was extended or
// re-enabled while the sweep was expiring it.
func (w *Sweeper) undoDisable(ctx context.Context, e dynamo.ExpiryEntry) {
	active, err := w.store.UserActive(ctx, e.UserID)
	if err != nil || !active || e.Email == "" {
		return
	}
	if err := w.accounts.EnableUser(ctx, e.Email); err != nil {
		w.log.Warn("re-enable after concurrent change failed", "user", e.UserID, "error", err)
	}
}

// cognitoError marks a failure of Cognito for one account: the entry is
// skipped and the run goes on. Any other error is the store failing, and
// the run stops.
type cognitoError struct{ err error }

func (e *cognitoError) Error() string { return e.err.Error() }
func (e *cognitoError) Unwrap() error { return e.err }

func isStoreFailure(err error) bool {
	_, ok := errors.AsType[*cognitoError](err)
	return !ok
}

// Drain runs passes until nothing is left or the context's deadline is
// near (a Lambda invocation leaves a margin for the last pass to finish);
// the next scheduled run continues where it stopped.
func (w *Sweeper) Drain(ctx context.Context) error {
	for pass := 0; pass < 100; pass++ {
		res, err := w.Run(ctx)
		w.log.Info("sweep pass", "pass", pass, "read", res.Read, "expired", res.Expired,
			"skipped", res.Skipped, "buckets", res.Buckets, "accounts", res.Accounts, "more", res.More)
		if err != nil || !res.More {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < 30*time.Second {
			return nil
		}
	}
	return nil
}

// reconcile hands a due intent to the reconciler; one it cannot settle now
// stays in the index for the next run, like an account Cognito could not
// disable (docs/reliability.md).
func (w *Sweeper) reconcile(ctx context.Context, e dynamo.ExpiryEntry, res *Result) (bool, error) {
	if w.opts.Intents == nil {
		return false, nil
	}
	if err := w.opts.Intents.Reconcile(ctx, dynamo.IntentOf(e)); err != nil {
		return false, &cognitoError{err}
	}
	res.Intents++
	return true, nil
}
