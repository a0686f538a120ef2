// Package invites is the invitation use case: invite by email, list,
// revoke, resend and accept. Account activation by token is the activation
// use case's (shared/activation), in a function of its own.
//
// Tokens are single-purpose secrets (ids.Secret: "ghi_" for invites, "ghv_"
// for activation, 256 random bits) shown once and stored only as hashes.
// Spent tokens keep their lookup item (until its TTL) so that a reused link
// gets a clear answer:
//
//	unknown token                      404 not_found
//	invite or activation already used  409 conflict
//	invite revoked                     409 conflict
//	invite link replaced by a resend   409 conflict
//	invite expired                     403 expired
//	signed-in email differs            403 forbidden, reason email_mismatch
//	signed-in email not verified       403 forbidden, reason email_unverified
//
// The verified flag is read from the profile's emailVerified first (the
// PostConfirmation trigger copies it from Cognito, direct creation sets
// it): one table read. When the profile says "not verified", Cognito's
// email_verified is asked (the email may have been verified after sign-up)
// and, if verified, the profile is corrected in the accept transaction.
package invites

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/mail"
	"github.com/gatehouse-dev/gatehouse/shared/profiles"
)

// Email rules: when an invite is emailed rather than handed to the inviter.
const (
	RuleSameDomain = "same_domain" // emailed when the invitee's domain is the inviter's (default)
	RuleAlways     = "always"
	RuleNever      = "never"
)

// Deliveries of an invite.
const (
	DeliveryEmail = "email"
	DeliveryLink  = "link"
)

// Pool is the part of Cognito the use case needs: reading whether an email
// is verified (accept).
type Pool interface {
	EmailVerified(ctx context.Context, username string) (bool, error)
}

// Config is the use case's configuration.
type Config struct {
	PublicURL string
	EmailRule string
	// TTL is an invite's default lifetime (7 days); MaxTTL its longest.
	TTL, MaxTTL time.Duration
}

// Store is what the invitation use case reads and writes
// (*dynamo.Store in production).
type Store interface {
	Now() time.Time
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	User(ctx context.Context, userID string) (*gatehouse.User, error)
	UserIDByEmail(ctx context.Context, email string) (string, error)
	LoadAuthContext(ctx context.Context, userID, orgID string) (*dynamo.AuthContext, error)
	Invite(ctx context.Context, orgID, inviteID string) (*gatehouse.Invite, error)
	InvitesPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.Invite, string, error)
	SecretByHash(ctx context.Context, hash string) (*dynamo.Secret, error)
	CreateInvite(ctx context.Context, n dynamo.NewInvite) error
	ResendInvite(ctx context.Context, before, after *gatehouse.Invite, ev gatehouse.AuditEvent) error
	RevokeInvite(ctx context.Context, i *gatehouse.Invite, ev gatehouse.AuditEvent) error
	AcceptInvite(ctx context.Context, a dynamo.Acceptance) error
	NewAudit(actor gatehouse.Actor, orgID, action, target string, before, after map[string]any) gatehouse.AuditEvent
}

// Service is the invitation use case.
type Service struct {
	store Store
	pool  Pool
	cat   *authz.Catalogue
	mail  mail.Sender
	cfg   Config
	log   *slog.Logger
}

