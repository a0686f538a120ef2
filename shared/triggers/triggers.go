// Package triggers holds Gatehouse's Cognito user pool triggers, served by
// one Lambda function that dispatches on the event's triggerSource:
//
//   - PreSignUp enforces the platform's sign-up policy (open, allowlist,
//     invite_only).
//   - PostConfirmation creates the profile and, when the policy says so, a
//     personal org with the user as owner. It is idempotent.
//   - PreTokenGeneration refuses tokens to accounts that Gatehouse has
//     disabled or expired (Cognito may still let them sign in), repairs a
//     missing profile for a confirmed user, and strips custom claims so no
//     client-written attribute ever reaches a token.
package triggers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/domains"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Store is what the triggers read and write.
type Store interface {
	Now() time.Time
	SignupPolicy(ctx context.Context) (gatehouse.SignupPolicy, error)
	User(ctx context.Context, userID string) (*gatehouse.User, error)
	CreateAccount(ctx context.Context, u *gatehouse.User, org *gatehouse.Org, actor gatehouse.Actor) error
	// HasPendingInvite answers whether an email has a pending, unexpired
	// invite in any org (the invite_only sign-up mode).
	HasPendingInvite(ctx context.Context, email string) (bool, error)
	// PendingIntent is the change under way for an email, if any
	// (docs/reliability.md).
	PendingIntent(ctx context.Context, email string) (*dynamo.Intent, error)
	// Verified domains (docs/domains.md): the auto join policy.
	DomainClaim(ctx context.Context, domain string) (*gatehouse.DomainClaim, error)
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	CreateAccountJoining(ctx context.Context, u *gatehouse.User, o *gatehouse.Org, m *gatehouse.Membership, actor gatehouse.Actor) error
}

// Handler serves the trigger events.
type Handler struct {
	store Store
	log   *slog.Logger
	// cat, when set, turns on the auto join policy of verified domains
	// (WithDomains).
	cat *authz.Catalogue
}

// WithDomains turns on the auto join policy of verified domains: a new
// account with a verified address under a domain whose org has the auto
// policy joins that org at confirmation (docs/domains.md).
func (h *Handler) WithDomains(cat *authz.Catalogue) *Handler {
	h.cat = cat
	return h
}

// New returns the trigger handler.
func New(store Store, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{store: store, log: log}
}

// header is the part every Cognito trigger event shares.
type header struct {
	TriggerSource string `json:"triggerSource"`
}

// ErrSignupRefused is the error PreSignUp returns; Cognito shows its text
// to the client as a UserLambdaValidationException.
var ErrSignupRefused = errors.New("sign-up is not allowed for this email")

// ErrUnavailable is what Cognito is told when a trigger could not do its
// work (the table could not be read, say). Cognito shows a trigger's error
// text to the person signing up or in, so the cause is logged, never
// returned.
var ErrUnavailable = errors.New("the service is unavailable; try again later")

// Handle is the Lambda handler: it reads the trigger source and answers with
// the same event, its response part filled in. A refusal (ErrSignupRefused,
// ErrAccountDisabled) is returned as it is and logged at info level; any
// other failure is logged at error level with its cause and returned as
// ErrUnavailable.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
	var hd header
	out, err := json.RawMessage(nil), json.Unmarshal(raw, &hd)
	if err != nil {
		err = fmt.Errorf("trigger event: %w", err)
	} else {
		out, err = h.dispatch(ctx, hd.TriggerSource, raw)
	}
	if err == nil {
		return out, nil
	}
	log := h.log.With("trigger", hd.TriggerSource)
	if errors.Is(err, ErrSignupRefused) || errors.Is(err, ErrAccountDisabled) {
		log.Info("trigger refused", "reason", err.Error())
		return nil, err
	}
	log.Error("trigger failed", "error", err)
	return nil, ErrUnavailable
}

