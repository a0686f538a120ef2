// Package impersonation is "log in as user" (issue 17): a platform admin,
// or an owner or admin of an org over a member it may act on, starts a
// short-lived session (at most an hour) that acts as that member in that
// org only, with at most the impersonator's own rights there. The session
// is a credential like an API token: an opaque secret shown once, stored
// hashed, checked by the authorizer (shared/authorizer/impersonation.go),
// listed and revocable. Every change made through it is audited with both
// identities, and the member sees it in its own audit view (GET
// /v1/me/audit). Rules: shared/authz/rules_impersonation.go;
// docs/security.md, "Impersonation".
package impersonation

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
)

// SecretKind is the prefix of session secrets ("ghm_...", the authorizer's
// ImpersonationPrefix).
const SecretKind = "ghm"

// DefaultMinutes is a session's life when the request names none.
const DefaultMinutes = 30

// Store is what the use cases read and write (*dynamo.Store).
type Store interface {
	Now() time.Time
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error)
	CreateImpersonation(ctx context.Context, i *gatehouse.Impersonation, hash string, actor gatehouse.Actor) error
	Impersonation(ctx context.Context, orgID, id string) (*gatehouse.Impersonation, string, error)
	ImpersonationsPage(ctx context.Context, orgID, impersonatorID string, limit int, cursor string) ([]*gatehouse.Impersonation, string, error)
	RevokeImpersonation(ctx context.Context, orgID, id string, actor gatehouse.Actor) (*gatehouse.Impersonation, error)
	UserAuditPage(ctx context.Context, userID string, since time.Time, limit int, cursor string) ([]gatehouse.AuditEvent, string, error)
}

// Service holds the impersonation use cases.
type Service struct {
	store     Store
	catalogue *authz.Catalogue
}

// NewService returns the service.
func NewService(store Store, catalogue *authz.Catalogue) *Service {
	return &Service{store: store, catalogue: catalogue}
}

var sessionID = regexp.MustCompile(`^imp_[a-z2-7]{26}$`)

// Input is the body of POST /v1/orgs/{orgId}/impersonations.
type Input struct {
	// UserID is the member to act as.
	UserID string `json:"userId"`
	// Minutes is the session's life, 1 to 60 (default 30).
	Minutes int    `json:"minutes,omitempty" jsonschema:"minimum=1,maximum=60,default=30"`
	Reason  string `json:"reason,omitempty"`
}

// AdminInput is the body of POST /v1/admin/impersonations: Input and the
// org the session is bound to.
type AdminInput struct {
	OrgID   string `json:"orgId"`
	UserID  string `json:"userId"`
	Minutes int    `json:"minutes,omitempty" jsonschema:"minimum=1,maximum=60,default=30"`
	Reason  string `json:"reason,omitempty"`
}

// Started is the answer of a start: the session and its secret, shown
// this once (send it as "Authorization: Bearer <secret>").
type Started struct {
	*gatehouse.Impersonation
	Secret string `json:"secret"`
}

// Start starts a session acting as in.UserID in orgID (authz.StartsImpersonation).
// It ends after in.Minutes, and at the latest when the impersonator's own
// access does (rule 8). Errors: validation_failed, not_found (org or
// member), forbidden (escalation on an owner, missing_permission,
// not_managed, impersonation), conflict (member not active).
func (s *Service) Start(ctx context.Context, caller *gatehouse.Caller, orgID string, in Input) (*Started, error) {
	now := s.store.Now()
	var v gatehouse.Validator
	in.Reason = strings.TrimSpace(in.Reason)
	v.Check(in.UserID != "", "userId", "is required")
	v.Check(in.Minutes >= 0 && in.Minutes <= int(authz.MaxImpersonation/time.Minute), "minutes", "must be 1 to 60")
	v.Check(gatehouse.PrintableText(in.Reason, 200), "reason", "must be at most 200 printable characters")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.Minutes == 0 {
		in.Minutes = DefaultMinutes
	}
	o, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	target, err := s.store.Membership(ctx, orgID, in.UserID)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return nil, gatehouse.NotFound("member")
	}
	if err != nil {
		return nil, err
	}
	if err := authz.StartsImpersonation(caller, authz.PolicyOf(s.catalogue, o), target, nil); err != nil {
		return nil, err
	}
	if !target.Usable(now) {
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "the member is disabled or expired")
	}
	expires := now.Add(time.Duration(in.Minutes) * time.Minute)
	if caller.ExpiresAt != nil && caller.ExpiresAt.Before(expires) {
		expires = caller.ExpiresAt.UTC()
	}
	i := &gatehouse.Impersonation{
		ID: ids.New("imp"), OrgID: orgID, UserID: in.UserID, ImpersonatorID: caller.UserID,
		Reason: in.Reason, Status: gatehouse.StatusActive, ExpiresAt: expires, CreatedAt: now,
	}
	secret := ids.Secret(SecretKind)
	if err := s.store.CreateImpersonation(ctx, i, ids.Hash(secret), caller.Actor); err != nil {
		return nil, err
	}
	return &Started{Impersonation: i, Secret: secret}, nil
}