// NewService returns the use case over its dependencies.
func NewService(store Store, pool Pool, cat *authz.Catalogue, sender mail.Sender, cfg Config, log *slog.Logger) *Service {
	if cfg.TTL <= 0 {
		cfg.TTL = 7 * 24 * time.Hour
	}
	if cfg.MaxTTL <= 0 {
		cfg.MaxTTL = 90 * 24 * time.Hour
	}
	switch cfg.EmailRule {
	case RuleAlways, RuleNever:
	default:
		cfg.EmailRule = RuleSameDomain
	}
	if sender == nil {
		sender = mail.Discard{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, pool: pool, cat: cat, mail: sender, cfg: cfg, log: log}
}

// View is an invite as the API shows it: its status at the time of the
// request (a pending invite past its expiry shows as expired).
type View struct {
	gatehouse.Invite
}

func view(i *gatehouse.Invite, now time.Time) View {
	v := View{Invite: *i}
	v.Status = i.EffectiveStatus(now)
	return v
}

// CreateInput is the body of POST /v1/orgs/{orgId}/invites.
type CreateInput struct {
	Email     string     `json:"email"`
	Roles     []string   `json:"roles"`
	Message   string     `json:"message,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt"`
	// MemberExpiresAt is the expiry of the membership the invite gives.
	MemberExpiresAt *time.Time `json:"memberExpiresAt"`
	// Name, Phone (E.164), TimeZone (IANA) and Language (BCP 47) are the
	// profile the invitee starts with, validated as PATCH /v1/me
	// validates them: on acceptance they fill only what the account's
	// profile lacks (its own values win; issue 17).
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
	TimeZone string `json:"timeZone,omitempty"`
	Language string `json:"language,omitempty"`
}

// Sent is the answer of create and resend: the invite, how it was
// delivered and, when it was not emailed, the accept link for the inviter
// to pass on.
type Sent struct {
	Invite    View   `json:"invite"`
	Delivery  string `json:"delivery" jsonschema:"enum=email,enum=link"`
	AcceptURL string `json:"acceptUrl,omitempty"`
}

// Create invites someone by email.
func (s *Service) Create(ctx context.Context, c *gatehouse.Caller, orgID string, in CreateInput) (*Sent, error) {
	now := s.store.Now()
	in.Email = strings.TrimSpace(in.Email)
	var v gatehouse.Validator
	v.Check(gatehouse.ValidEmail(in.Email), "email", "must be an email address")
	gatehouse.ValidateRoles(&v, in.Roles)
	v.Check(gatehouse.PrintableText(in.Message, 1000), "message", "at most 1000 printable characters (no control characters)")
	prof := gatehouse.Profile{Name: in.Name, Phone: in.Phone, TimeZone: in.TimeZone, Language: in.Language}
	profiles.Check(&v, "", &prof)
	exp := now.Add(s.cfg.TTL)
	if in.ExpiresAt != nil {
		exp = in.ExpiresAt.UTC()
		v.Check(exp.After(now), "expiresAt", "must be in the future")
		v.Check(!exp.After(now.Add(s.cfg.MaxTTL)), "expiresAt", "at most %d days ahead", int(s.cfg.MaxTTL.Hours()/24))
	}
	if in.MemberExpiresAt != nil {
		v.Check(in.MemberExpiresAt.After(now), "memberExpiresAt", "must be in the future")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if err := authz.Give(c, authz.PolicyOf(s.cat, org), in.Roles, nil); err != nil {
		return nil, err
	}
	memberExp := authz.DefaultExpiry(c, in.MemberExpiresAt)
	if err := authz.CheckExpiry(c, memberExp); err != nil {
		return nil, err
	}
	token := ids.Secret("ghi")
	inv := &gatehouse.Invite{
		ID: ids.New("inv"), OrgID: orgID, Email: in.Email, Roles: in.Roles, Message: in.Message,
		InvitedBy: c.UserID, Status: gatehouse.StatusPending, ExpiresAt: exp, MemberExpiresAt: memberExp,
		TokenHash: ids.Hash(token), CreatedAt: now, UpdatedAt: now,
	}
	if authz.CreatesManaged(c) {
		inv.ManagedBy = c.UserID
	}
	if !prof.IsZero() {
		inv.Profile = &prof
	}
	n := dynamo.NewInvite{Invite: inv, Org: org}
	if uid, err := s.store.UserIDByEmail(ctx, in.Email); err == nil {
		if uid == c.UserID && !c.Inherited {
			// Authority not inherited is the caller's own membership
			// here: it is a member already. (A manager inviting its own
			// address also put its membership twice in the store's
			// transaction: a 500.)
			return nil, dynamo.ErrAlreadyMember
		}
		n.ExistingUserID = uid
	} else if gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		return nil, err
	}
	a := map[string]any{"inviteId": inv.ID, "email": inv.Email, "roles": inv.Roles, "expiresAt": inv.ExpiresAt}
	if memberExp != nil {
		a["memberExpiresAt"] = memberExp
	}
	if inv.Profile != nil {
		a["profile"] = inv.Profile
	}
	n.Audit = s.store.NewAudit(c.Actor, orgID, "invite.create", inv.Email, nil, a)
	if err := s.store.CreateInvite(ctx, n); err != nil {
		return nil, err
	}
	return s.deliver(ctx, c, org, inv, token, now), nil
}

// deliver emails the invite or hands the link back, by the email rule; an
// email that cannot be sent falls back to the link.
func (s *Service) deliver(ctx context.Context, c *gatehouse.Caller, org *gatehouse.Org, inv *gatehouse.Invite, token string, now time.Time) *Sent {
	link := s.cfg.PublicURL + "/invites/accept?token=" + token
	out := &Sent{Invite: view(inv, now), Delivery: DeliveryLink, AcceptURL: link}
	if !s.emailed(c.Email, inv.Email) {
		return out
	}
	text := "You are invited to join " + org.Name + "."
	if inv.Message != "" {
		text += "\n\n" + inv.Message
	}
	text += "\n\nSign in (or sign up) with this email address, then accept the invitation here (valid until " +
		inv.ExpiresAt.Format(time.RFC1123) + "):\n\n" + link + "\n"
	if err := s.mail.Send(ctx, mail.Message{To: inv.Email, Subject: "Invitation to " + org.Name, Text: text}); err != nil {
		s.log.Error("invite email not sent; link returned to the inviter", "inviteId", inv.ID, "org", org.ID, "error", err)
		return out
	}
	out.Delivery, out.AcceptURL = DeliveryEmail, ""
	return out
}

func (s *Service) emailed(inviter, invitee string) bool {
	switch s.cfg.EmailRule {
	case RuleAlways:
		return true
	case RuleNever:
		return false
	}
	d1, d2 := domain(inviter), domain(invitee)
	return d1 != "" && d1 == d2
}

func domain(email string) string {
	_, d, ok := strings.Cut(dynamo.NormalizeEmail(email), "@")
	if !ok {
		return ""
	}
	return d
}

// List returns one page of the org's invites.
func (s *Service) List(ctx context.Context, orgID string, limit int, cursor string) ([]View, string, error) {
	invs, next, err := s.store.InvitesPage(ctx, orgID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	now := s.store.Now()
	out := make([]View, len(invs))
	for i, inv := range invs {
		out[i] = view(inv, now)
	}
	return out, next, nil
}

// own reads an invite the caller may act on: owners and admins act on every
// invite, anyone else only on its own.
func (s *Service) own(ctx context.Context, c *gatehouse.Caller, orgID, inviteID string) (*gatehouse.Invite, error) {
	inv, err := s.store.Invite(ctx, orgID, inviteID)
	if err != nil {
		return nil, err
	}
	if err := authz.ActsOnInvite(c, inv.InvitedBy); err != nil {
		return nil, err
	}
	switch inv.Status {
	case gatehouse.StatusAccepted:
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "the invite was already accepted")
	case gatehouse.StatusRevoked:
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "the invite was revoked")
	}
	return inv, nil
}