func (h *Handler) dispatch(ctx context.Context, source string, raw json.RawMessage) (json.RawMessage, error) {
	switch {
	case strings.HasPrefix(source, "PreSignUp_"):
		var ev events.CognitoEventUserPoolsPreSignup
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("pre sign-up event: %w", err)
		}
		if err := h.PreSignUp(ctx, &ev); err != nil {
			return nil, err
		}
		return json.Marshal(ev)
	case source == "PostConfirmation_ConfirmSignUp":
		var ev events.CognitoEventUserPoolsPostConfirmation
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("post confirmation event: %w", err)
		}
		if err := h.PostConfirmation(ctx, &ev); err != nil {
			return nil, fmt.Errorf("post confirmation: %w", err)
		}
		return json.Marshal(ev)
	case strings.HasPrefix(source, "TokenGeneration_"):
		var ev events.CognitoEventUserPoolsPreTokenGen
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("pre token generation event: %w", err)
		}
		if err := h.PreTokenGeneration(ctx, &ev); err != nil {
			return nil, err
		}
		return json.Marshal(ev)
	}
	// Sources Gatehouse does not act on (forgot password confirmations...)
	// pass through unchanged.
	return raw, nil
}

// PreSignUp enforces the sign-up policy on the email being registered.
func (h *Handler) PreSignUp(ctx context.Context, ev *events.CognitoEventUserPoolsPreSignup) error {
	email := dynamo.NormalizeEmail(ev.Request.UserAttributes["email"])
	if email == "" {
		email = dynamo.NormalizeEmail(ev.UserName)
	}
	if ev.TriggerSource == "PreSignUp_AdminCreateUser" {
		// Admin-created accounts come from Gatehouse's own member creation,
		// which has already checked its caller's rights.
		return nil
	}
	// An intent reserves the email while Gatehouse creates (or deletes)
	// its account: a sign-up meanwhile would make a second claim on it,
	// one the pending creation must never adopt (docs/reliability.md).
	if in, err := h.store.PendingIntent(ctx, email); err != nil {
		return fmt.Errorf("look up intents: %w", err)
	} else if in != nil {
		return ErrSignupRefused
	}
	p, err := h.store.SignupPolicy(ctx)
	if err != nil {
		return fmt.Errorf("read sign-up policy: %w", err)
	}
	ok, err := h.allowed(ctx, p, email)
	if err != nil {
		return err
	}
	if !ok {
		return ErrSignupRefused
	}
	return nil
}

func (h *Handler) allowed(ctx context.Context, p gatehouse.SignupPolicy, email string) (bool, error) {
	switch p.Mode {
	case gatehouse.SignupOpen, "":
		return true, nil
	case gatehouse.SignupAllowlist:
		_, domain, _ := strings.Cut(email, "@")
		for _, e := range p.AllowedEmails {
			if dynamo.NormalizeEmail(e) == email {
				return true, nil
			}
		}
		for _, d := range p.AllowedDomains {
			if strings.EqualFold(strings.TrimPrefix(strings.TrimSpace(d), "@"), domain) {
				return true, nil
			}
		}
		return false, nil
	case gatehouse.SignupInviteOnly:
		ok, err := h.store.HasPendingInvite(ctx, email)
		if err != nil {
			return false, fmt.Errorf("look up invites: %w", err)
		}
		return ok, nil
	}
	// An unknown mode refuses: fail closed.
	return false, nil
}

