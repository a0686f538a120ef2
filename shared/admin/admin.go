// Package admin serves the platform admin routes: accounts by email
// prefix, one account (read, disable/enable, expire, resource limit,
// delete) and the sign-up policy. The authorizer lets only platform admins
// reach them (routes.PlatformAdmin).
package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Store is what the service needs of the table store (*dynamo.Store).
type Store interface {
	Now() time.Time
	NewAudit(actor gatehouse.Actor, orgID, action, target string, before, after map[string]any) gatehouse.AuditEvent
	User(ctx context.Context, userID string) (*gatehouse.User, error)
	Account(ctx context.Context, userID string) (*gatehouse.Account, error)
	UsersByEmailPrefix(ctx context.Context, prefix string, limit int, cursor string) ([]*gatehouse.User, string, error)
	UpdateAccount(ctx context.Context, before *gatehouse.User, ch dynamo.AccountChanges, actor gatehouse.Actor, force bool) (*gatehouse.User, error)
	MembershipsOfUser(ctx context.Context, userID string) ([]gatehouse.MembershipView, error)
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	RemoveMember(ctx context.Context, r dynamo.MemberRemoval) error
	Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error)
	OwnedResourcesAfter(ctx context.Context, orgID, ownerID, typ, after string, limit int) (*dynamo.ResourcePage, error)
	TransferOwnedResources(ctx context.Context, orgID, fromID, toID string, actor gatehouse.Actor) (int, error)
	UnregisterResource(ctx context.Context, r *gatehouse.Resource, actor gatehouse.Actor) error
	DeletePersonalOrg(ctx context.Context, orgID string) error
	DeleteAccountRecords(ctx context.Context, u *gatehouse.User, actor gatehouse.Actor, after map[string]any) error
	SignupPolicy(ctx context.Context) (gatehouse.SignupPolicy, error)
	PutSignupPolicy(ctx context.Context, p gatehouse.SignupPolicy, actor gatehouse.Actor) error
	// Account administration (accounts.go).
	UserIDByEmail(ctx context.Context, email string) (string, error)
	EditAccount(ctx context.Context, before *gatehouse.User, e dynamo.AccountEdit, actor gatehouse.Actor) (*gatehouse.User, error)
	ReissueActivation(ctx context.Context, sec *dynamo.Secret, actor gatehouse.Actor) error
	PlatformAuditPage(ctx context.Context, f dynamo.AuditFilter, limit int, cursor string) ([]gatehouse.AuditEvent, string, error)
	// Intents (docs/reliability.md).
	BeginIntent(ctx context.Context, in *dynamo.Intent) (*dynamo.Intent, error)
	EndIntent(ctx context.Context, in *dynamo.Intent) error
}

// Pool is the part of Cognito that account administration needs beyond
// Accounts (accounts.go), accounts named by sub too (cognito.BySub).
type Pool interface {
	SetPassword(ctx context.Context, sub, password string) error
	ChangeEmail(ctx context.Context, sub, email string) error
}

// Accounts is what the service needs of Cognito (cognito.BySub): accounts
// are named by their sub, which never changes (rule 12, docs/rules.md).
type Accounts interface {
	DisableUser(ctx context.Context, sub string) error
	EnableUser(ctx context.Context, sub string) error
	GlobalSignOut(ctx context.Context, sub string) error
	DeleteUser(ctx context.Context, sub string) error
	// HasTOTP reports whether the account signs in with a TOTP code.
	HasTOTP(ctx context.Context, sub string) (bool, error)
}

// Service is the platform admin's use cases.
type Service struct {
	store     Store
	accounts  Accounts
	catalogue *authz.Catalogue
	// requireMFA: platform admins act only with a TOTP authenticator.
	requireMFA bool
	// pool and publicURL serve account administration (accounts.go).
	pool      Pool
	publicURL string
}

// WithAdminMFA makes every route require of the platform admin a TOTP
// authenticator (authz.PlatformAdminMFA); deployments outside dev set it.
func (s *Service) WithAdminMFA(required bool) *Service {
	s.requireMFA = required
	return s
}

// checkMFA refuses a platform admin without MFA where it is required.
func (s *Service) checkMFA(ctx context.Context, caller *gatehouse.Caller) error {
	if !s.requireMFA {
		return nil
	}
	has, err := s.accounts.HasTOTP(ctx, caller.UserID)
	if err != nil {
		return err
	}
	return authz.PlatformAdminMFA(s.requireMFA, has)
}