// Revoke revokes a pending (or expired) invite: its link stops working.
func (s *Service) Revoke(ctx context.Context, c *gatehouse.Caller, orgID, inviteID string) error {
	inv, err := s.own(ctx, c, orgID, inviteID)
	if err != nil {
		return err
	}
	ev := s.store.NewAudit(c.Actor, orgID, "invite.revoke", inv.Email,
		map[string]any{"inviteId": inv.ID, "status": inv.Status}, map[string]any{"status": gatehouse.StatusRevoked})
	return s.store.RevokeInvite(ctx, inv, ev)
}

// ResendInput is the optional body of a resend.
type ResendInput struct {
	ExpiresAt *time.Time `json:"expiresAt"`
}

// Resend gives a pending or expired invite a new token (the old link stops
// working) and a new expiry, and delivers it again.
func (s *Service) Resend(ctx context.Context, c *gatehouse.Caller, orgID, inviteID string, in ResendInput) (*Sent, error) {
	now := s.store.Now()
	exp := now.Add(s.cfg.TTL)
	if in.ExpiresAt != nil {
		exp = in.ExpiresAt.UTC()
		var v gatehouse.Validator
		v.Check(exp.After(now), "expiresAt", "must be in the future")
		v.Check(!exp.After(now.Add(s.cfg.MaxTTL)), "expiresAt", "at most %d days ahead", int(s.cfg.MaxTTL.Hours()/24))
		if err := v.Err(); err != nil {
			return nil, err
		}
	}
	inv, err := s.own(ctx, c, orgID, inviteID)
	if err != nil {
		return nil, err
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	token := ids.Secret("ghi")
	after := *inv
	after.Status, after.ExpiresAt, after.TokenHash, after.UpdatedAt = gatehouse.StatusPending, exp, ids.Hash(token), now
	ev := s.store.NewAudit(c.Actor, orgID, "invite.resend", inv.Email,
		map[string]any{"inviteId": inv.ID, "status": inv.EffectiveStatus(now), "expiresAt": inv.ExpiresAt},
		map[string]any{"status": gatehouse.StatusPending, "expiresAt": exp})
	if err := s.store.ResendInvite(ctx, inv, &after, ev); err != nil {
		return nil, err
	}
	return s.deliver(ctx, c, org, &after, token, now), nil
}

// tokenSecret reads the live or spent secret of a token of a kind.
func (s *Service) tokenSecret(ctx context.Context, token, prefix, kind string) (*dynamo.Secret, error) {
	if ids.SecretKind(token) != prefix || len(token) > 200 {
		return nil, gatehouse.NotFound("token")
	}
	sec, err := s.store.SecretByHash(ctx, ids.Hash(token))
	if err != nil {
		return nil, err
	}
	if sec.Kind != kind {
		return nil, gatehouse.NotFound("token")
	}
	return sec, nil
}

// Accept makes the signed-in caller a member of the invite's org. The
// caller's verified email must match the invite's (case-insensitive).
func (s *Service) Accept(ctx context.Context, c *gatehouse.Caller, token string) (*gatehouse.Membership, error) {
	if token == "" {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "token", Message: "required"})
	}
	sec, err := s.tokenSecret(ctx, token, "ghi", dynamo.SecretInvite)
	if err != nil {
		return nil, err
	}
	inv, err := s.store.Invite(ctx, sec.OrgID, sec.InviteID)
	if err != nil {
		return nil, err
	}
	now := s.store.Now()
	switch {
	case inv.Status == gatehouse.StatusAccepted || sec.State == dynamo.SecretUsed:
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "the invite was already accepted")
	case inv.Status == gatehouse.StatusRevoked || sec.State == dynamo.SecretRevoked:
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "the invite was revoked")
	case sec.State == dynamo.SecretReplaced || !ids.HashEqual(inv.TokenHash, sec.Hash):
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "this link was replaced by a newer invite")
	case inv.EffectiveStatus(now) == gatehouse.StatusExpired:
		return nil, gatehouse.Errorf(gatehouse.CodeExpired, "the invite has expired; ask for a new one")
	}
	u, err := s.store.User(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	if dynamo.NormalizeEmail(u.Email) != dynamo.NormalizeEmail(inv.Email) {
		return nil, gatehouse.Forbidden(gatehouse.ReasonEmailMismatch, "the invite is for another email address")
	}
	markVerified := false
	if !u.EmailVerified {
		ok, err := s.pool.EmailVerified(ctx, u.Email)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, gatehouse.Forbidden(gatehouse.ReasonEmailUnverified, "verify your email address first")
		}
		markVerified = true
	}
	org, err := s.store.Org(ctx, inv.OrgID)
	if err != nil {
		return nil, err
	}
	// Custom roles deleted since the invite was made give nothing: drop them.
	pol := authz.PolicyOf(s.cat, org)
	var roles []string
	for _, r := range inv.Roles {
		if _, ok := pol.RolePermissions(r); ok {
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		roles = []string{authz.RoleViewer}
	}
	if err := s.inviterStillGives(ctx, org, inv, roles, now); err != nil {
		return nil, err
	}
	m := &gatehouse.Membership{
		OrgID: inv.OrgID, UserID: u.ID, Roles: roles, Status: gatehouse.StatusActive,
		ExpiresAt: inv.MemberExpiresAt, ManagedBy: inv.ManagedBy, UserLimit: 0, ResourceLimit: -1,
		InvitedBy: inv.InvitedBy, CreatedAt: now, UpdatedAt: now,
		AccountLimited: dynamo.AccountLimited(u), // rule 9: an expiring account is no usable owner
	}
	if m.ManagedBy != "" {
		m.ResourceLimit = 0
	}
	ev := s.store.NewAudit(c.Actor, inv.OrgID, "invite.accept", u.ID, map[string]any{"inviteId": inv.ID, "status": gatehouse.StatusPending},
		map[string]any{"status": gatehouse.StatusAccepted, "email": u.Email, "roles": roles})
	if err := s.store.AcceptInvite(ctx, dynamo.Acceptance{Invite: inv, Member: m, Org: org, MarkEmailVerified: markVerified, Audit: ev,
		Profile: inv.Profile}); err != nil {
		return nil, err
	}
	return m, nil
}