// PostConfirmation creates the profile (and personal org) of a newly
// confirmed user. A profile that exists already is left as it is.
//
// Confirming a sign-up means entering the code the pool sent to the email
// (the pool verifies email addresses and uses them as usernames), so the
// profile records the email as verified even where the event's attributes
// lag behind (cognito-local leaves email_verified false).
func (h *Handler) PostConfirmation(ctx context.Context, ev *events.CognitoEventUserPoolsPostConfirmation) error {
	attrs := maps.Clone(ev.Request.UserAttributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs["email_verified"] = "true"
	return h.ensureProfile(ctx, attrs, ev.UserName)
}

func (h *Handler) ensureProfile(ctx context.Context, attrs map[string]string, username string) error {
	sub := attrs["sub"]
	if sub == "" {
		sub = username
	}
	if sub == "" || attrs["email"] == "" {
		return errors.New("confirmation event without sub or email")
	}
	if _, err := h.store.User(ctx, sub); err == nil {
		return nil
	} else if gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		return err
	}
	p, err := h.store.SignupPolicy(ctx)
	if err != nil {
		return fmt.Errorf("read sign-up policy: %w", err)
	}
	now := h.store.Now()
	u := &gatehouse.User{
		ID:            sub,
		Email:         strings.TrimSpace(attrs["email"]),
		EmailVerified: attrs["email_verified"] == "true",
		Name:          attrs["name"],
		Status:        gatehouse.StatusActive,
		ResourceLimit: p.DefaultResourceLimit,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
	if joined, err := h.autoJoin(ctx, u); err != nil || joined {
		return err
	}
	var org *gatehouse.Org
	if p.PersonalOrg {
		org = dynamo.NewPersonalOrg(u, now)
	}
	err = h.store.CreateAccount(ctx, u, org, gatehouse.Actor{UserID: sub})
	if gatehouse.ErrorCode(err) == gatehouse.CodeForbidden {
		// A deleted account never comes back (rule 12): its tombstone
		// refuses the profile, and so the sign-in.
		return ErrAccountDisabled
	}
	if gatehouse.ErrorCode(err) == gatehouse.CodeConflict {
		// A concurrent delivery of the same event won the race.
		if _, gerr := h.store.User(ctx, sub); gerr == nil {
			return nil
		}
	}
	return err
}

// ErrAccountDisabled refuses tokens to accounts Gatehouse has disabled.
var ErrAccountDisabled = errors.New("the account is disabled or expired")

// PreTokenGeneration refuses tokens to disabled or expired accounts and
// suppresses custom claims.
func (h *Handler) PreTokenGeneration(ctx context.Context, ev *events.CognitoEventUserPoolsPreTokenGen) error {
	attrs := ev.Request.UserAttributes
	sub := attrs["sub"]
	if sub == "" {
		sub = ev.UserName
	}
	u, err := h.store.User(ctx, sub)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		// The confirmation trigger did not run or failed: repair now so that
		// no confirmed Cognito user is left without a profile.
		if err := h.ensureProfile(ctx, attrs, ev.UserName); err != nil {
			return err
		}
		u, err = h.store.User(ctx, sub)
	}
	if err != nil {
		return err
	}
	if !u.Usable(h.store.Now()) {
		return ErrAccountDisabled
	}
	var suppress []string
	for name := range attrs {
		if strings.HasPrefix(name, "custom:") {
			suppress = append(suppress, name)
		}
	}
	ev.Response.ClaimsOverrideDetails.ClaimsToSuppress = suppress
	return nil
}

// autoJoin applies the auto join policy of a verified domain to a new
// account (docs/domains.md): the account, its email reservation and its
// membership of the domain's org, with the domain's join role (capped at
// developer), are created in one transaction, instead of a personal org.
// It joins only when the org has room (maxMembers over its subtree); a
// full org, or a role above the cap, leaves the sign-up to the ordinary
// path (a personal org, per the policy), logged. joined reports whether
// the account was created here.
func (h *Handler) autoJoin(ctx context.Context, u *gatehouse.User) (joined bool, err error) {
	if h.cat == nil {
		return false, nil
	}
	cl, err := h.store.DomainClaim(ctx, gatehouse.EmailDomain(u.Email))
	if err != nil {
		return false, fmt.Errorf("read domain claim: %w", err)
	}
	if !authz.AutoJoins(u, cl, u.CreatedAt) {
		return false, nil
	}
	o, err := h.store.Org(ctx, cl.OrgID)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return false, nil
	} else if err != nil {
		return false, err
	}
	m, err := domains.JoinMembership(h.cat, o, u, cl, u.CreatedAt)
	if err != nil {
		h.log.Warn("auto join skipped: the domain's join role is above the cap", "org", o.ID, "role", cl.JoinRole)
		return false, nil
	}
	err = h.store.CreateAccountJoining(ctx, u, o, m, gatehouse.Actor{UserID: u.ID, Email: u.Email})
	switch gatehouse.ErrorCode(err) {
	case "":
		return true, nil
	case gatehouse.CodeLimitExceeded:
		h.log.Info("auto join skipped: the org is full", "org", o.ID, "userId", u.ID)
		return false, nil
	case gatehouse.CodeForbidden:
		return false, ErrAccountDisabled
	case gatehouse.CodeConflict:
		// A concurrent delivery of the same event won the race.
		if _, gerr := h.store.User(ctx, u.ID); gerr == nil {
			return true, nil
		}
	}
	return false, err
}