// NewService returns the service.
func NewService(store Store, accounts Accounts, catalogue *authz.Catalogue) *Service {
	s := &Service{store: store, accounts: accounts, catalogue: catalogue}
	if p, ok := accounts.(Pool); ok {
		s.pool = p // cognito.BySub is both
	}
	return s
}

// Get returns an account and its memberships. Errors: not_found.
func (s *Service) Get(ctx context.Context, userID string) (*gatehouse.Account, error) {
	return s.store.Account(ctx, userID)
}

// Patch is the body of PATCH /v1/admin/users/{userId}; absent fields stay.
// expiresAt: an RFC 3339 time in the future, or null to clear it. force
// disables or expires an account that is the last usable owner of orgs
// (rule 9), which is refused otherwise; it is audited in each such org.
type Patch struct {
	Enabled       *bool           `json:"enabled"`
	ExpiresAt     json.RawMessage `json:"expiresAt"`
	ResourceLimit *int            `json:"resourceLimit"`
	Force         bool            `json:"force,omitempty"`
}

// Update applies a PATCH: Gatehouse first (the authorizer cuts a disabled
// account at its next request), then Cognito (disable and global sign-out,
// or enable). A Cognito failure answers 503 with the table already changed;
// repeating the PATCH converges. Errors: not_found, validation_failed,
// conflict (own account, concurrent change), last_owner (naming the orgs,
// unless p.Force), unavailable.
func (s *Service) Update(ctx context.Context, caller *gatehouse.Caller, userID string, p Patch) (_ *gatehouse.User, err error) {
	before, err := s.store.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	var v gatehouse.Validator
	var ch dynamo.AccountChanges
	now := s.store.Now()
	if p.ExpiresAt != nil {
		var exp *time.Time
		if !bytes.Equal(bytes.TrimSpace(p.ExpiresAt), []byte("null")) {
			var t time.Time
			if err := json.Unmarshal(p.ExpiresAt, &t); err != nil {
				v.Add("expiresAt", "must be an RFC 3339 time or null")
			} else if !t.After(now) {
				v.Add("expiresAt", "must be in the future; use enabled: false to cut access now")
			} else {
				t = t.UTC()
				exp = &t
			}
		}
		ch.ExpiresAt = &exp
	}
	if p.ResourceLimit != nil {
		v.Check(*p.ResourceLimit >= -1, "resourceLimit", "must be -1 (unlimited) or a number from 0")
		ch.ResourceLimit = p.ResourceLimit
	}
	if p.Enabled != nil {
		st := gatehouse.StatusDisabled
		if *p.Enabled {
			st = gatehouse.StatusActive
			exp := before.ExpiresAt
			if ch.ExpiresAt != nil {
				exp = *ch.ExpiresAt
			}
			v.Check(exp == nil || exp.After(now), "expiresAt", "the account's expiry has passed: give a new one or null to enable it")
		}
		ch.Status = &st
	}
	if p.Enabled == nil && p.ExpiresAt == nil && p.ResourceLimit == nil {
		v.Add("body", "name enabled, expiresAt and/or resourceLimit")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if userID == caller.UserID && (ch.Status != nil && *ch.Status != gatehouse.StatusActive || ch.ExpiresAt != nil && *ch.ExpiresAt != nil) {
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "a platform admin cannot disable or expire its own account")
	}
	// A change Cognito must follow is recorded first: if this request dies
	// between the table and Cognito, the sweep brings Cognito to the
	// table's state (docs/reliability.md).
	var intent *dynamo.Intent
	if p.Enabled != nil {
		if intent, err = s.beginStatusIntent(ctx, caller, before); err != nil {
			return nil, err
		}
	}
	after, err := s.store.UpdateAccount(ctx, before, ch, caller.Actor, p.Force)
	if err != nil {
		s.endIntent(ctx, intent, err)
		return nil, err
	}
	defer func() { s.endIntent(ctx, intent, err) }()
	switch {
	case after.Status != gatehouse.StatusActive && (before.Status == gatehouse.StatusActive || p.Enabled != nil):
		if err := s.accounts.DisableUser(ctx, after.ID); err != nil {
			return nil, err
		}
		if err := s.accounts.GlobalSignOut(ctx, after.ID); err != nil {
			return nil, err
		}
	case after.Status == gatehouse.StatusActive && p.Enabled != nil && *p.Enabled:
		if err := s.accounts.EnableUser(ctx, after.ID); err != nil {
			return nil, err
		}
	}
	return after, nil
}

// Resource modes of DELETE /v1/admin/users/{userId}?resources=.
const (
	ResourcesRetain   = "retain"
	ResourcesDelete   = "delete"
	ResourcesTransfer = "transfer"
)

