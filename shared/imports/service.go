// Package imports is the bulk import of members (docs/imports.md): up to
// 1,000 rows (JSON or CSV) applied one by one through the same use cases as
// single creation (members.Service.Create: rules 6, 8 and 11, quotas and
// limits; groups.Service.AddMember; members.Service.SetLimits), with an
// outcome per row, idempotent by email, and a job whose counters a client
// can read while it runs.
package imports

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/members"
)

// Members is the membership use case the rows go through (single creation's).
type Members interface {
	Create(ctx context.Context, c *gatehouse.Caller, orgID string, in members.CreateInput) (*members.CreateResult, error)
}

// Groups lists the org's groups (rows name them by id or name).
type Groups interface {
	List(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.Group, string, error)
}

// Store is what the import reads and writes itself (*dynamo.Store).
type Store interface {
	Now() time.Time
	UserIDByEmail(ctx context.Context, email string) (string, error)
	Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error)
	PendingInviteOf(ctx context.Context, orgID, email string) (bool, error)
	CreateImport(ctx context.Context, j *gatehouse.ImportJob, ev gatehouse.AuditEvent) error
	ImportProgress(ctx context.Context, j *gatehouse.ImportJob) error
	FinishImport(ctx context.Context, j *gatehouse.ImportJob, ev gatehouse.AuditEvent) error
	Import(ctx context.Context, orgID, importID string) (*gatehouse.ImportJob, error)
	ImportsPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.ImportJob, string, error)
	NewAudit(actor gatehouse.Actor, orgID, action, target string, before, after map[string]any) gatehouse.AuditEvent
}

// Config tunes an import.
type Config struct {
	// Budget is how long one request processes rows; the rows left when it
	// runs out are not_processed (status partial). API Gateway ends an
	// integration at 30 s; a Lambda context's deadline, when sooner, wins
	// (less a margin to write the results).
	Budget time.Duration
	// Workers is how many rows are applied at once. Every row that takes a
	// seat updates the same org item (its counters), and concurrent
	// transactions on one item conflict (TransactionConflict, retried), so
	// more workers buy little; two overlap one row's Cognito call with
	// another's transaction. Cognito's AdminCreateUser quota, shared by
	// the whole account, bounds an import in AWS too (docs/imports.md).
	Workers int
	// ProgressEvery is how often the job's counters are written while it runs.
	ProgressEvery time.Duration
}

// DefaultConfig is the configuration when nothing else is set.
func DefaultConfig() Config {
	return Config{Budget: 22 * time.Second, Workers: 2, ProgressEvery: 500 * time.Millisecond}
}

// Service is the import use case.
type Service struct {
	store   Store
	members Members
	groups  Groups
	cfg     Config
	log     *slog.Logger
}

// NewService returns the use case.
func NewService(store Store, m Members, g Groups, cfg Config, log *slog.Logger) *Service {
	def := DefaultConfig()
	if cfg.Budget <= 0 {
		cfg.Budget = def.Budget
	}
	if cfg.Workers <= 0 {
		cfg.Workers = def.Workers
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = def.ProgressEvery
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, members: m, groups: g, cfg: cfg, log: log}
}

// resultMargin is kept from a Lambda deadline to write the results.
const resultMargin = 3 * time.Second