// inviterStillGives checks an invite again at acceptance (rule 6): its
// inviter must still be able to give its roles and its member expiry, as it
// stands in the org now. An inviter removed, disabled, demoted or narrowed
// since makes the invite worthless.
func (s *Service) inviterStillGives(ctx context.Context, org *gatehouse.Org, inv *gatehouse.Invite, roles []string, now time.Time) error {
	if madeByScimToken(inv.InvitedBy) { // scim.go
		return s.scimInviterStillGives(ctx, org, inv, roles, now)
	}
	ac, err := s.store.LoadAuthContext(ctx, inv.InvitedBy, inv.OrgID)
	if err != nil {
		return err
	}
	st := authz.Standing{User: ac.User, Membership: ac.Membership, Ancestors: ac.AncestorMemberships}
	inviter, _, refusal := authz.StandingCaller(s.cat, org, st, now)
	if refusal != nil {
		return gatehouse.Forbidden(gatehouse.ReasonEscalation, "the person who invited you can no longer give this access; ask for a new invite")
	}
	if err := authz.Give(inviter, authz.PolicyOf(s.cat, org), roles, nil); err != nil {
		return gatehouse.Forbidden(gatehouse.ReasonEscalation, "the person who invited you can no longer give this access; ask for a new invite")
	}
	if err := authz.CheckExpiry(inviter, inv.MemberExpiresAt); err != nil {
		return gatehouse.Forbidden(gatehouse.ReasonExpiryCeiling, "the person who invited you can no longer give this access; ask for a new invite")
	}
	return nil
}