// Delete deletes an account for good. Checks first, so that a refused
// delete changes nothing: the account must not be the last usable owner
// of an org other than its personal org (409 last_owner naming the orgs;
// force insists, and each such org's audit log records it, rule 9), and
// for transfer, transferTo must be an active account and an active member of every org
// where the account owns resources (409 conflict otherwise). Then: its
// resources per mode (retain: they stay, owned by the deleted id, a
// tombstone that owners and admins still manage; delete: unregistered one
// by one; transfer: moved to transferTo with their counters, which may
// leave transferTo over its resourceLimit, see
// dynamo.Store.TransferOwnedResources), the Cognito user, its memberships
// (its personal orgs are deleted whole, resources included, whatever the
// mode), and last its profile and email reservation. Every step is
// idempotent, so a DELETE that failed halfway is simply repeated. Errors:
// not_found, validation_failed, conflict (own account, transferTo not an
// active member), last_owner, unavailable.
func (s *Service) Delete(ctx context.Context, caller *gatehouse.Caller, userID, mode, transferTo string, force bool) error {
	if mode == "" {
		mode = ResourcesRetain
	}
	switch mode {
	case ResourcesRetain, ResourcesDelete, ResourcesTransfer:
	default:
		return gatehouse.Invalid(gatehouse.FieldError{Field: "resources", Message: "must be retain, transfer or delete"})
	}
	switch {
	case mode == ResourcesTransfer && transferTo == "":
		return gatehouse.Invalid(gatehouse.FieldError{Field: "transferTo", Message: "is required with resources=transfer"})
	case mode != ResourcesTransfer && transferTo != "":
		return gatehouse.Invalid(gatehouse.FieldError{Field: "transferTo", Message: "is only for resources=transfer"})
	case mode == ResourcesTransfer && transferTo == userID:
		return gatehouse.Invalid(gatehouse.FieldError{Field: "transferTo", Message: "must be another account"})
	}
	if userID == caller.UserID {
		return gatehouse.Errorf(gatehouse.CodeConflict, "a platform admin cannot delete its own account")
	}
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return err
	}
	views, err := s.store.MembershipsOfUser(ctx, userID)
	if err != nil {
		return err
	}
	var plans []plan
	var last []string
	for _, v := range views {
		m := v.Membership
		o, err := s.store.Org(ctx, m.OrgID)
		if err != nil {
			return err
		}
		p := plan{m: &m, org: o}
		switch {
		case o.Personal && o.Usage.Members <= 1:
			p.dropOrg = true // nobody else's: it goes with the account
		case dynamo.UsableOwner(&m) && o.Usage.Owners <= 1:
			last = append(last, o.ID)
			p.force = true
		}
		plans = append(plans, p)
	}
	if len(last) > 0 && !force {
		return dynamo.LastOwnerError(last)
	}
	if mode == ResourcesTransfer {
		if err := s.checkTransfer(ctx, userID, transferTo, plans); err != nil {
			return err
		}
	}
	actor := caller.Actor
	if mode == ResourcesTransfer {
		for _, p := range plans {
			if p.dropOrg {
				continue // goes with the org
			}
			if _, err := s.store.TransferOwnedResources(ctx, p.org.ID, userID, transferTo, actor); err != nil {
				return err
			}
		}
	}
	if mode == ResourcesDelete {
		for _, p := range plans {
			if p.dropOrg {
				continue // goes with the org
			}
			for _, typ := range s.catalogue.ResourceTypes {
				for {
					page, err := s.store.OwnedResourcesAfter(ctx, p.org.ID, userID, typ, "", dynamo.MaxPageLimit)
					if err != nil {
						return err
					}
					for _, r := range page.Resources {
						r.OrgAncestors = p.org.Ancestors
						if err := s.store.UnregisterResource(ctx, r, actor); err != nil {
							return err
						}
					}
					if len(page.Resources) == 0 || !page.More {
						break
					}
				}
			}
		}
	}
	// The point of no return: recorded first, so that a request that dies
	// past it is finished by a retry or the sweep (docs/reliability.md).
	intent, err := s.beginDeleteIntent(ctx, caller, u, mode, transferTo, force)
	if err != nil {
		return err
	}
	if err := s.accounts.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	for _, p := range plans {
		if p.dropOrg {
			if err := s.store.DeletePersonalOrg(ctx, p.org.ID); err != nil {
				return err
			}
			continue
		}
		after := map[string]any{"reason": "account deleted"}
		if p.force {
			after["force"], after["lastOwner"] = true, true
		}
		ev := s.store.NewAudit(actor, p.org.ID, "member.remove", userID, nil, after)
		if err := s.store.RemoveMember(ctx, dynamo.MemberRemoval{Member: p.m, Org: p.org,
			Force: p.force, Audit: []gatehouse.AuditEvent{ev}}); err != nil && gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
			return err
		}
	}
	after := map[string]any{"resources": mode}
	if len(last) > 0 {
		after["force"], after["lastOwnerOf"] = true, last
	}
	if mode == ResourcesTransfer {
		after["transferTo"] = transferTo
	}
	if err := s.store.DeleteAccountRecords(ctx, u, actor, after); err != nil {
		return err
	}
	s.endIntent(ctx, intent, nil)
	return nil
}