// Run imports the rows of in into an org and returns the job with every
// row's outcome.
func (s *Service) Run(ctx context.Context, c *gatehouse.Caller, orgID string, in Input) (*gatehouse.ImportJob, error) {
	rows, err := in.rows()
	if err != nil {
		return nil, err
	}
	groupIDs, err := s.groupIndex(ctx, orgID)
	if err != nil {
		return nil, err
	}
	now := s.store.Now()
	j := &gatehouse.ImportJob{ID: ids.New("job"), OrgID: orgID, Status: gatehouse.ImportRunning, Total: len(rows),
		CreatedBy: c.UserID, CreatedAt: now, UpdatedAt: now}
	format := "json"
	if in.CSV != "" {
		format = "csv"
	}
	if err := s.store.CreateImport(ctx, j, s.store.NewAudit(c.Actor, orgID, "import.start", j.ID, nil,
		map[string]any{"rows": len(rows), "format": format})); err != nil {
		return nil, err
	}

	deadline := time.Now().Add(s.cfg.Budget)
	if d, ok := ctx.Deadline(); ok && d.Add(-resultMargin).Before(deadline) {
		deadline = d.Add(-resultMargin)
	}
	results := make([]gatehouse.ImportRowResult, len(rows))
	var counts [5]atomic.Int64 // processed, created, invited, skipped, refused
	count := func(outcome string) {
		counts[0].Add(1)
		if k := outcomeIndex(outcome); k > 0 {
			counts[k].Add(1)
		}
	}
	seen := map[string]int{}
	work := make(chan int)
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(func() {
			for i := range work {
				r := s.apply(ctx, c, orgID, i+1, rows[i].row, groupIDs)
				results[i] = r
				count(r.Outcome)
			}
		})
	}
	snapshot := func() {
		j.Processed, j.Created, j.Invited = int(counts[0].Load()), int(counts[1].Load()), int(counts[2].Load())
		j.Skipped, j.Refused = int(counts[3].Load()), int(counts[4].Load())
	}
	stopProgress := s.progress(ctx, j, snapshot)
	for i, p := range rows {
		email := dynamo.NormalizeEmail(p.row.Email)
		switch first, dup := seen[email]; {
		case len(p.fields) > 0:
			results[i] = refusedFields(i+1, p.row.Email, p.fields)
		case dup && email != "":
			results[i] = gatehouse.ImportRowResult{Row: i + 1, Email: p.row.Email, Outcome: gatehouse.RowSkipped,
				Message: "the same email as row " + itoa(first)}
		case time.Now().After(deadline):
			results[i] = gatehouse.ImportRowResult{Row: i + 1, Email: p.row.Email, Outcome: gatehouse.RowNotProcessed,
				Message: "the request's time budget ran out before this row; run the same file again"}
		default:
			seen[email] = i + 1
			work <- i
			continue
		}
		count(results[i].Outcome)
	}
	close(work)
	wg.Wait()
	stopProgress()

	snapshot()
	j.Status = gatehouse.ImportDone
	for _, r := range results {
		if r.Outcome == gatehouse.RowNotProcessed {
			j.Status = gatehouse.ImportPartial
		}
	}
	end := s.store.Now()
	j.UpdatedAt, j.FinishedAt, j.Results = end, &end, results
	ev := s.store.NewAudit(c.Actor, orgID, "import.finish", j.ID, nil, map[string]any{"status": j.Status, "rows": j.Total,
		"created": j.Created, "invited": j.Invited, "skipped": j.Skipped, "refused": j.Refused})
	if err := s.store.FinishImport(context.WithoutCancel(ctx), j, ev); err != nil {
		return nil, err
	}
	return j, nil
}