// List returns an org's sessions: all of them for owners, admins and
// platform admins, the caller's own for anyone else; never to a session.
func (s *Service) List(ctx context.Context, caller *gatehouse.Caller, orgID string, limit int, cursor string) ([]*gatehouse.Impersonation, string, error) {
	if err := authz.ManagesSessions(caller); err != nil {
		return nil, "", err
	}
	by := caller.UserID
	if authz.ActsOnImpersonation(caller, "") {
		by = ""
	}
	items, next, err := s.store.ImpersonationsPage(ctx, orgID, by, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	now := s.store.Now()
	for i, it := range items {
		items[i] = it.Shown(now)
	}
	return items, next, nil
}

// Revoke ends a session: the caller's own, or any of the org's for owners,
// admins and platform admins. Another's session is not found for anyone
// else.
func (s *Service) Revoke(ctx context.Context, caller *gatehouse.Caller, orgID, id string) error {
	if err := authz.ManagesSessions(caller); err != nil {
		return err
	}
	if !sessionID.MatchString(id) {
		return gatehouse.NotFound("session")
	}
	i, _, err := s.store.Impersonation(ctx, orgID, id)
	if err != nil {
		return err
	}
	if !authz.ActsOnImpersonation(caller, i.ImpersonatorID) {
		return gatehouse.NotFound("session")
	}
	_, err = s.store.RevokeImpersonation(ctx, orgID, id, caller.Actor)
	return err
}

// MyAudit returns a page of the caller's own audit view, newest first:
// the sessions started and ended on its account and every change made as
// it through one.
func (s *Service) MyAudit(ctx context.Context, caller *gatehouse.Caller, since time.Time, limit int, cursor string) ([]gatehouse.AuditEvent, string, error) {
	return s.store.UserAuditPage(ctx, caller.UserID, since, limit, cursor)
}

// MyAuditQuery is the query of GET /v1/me/audit.
type MyAuditQuery struct {
	apigw.PageQuery
	Since time.Time `query:"since"`
}

// RegisterOrg adds the org routes (the members function).
func RegisterOrg(m *apigw.Mux, s *Service) {
	const base = "/v1/orgs/{orgId}/impersonations"
	apigw.Handle(m, "POST "+base, http.StatusCreated, func(ctx context.Context, r *apigw.Request, in Input) (*Started, error) {
		return s.Start(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.List(m, "GET "+base, func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]*gatehouse.Impersonation, string, error) {
		return s.List(ctx, r.Caller, r.Param("orgId"), q.Limit, q.Cursor)
	})
	apigw.Handle(m, "DELETE "+base+"/{sessionId}", 0, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (apigw.Empty, error) {
		return apigw.Empty{}, s.Revoke(ctx, r.Caller, r.Param("orgId"), r.Param("sessionId"))
	})
}

// RegisterMe adds the caller's own audit view (the me function).
func RegisterMe(m *apigw.Mux, s *Service) {
	apigw.List(m, "GET /v1/me/audit", func(ctx context.Context, r *apigw.Request, q MyAuditQuery) ([]gatehouse.AuditEvent, string, error) {
		return s.MyAudit(ctx, r.Caller, q.Since, q.Limit, q.Cursor)
	})
}