// plan is what Delete does with one membership of the account.
type plan struct {
	m       *gatehouse.Membership
	org     *gatehouse.Org
	dropOrg bool // the account's personal org, with nobody else: deleted whole
	force   bool // the account is the org's last usable owner: removed on force (rule 9)
}

// checkTransfer refuses a transfer before anything changes: transferTo
// must be an active account, and an active member of every org (other than
// those deleted with the account) where userID owns resources.
func (s *Service) checkTransfer(ctx context.Context, userID, transferTo string, plans []plan) error {
	to, err := s.store.User(ctx, transferTo)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return gatehouse.Invalid(gatehouse.FieldError{Field: "transferTo", Message: "no such account"})
	}
	if err != nil {
		return err
	}
	now := s.store.Now()
	if !to.Usable(now) {
		return gatehouse.Errorf(gatehouse.CodeConflict, "the account %s is not active", transferTo)
	}
	for _, p := range plans {
		if p.dropOrg {
			continue
		}
		page, err := s.store.OwnedResourcesAfter(ctx, p.org.ID, userID, "", "", 1)
		if err != nil {
			return err
		}
		if len(page.Resources) == 0 {
			continue
		}
		m, err := s.store.Membership(ctx, p.org.ID, transferTo)
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
			return gatehouse.Errorf(gatehouse.CodeConflict, "%s is not a member of org %s, where the account owns resources", transferTo, p.org.ID)
		}
		if err != nil {
			return err
		}
		if !m.Usable(now) {
			return gatehouse.Errorf(gatehouse.CodeConflict, "%s is not an active member of org %s, where the account owns resources", transferTo, p.org.ID)
		}
	}
	return nil
}

// PolicyInput is the body of PUT /v1/admin/signup-policy. mode is
// required; every other field left out takes the value of
// gatehouse.DefaultSignupPolicy (the policy of a new platform), never a
// zero value: sending only a mode must not turn personal orgs off or make
// every new account's resource limit 0.
type PolicyInput struct {
	Mode           gatehouse.SignupMode `json:"mode"`
	AllowedEmails  []string             `json:"allowedEmails,omitempty" jsonschema:"default=[]"`
	AllowedDomains []string             `json:"allowedDomains,omitempty" jsonschema:"default=[]"`
	// DefaultResourceLimit is the resourceLimit of accounts that sign up;
	// -1 is unlimited.
	DefaultResourceLimit *int `json:"defaultResourceLimit" jsonschema:"default=-1,minimum=-1"`
	// PersonalOrg gives each account that signs up an org of its own.
	PersonalOrg *bool `json:"personalOrg" jsonschema:"default=true"`
}

// Policy is the policy the body describes, defaults filled in.
func (in PolicyInput) Policy() gatehouse.SignupPolicy {
	p := gatehouse.DefaultSignupPolicy()
	p.Mode, p.AllowedEmails, p.AllowedDomains = in.Mode, in.AllowedEmails, in.AllowedDomains
	if in.DefaultResourceLimit != nil {
		p.DefaultResourceLimit = *in.DefaultResourceLimit
	}
	if in.PersonalOrg != nil {
		p.PersonalOrg = *in.PersonalOrg
	}
	return p
}