// progress writes the job's counters every ProgressEvery until stopped.
func (s *Service) progress(ctx context.Context, j *gatehouse.ImportJob, snapshot func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(s.cfg.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				snapshot()
				if err := s.store.ImportProgress(ctx, j); err != nil {
					s.log.Warn("import progress not written", "import", j.ID, "error", err)
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func outcomeIndex(o string) int {
	switch o {
	case gatehouse.RowCreated:
		return 1
	case gatehouse.RowInvited:
		return 2
	case gatehouse.RowSkipped:
		return 3
	case gatehouse.RowRefused:
		return 4
	}
	return 0 // not_processed: counted as processed only
}

// groupIndex maps the org's group ids and lower-case names to ids.
func (s *Service) groupIndex(ctx context.Context, orgID string) (map[string]string, error) {
	out := map[string]string{}
	cursor := ""
	for {
		gs, next, err := s.groups.List(ctx, orgID, 100, cursor)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			if g.ID == dynamo.GroupAll {
				continue
			}
			out[g.ID] = g.ID
			out[strings.ToLower(g.Name)] = g.ID
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// apply applies one row: skipped when the email is already a member or
// invited (idempotence), else the members use case creates the account
// and membership, with the row's groups and limits, in one transaction,
// or, for an existing account, an invite (rule 11).
func (s *Service) apply(ctx context.Context, c *gatehouse.Caller, orgID string, n int, r Row, groupIDs map[string]string) gatehouse.ImportRowResult {
	res := gatehouse.ImportRowResult{Row: n, Email: r.Email}
	var v gatehouse.Validator
	v.Check(gatehouse.ValidEmail(strings.TrimSpace(r.Email)), "email", "must be an email address")
	var gids []string
	for _, g := range r.Groups {
		id, ok := groupIDs[strings.ToLower(g)]
		v.Check(ok, "groups", "%q is not a group of the org", g)
		gids = append(gids, id)
	}
	for name, l := range map[string]*int{"userLimit": r.UserLimit, "resourceLimit": r.ResourceLimit} {
		v.Check(l == nil || *l >= -1, name, "-1 (unlimited), 0 or more")
	}
	if err := v.Err(); err != nil {
		return refused(res, err)
	}
	if len(r.Roles) == 0 {
		r.Roles = []string{authz.RoleViewer}
	}
	email := strings.TrimSpace(r.Email)
	if invited, err := s.store.PendingInviteOf(ctx, orgID, email); err != nil {
		return s.failed(res, err)
	} else if invited {
		res.Outcome, res.Message = gatehouse.RowSkipped, "already invited"
		return res
	}
	if uid, err := s.store.UserIDByEmail(ctx, email); err == nil {
		if _, err := s.store.Membership(ctx, orgID, uid); err == nil {
			res.Outcome, res.UserID, res.Message = gatehouse.RowSkipped, uid, "already a member"
			return res
		} else if gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
			return s.failed(res, err)
		}
	} else if gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		return s.failed(res, err)
	}
	// The activation link is always emailed: an import never hands back
	// (or stores) a link that signs someone in.
	// Groups and limits are given in the creation's one transaction.
	out, err := s.members.Create(ctx, c, orgID, members.CreateInput{Email: email, Name: r.Name, Roles: r.Roles,
		Activation: members.ActivationEmail, ExpiresAt: r.ExpiresAt,
		Groups: gids, UserLimit: r.UserLimit, ResourceLimit: r.ResourceLimit})
	if err != nil {
		return s.failed(res, err)
	}
	if out.Invite != nil {
		res.Outcome, res.InviteID = gatehouse.RowInvited, out.Invite.Invite.ID
		res.Message = "the email has an account: it joins by accepting the invite (groups and limits are not applied)"
		return res
	}
	res.Outcome, res.UserID = gatehouse.RowCreated, out.Member.UserID
	return res
}

// failed is a row refused by a rule, a quota or a limit (a domain error),
// or by an unexpected failure (logged; the row says internal).
func (s *Service) failed(res gatehouse.ImportRowResult, err error) gatehouse.ImportRowResult {
	if _, ok := errors.AsType[*gatehouse.Error](err); !ok || gatehouse.ErrorCode(err) == gatehouse.CodeInternal {
		s.log.Error("import row failed", "row", res.Row, "error", err)
	}
	return refused(res, err)
}

func refused(res gatehouse.ImportRowResult, err error) gatehouse.ImportRowResult {
	res.Outcome = gatehouse.RowRefused
	if e, ok := errors.AsType[*gatehouse.Error](err); ok && e.Code != gatehouse.CodeInternal {
		res.Code, res.Reason, res.Limit, res.Message, res.Fields = e.Code, e.Reason, e.Limit, e.Message, e.Fields
		return res
	}
	res.Code, res.Message = gatehouse.CodeInternal, "an unexpected failure; run the same file again"
	return res
}

func refusedFields(n int, email string, fields []gatehouse.FieldError) gatehouse.ImportRowResult {
	return refused(gatehouse.ImportRowResult{Row: n, Email: email}, gatehouse.Invalid(fields...))
}

func itoa(n int) string { return strconv.Itoa(n) }

// Get returns an import job: its counters while it runs, its rows'
// outcomes once it has ended.
func (s *Service) Get(ctx context.Context, orgID, importID string) (*gatehouse.ImportJob, error) {
	if !strings.HasPrefix(importID, "job_") || strings.Contains(importID, "#") {
		return nil, gatehouse.NotFound("import")
	}
	return s.store.Import(ctx, orgID, importID)
}

// List returns one page of the org's import jobs (counters, no results),
// in id order: a client finds a running import here and polls it.
func (s *Service) List(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.ImportJob, string, error) {
	return s.store.ImportsPage(ctx, orgID, limit, cursor)
}
