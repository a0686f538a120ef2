package admin

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/profiles"
)

// Account administration (issue 17, item 5): the platform admin edits an
// account's profile, email and password, gives a pending account a new
// activation link, and reads the platform audit. Each Cognito call is in a
// method of its own (setPassword, changeEmail), so that a reliability
// layer can wrap exactly those.

// ActivationTTL is how long a re-issued activation link works.
const ActivationTTL = 7 * 24 * time.Hour

// AccountPatch is the body of PATCH /v1/admin/users/{userId}/profile; a
// field left out stays, "" clears a profile field. Password: blank (or
// absent) keeps the old one.
type AccountPatch struct {
	Name     *string `json:"name"`
	Email    *string `json:"email"`
	Phone    *string `json:"phone"`
	TimeZone *string `json:"timeZone"`
	Language *string `json:"language"`
	Password *string `json:"password"`
}

// EditAccount applies an AccountPatch. Validation first, so that bad input
// changes nothing. A new password is set in Cognito first (a password the
// pool refuses changes nothing) and activates a pending account; then the
// table changes in one transaction (profile, email and its uniqueness item,
// audit); then Cognito's email. If Cognito refuses or cannot take the new
// email, the table's email is put back and the error answered. Errors:
// not_found, validation_failed, conflict (email taken, concurrent change),
// unavailable.
func (s *Service) EditAccount(ctx context.Context, caller *gatehouse.Caller, userID string, p AccountPatch) (*gatehouse.User, error) {
	var v gatehouse.Validator
	v.Check(p.Name != nil || p.Email != nil || p.Phone != nil || p.TimeZone != nil || p.Language != nil || p.Password != nil,
		"body", "give name, email, phone, timeZone, language and/or password")
	profiles.CheckFields(&v, "", p.Name, p.Phone, p.TimeZone, p.Language)
	if p.Email != nil {
		*p.Email = strings.TrimSpace(*p.Email)
		v.Check(gatehouse.ValidEmail(*p.Email), "email", "must be an email address")
	}
	password := ""
	if p.Password != nil {
		password = *p.Password
		v.Check(password == "" || gatehouse.ValidPassword(password), "password", "at least 8 characters with letters and digits (blank keeps the old one)")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	before, err := s.store.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	e := dynamo.AccountEdit{Profile: dynamo.ProfileChanges{Name: p.Name, Phone: p.Phone, TimeZone: p.TimeZone, Language: p.Language}}
	if p.Email != nil && dynamo.NormalizeEmail(*p.Email) != dynamo.NormalizeEmail(before.Email) {
		if _, err := s.store.UserIDByEmail(ctx, *p.Email); err == nil {
			return nil, dynamo.ErrEmailTaken
		} else if gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
			return nil, err
		}
		e.Email = p.Email
	}
	if password != "" {
		if err := s.setPassword(ctx, before.ID, password); err != nil {
			return nil, err
		}
		e.PasswordSet, e.Activate = true, before.Status == gatehouse.StatusPending
	}
	after, err := s.store.EditAccount(ctx, before, e, caller.Actor)
	if err != nil {
		return nil, err
	}
	if e.Email != nil {
		if err := s.changeEmail(ctx, before.ID, *e.Email); err != nil {
			// Put the table's email back: Cognito still signs the account
			// in with the old one (rule 12: both in step).
			if _, rerr := s.store.EditAccount(context.WithoutCancel(ctx), after, dynamo.AccountEdit{Email: &before.Email}, caller.Actor); rerr != nil {
				return nil, rerr
			}
			return nil, err
		}
	}
	return after, nil
}

// setPassword is the Cognito call of a new password.
func (s *Service) setPassword(ctx context.Context, sub, password string) error {
	return s.pool.SetPassword(ctx, sub, password)
}

// changeEmail is the Cognito call of an email change.
func (s *Service) changeEmail(ctx context.Context, sub, to string) error {
	return s.pool.ChangeEmail(ctx, sub, dynamo.NormalizeEmail(to))
}

// Reissued is the answer of POST /v1/admin/users/{userId}/activation: the
// new link, shown to the platform admin (rule 11 lets a platform admin
// mint an account; it passes the link on).
type Reissued struct {
	ActivationURL string    `json:"activationUrl"`
	ExpiresAt     time.Time `json:"expiresAt"`
}

// ReissueActivation gives a pending account a new activation link (the
// old one expired or was lost). Earlier links stay valid until they
// expire; the first used activates the account and spends the rest's
// purpose (activation needs a pending account). Errors: not_found,
// conflict (not pending).
func (s *Service) ReissueActivation(ctx context.Context, caller *gatehouse.Caller, userID string) (*Reissued, error) {
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.Status != gatehouse.StatusPending {
		return nil, dynamo.ErrNotPending
	}
	token := ids.Secret("ghv")
	sec := &dynamo.Secret{Hash: ids.Hash(token), Kind: dynamo.SecretActivation, UserID: u.ID, Email: u.Email,
		ExpiresAt: s.store.Now().Add(ActivationTTL)}
	if err := s.store.ReissueActivation(ctx, sec, caller.Actor); err != nil {
		return nil, err
	}
	return &Reissued{ActivationURL: s.publicURL + "/activate?token=" + token, ExpiresAt: sec.ExpiresAt}, nil
}

// WithPublicURL sets the base of the links the service hands out.
func (s *Service) WithPublicURL(url string) *Service {
	s.publicURL = url
	return s
}

// AuditQuery is the query of GET /v1/admin/audit: the filters of an org's
// audit log.
type AuditQuery struct {
	apigw.PageQuery
	Actor  string    `query:"actor"`
	Target string    `query:"target"`
	Since  time.Time `query:"since"`
}

// registerAccounts adds the account administration routes.
func registerAccounts(m *apigw.Mux, svc *Service) {
	apigw.Handle(m, "PATCH /v1/admin/users/{userId}/profile", http.StatusOK, func(ctx context.Context, r *apigw.Request, p AccountPatch) (*gatehouse.User, error) {
		return withMFA(ctx, svc, r, func() (*gatehouse.User, error) { return svc.EditAccount(ctx, r.Caller, r.Param("userId"), p) })
	})
	apigw.Handle(m, "POST /v1/admin/users/{userId}/activation", http.StatusCreated, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*Reissued, error) {
		return withMFA(ctx, svc, r, func() (*Reissued, error) { return svc.ReissueActivation(ctx, r.Caller, r.Param("userId")) })
	})
	apigw.List(m, "GET /v1/admin/audit", func(ctx context.Context, r *apigw.Request, q AuditQuery) ([]gatehouse.AuditEvent, string, error) {
		if err := svc.checkMFA(ctx, r.Caller); err != nil {
			return nil, "", err
		}
		return svc.store.PlatformAuditPage(ctx, dynamo.AuditFilter{Actor: q.Actor, Target: q.Target, Since: q.Since}, q.Limit, q.Cursor)
	})
}