// Policy validates and stores the sign-up policy. Errors: validation_failed.
func (s *Service) Policy(ctx context.Context, caller *gatehouse.Caller, p gatehouse.SignupPolicy) (gatehouse.SignupPolicy, error) {
	var v gatehouse.Validator
	v.Check(slices.Contains([]gatehouse.SignupMode{gatehouse.SignupOpen, gatehouse.SignupAllowlist, gatehouse.SignupInviteOnly}, p.Mode),
		"mode", "must be open, allowlist or invite_only")
	for i, e := range p.AllowedEmails {
		e = dynamo.NormalizeEmail(e)
		local, domain, ok := strings.Cut(e, "@")
		v.Check(ok && local != "" && strings.Contains(domain, "."), "allowedEmails["+strconv.Itoa(i)+"]", "is not an email address")
		p.AllowedEmails[i] = e
	}
	for i, d := range p.AllowedDomains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		v.Check(d != "" && strings.Contains(d, ".") && !strings.ContainsAny(d, "@ /"), "allowedDomains["+strconv.Itoa(i)+"]", "is not a domain")
		p.AllowedDomains[i] = d
	}
	v.Check(p.Mode != gatehouse.SignupAllowlist || len(p.AllowedEmails)+len(p.AllowedDomains) > 0,
		"allowedEmails", "an allowlist needs at least one email or domain")
	v.Check(len(p.AllowedEmails) <= 1000 && len(p.AllowedDomains) <= 1000, "allowedEmails", "at most 1000 emails and 1000 domains")
	v.Check(p.DefaultResourceLimit >= -1, "defaultResourceLimit", "must be -1 (unlimited) or a number from 0")
	if err := v.Err(); err != nil {
		return gatehouse.SignupPolicy{}, err
	}
	if err := s.store.PutSignupPolicy(ctx, p, caller.Actor); err != nil {
		return gatehouse.SignupPolicy{}, err
	}
	return s.store.SignupPolicy(ctx)
}

// UsersQuery is the query of GET /v1/admin/users: the page and the email
// prefix to search.
type UsersQuery struct {
	apigw.PageQuery
	Email string `query:"email"`
}

// DeleteQuery is the query of DELETE /v1/admin/users/{userId}: what
// becomes of the account's resources (retain, transfer or delete) and, to
// transfer, to whom.
type DeleteQuery struct {
	Resources  string `query:"resources" jsonschema:"enum=retain,enum=transfer,enum=delete,default=retain"`
	TransferTo string `query:"transferTo"`
	// Force deletes an account that is the last usable owner of orgs
	// (rule 9), which is refused otherwise; audited in each such org.
	Force bool `query:"force"`
}

// NewMux returns the HTTP handlers of the admin function.
func NewMux(svc *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnAdmin, log)
	apigw.List(m, "GET /v1/admin/users", func(ctx context.Context, r *apigw.Request, q UsersQuery) ([]*gatehouse.User, string, error) {
		if err := svc.checkMFA(ctx, r.Caller); err != nil {
			return nil, "", err
		}
		return svc.store.UsersByEmailPrefix(ctx, q.Email, q.Limit, q.Cursor)
	})
	apigw.Handle(m, "GET /v1/admin/users/{userId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*gatehouse.Account, error) {
		return withMFA(ctx, svc, r, func() (*gatehouse.Account, error) { return svc.Get(ctx, r.Param("userId")) })
	})
	apigw.Handle(m, "PATCH /v1/admin/users/{userId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, p Patch) (*gatehouse.User, error) {
		return withMFA(ctx, svc, r, func() (*gatehouse.User, error) { return svc.Update(ctx, r.Caller, r.Param("userId"), p) })
	})
	apigw.Handle(m, "DELETE /v1/admin/users/{userId}", 0, func(ctx context.Context, r *apigw.Request, q DeleteQuery) (apigw.Empty, error) {
		return withMFA(ctx, svc, r, func() (apigw.Empty, error) {
			return apigw.Empty{}, svc.Delete(ctx, r.Caller, r.Param("userId"), q.Resources, q.TransferTo, q.Force)
		})
	})
	apigw.Handle(m, "GET /v1/admin/signup-policy", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (gatehouse.SignupPolicy, error) {
		return withMFA(ctx, svc, r, func() (gatehouse.SignupPolicy, error) { return svc.store.SignupPolicy(ctx) })
	})
	apigw.Handle(m, "PUT /v1/admin/signup-policy", http.StatusOK, func(ctx context.Context, r *apigw.Request, in PolicyInput) (gatehouse.SignupPolicy, error) {
		return withMFA(ctx, svc, r, func() (gatehouse.SignupPolicy, error) { return svc.Policy(ctx, r.Caller, in.Policy()) })
	})
	registerAccounts(m, svc) // account administration (accounts.go)
	return m
}

// withMFA runs a platform admin route after the MFA check.
func withMFA[T any](ctx context.Context, svc *Service, r *apigw.Request, fn func() (T, error)) (T, error) {
	if err := svc.checkMFA(ctx, r.Caller); err != nil {
		var zero T
		return zero, err
	}
	return fn()
}
