package members

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/mail"
	"github.com/gatehouse-dev/gatehouse/shared/profiles"
)

// Pool is the part of the Cognito adapter the use case needs.
type Pool interface {
	CreateUser(ctx context.Context, u cognito.NewUser, temporaryPassword string) (string, error)
	DeleteUser(ctx context.Context, username string) error
	SetPassword(ctx context.Context, username, password string) error
	// Lookup reads an account, to adopt one a pending creation made
	// (docs/reliability.md); nil when there is none.
	Lookup(ctx context.Context, username string) (*cognito.Account, error)
}

// Config is the use case's configuration.
type Config struct {
	// PublicURL prefixes activation links: <PublicURL>/activate?token=...
	PublicURL string
	// PersonalOrgOnLastLeave gives a user who leaves or is removed from its
	// last org a new personal org, in the same transaction.
	PersonalOrgOnLastLeave bool
	// ActivationTTL is how long an activation link works (default 7 days).
	ActivationTTL time.Duration
}

// DefaultConfig is the configuration when nothing else is set.
func DefaultConfig(publicURL string) Config {
	return Config{PublicURL: publicURL, PersonalOrgOnLastLeave: true, ActivationTTL: 7 * 24 * time.Hour}
}

// Store is what the membership use case reads and writes
// (*dynamo.Store in production).
type Store interface {
	Now() time.Time
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	User(ctx context.Context, userID string) (*gatehouse.User, error)
	Profiles(ctx context.Context, userIDs []string) (map[string]*gatehouse.User, error)
	UserIDByEmail(ctx context.Context, email string) (string, error)
	Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error)
	// Group reads a group (groups given at creation, docs/imports.md).
	Group(ctx context.Context, o *gatehouse.Org, groupID string) (*gatehouse.Group, error)
	MembersPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.Membership, string, error)
	CountMemberships(ctx context.Context, userID string, max int) (int, error)
	CreateMember(ctx context.Context, nm dynamo.NewMember) error
	ChangeMember(ctx context.Context, c dynamo.MemberChange) error
	RemoveMember(ctx context.Context, r dynamo.MemberRemoval) error
	NewAudit(actor gatehouse.Actor, orgID, action, target string, before, after map[string]any) gatehouse.AuditEvent
	BeginIntent(ctx context.Context, in *dynamo.Intent) (*dynamo.Intent, error)
	EndIntent(ctx context.Context, in *dynamo.Intent) error
}

// Inviter makes invites: what a direct creation becomes when the email
// already has an account (rule 11).
type Inviter interface {
	Create(ctx context.Context, c *gatehouse.Caller, orgID string, in invites.CreateInput) (*invites.Sent, error)
}

// Service is the membership use case.
type Service struct {
	store   Store
	inviter Inviter
	pool    Pool
	cat     *authz.Catalogue
	mail    mail.Sender
	cfg     Config
	log     *slog.Logger
}

// NewService returns the use case over its dependencies.
func NewService(store Store, inviter Inviter, pool Pool, cat *authz.Catalogue, sender mail.Sender, cfg Config, log *slog.Logger) *Service {
	if cfg.ActivationTTL <= 0 {
		cfg.ActivationTTL = 7 * 24 * time.Hour
	}
	if sender == nil {
		sender = mail.Discard{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, inviter: inviter, pool: pool, cat: cat, mail: sender, cfg: cfg, log: log}
}

// Member is a membership with its user's email and name, as the API shows it.
type Member struct {
	gatehouse.Membership
	Email         string           `json:"email,omitempty"`
	Name          string           `json:"name,omitempty"`
	AccountStatus gatehouse.Status `json:"accountStatus,omitempty"`
}

func (s *Service) withProfiles(ctx context.Context, ms []*gatehouse.Membership) ([]Member, error) {
	idsList := make([]string, len(ms))
	for i, m := range ms {
		idsList[i] = m.UserID
	}
	profiles, err := s.store.Profiles(ctx, idsList)
	if err != nil {
		return nil, err
	}
	out := make([]Member, len(ms))
	for i, m := range ms {
		out[i] = Member{Membership: *m}
		if u := profiles[m.UserID]; u != nil {
			out[i].Email, out[i].Name, out[i].AccountStatus = u.Email, u.Name, u.Status
		}
	}
	return out, nil
}

// List returns one page of the org's members; a manager sees only those
// it manages and itself (rule 7), so its pages may be shorter than asked.
func (s *Service) List(ctx context.Context, c *gatehouse.Caller, orgID string, limit int, cursor string) ([]Member, string, error) {
	ms, next, err := s.store.MembersPage(ctx, orgID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	if authz.ReadsOnlyManaged(c) {
		ms, err = s.managedOnly(ctx, c, ms)
		if err != nil {
			return nil, "", err
		}
	}
	out, err := s.withProfiles(ctx, ms)
	return out, next, err
}

// managedOnly keeps the memberships the caller manages, and its own.
func (s *Service) managedOnly(ctx context.Context, c *gatehouse.Caller, ms []*gatehouse.Membership) ([]*gatehouse.Membership, error) {
	known := make(map[string]*gatehouse.Membership, len(ms))
	for _, m := range ms {
		known[m.UserID] = m
	}
	cached := cachedReader{known: known, next: s.store}
	out := ms[:0:0]
	for _, m := range ms {
		if m.UserID == c.UserID {
			out = append(out, m)
			continue
		}
		chain, err := managers(ctx, cached, c.UserID, m)
		if err != nil {
			return nil, err
		}
		if authz.Manages(c.UserID, m, chain) {
			out = append(out, m)
		}
	}
	return out, nil
}

// cachedReader answers from memberships already read before asking the
// store.
type cachedReader struct {
	known map[string]*gatehouse.Membership
	next  membershipReader
}

func (r cachedReader) Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error) {
	if m, ok := r.known[userID]; ok {
		return m, nil
	}
	m, err := r.next.Membership(ctx, orgID, userID)
	if err == nil {
		r.known[userID] = m
	}
	return m, err
}

// Get returns one member.
func (s *Service) Get(ctx context.Context, orgID, userID string) (*Member, error) {
	m, err := s.store.Membership(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	out, err := s.withProfiles(ctx, []*gatehouse.Membership{m})
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}

// Read returns one member as the caller may see it: a manager reads only
// the members it manages and itself (rule 7); to anyone else a member it
// may not read does not exist.
func (s *Service) Read(ctx context.Context, c *gatehouse.Caller, orgID, userID string) (*Member, error) {
	m, err := s.Get(ctx, orgID, userID)
	if err != nil || !authz.ReadsOnlyManaged(c) || userID == c.UserID {
		return m, err
	}
	chain, err := managers(ctx, s.store, c.UserID, &m.Membership)
	if err != nil {
		return nil, err
	}
	if !authz.Manages(c.UserID, &m.Membership, chain) {
		return nil, gatehouse.NotFound("member")
	}
	return m, nil
}

// Activation modes of CreateInput.
const (
	ActivationDisplay = "display"
	ActivationEmail   = "email"
)

// CreateInput is the body of POST /v1/orgs/{orgId}/members.
type CreateInput struct {
	Email    string   `json:"email"`
	Name     string   `json:"name,omitempty"`
	Roles    []string `json:"roles"`
	Password *string  `json:"password"`
	// Activation is "display" (the link is returned) or "email" (it is
	// sent); used when no password is given. By default "display" where the
	// org may mint accounts (rule 11), else "email".
	Activation       string     `json:"activation,omitempty" jsonschema:"enum=display,enum=email"`
	Enabled          *bool      `json:"enabled"`
	EmailVerified    bool       `json:"emailVerified,omitempty"`
	ExpiresAt        *time.Time `json:"expiresAt"`
	Readonly         bool       `json:"readonly,omitempty"`
	ResourceReadonly bool       `json:"resourceReadonly,omitempty"`
	// Phone (E.164), TimeZone (IANA) and Language (BCP 47) start the
	// profile with Name, validated as PATCH /v1/me validates them. For an
	// existing account they go into the invite made instead, and fill only
	// what its profile lacks when it accepts (issue 17).
	Phone    string `json:"phone,omitempty"`
	TimeZone string `json:"timeZone,omitempty"`
	Language string `json:"language,omitempty"`
	// Groups (ids) the new member joins, in the creation's transaction;
	// needs groups:manage, and what the groups give is checked as rule 6.
	// Not applied when the email has an account (an invite is made).
	Groups []string `json:"groups,omitempty"`
	// UserLimit and ResourceLimit of the new membership (needs
	// members:limits; a manager's within its own, rule 7). Omitted: 0 and
	// -1, or 0 and 0 for a member a manager creates.
	UserLimit     *int `json:"userLimit,omitempty" jsonschema:"minimum=-1"`
	ResourceLimit *int `json:"resourceLimit,omitempty" jsonschema:"minimum=-1"`
}

// profile is the profile the input gives.
func (in *CreateInput) profile() gatehouse.Profile {
	return gatehouse.Profile{Name: in.Name, Phone: in.Phone, TimeZone: in.TimeZone, Language: in.Language}
}

// CreateResult is the answer of a direct creation.
type CreateResult struct {
	// Member is the new member; absent when the email already had an
	// account, which joins only by accepting the invite made instead
	// (rule 11).
	Member *Member `json:"member,omitempty"`
	// AccountCreated is false when the email already had an account.
	AccountCreated bool `json:"accountCreated"`
	// Invite is the invite made instead of a membership when the email
	// already had an account: the account joins by its own act.
	Invite *invites.Sent `json:"invite,omitempty"`
	// ActivationURL is the activation link, when activation is "display".
	ActivationURL string `json:"activationUrl,omitempty"`
	// ActivationSent says the link was emailed, when activation is "email".
	ActivationSent bool `json:"activationSent,omitempty"`
}

func (in *CreateInput) validate() error {
	var v gatehouse.Validator
	in.Email = strings.TrimSpace(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	v.Check(gatehouse.ValidEmail(in.Email), "email", "must be an email address")
	profiles.CheckFields(&v, "", &in.Name, &in.Phone, &in.TimeZone, &in.Language)
	gatehouse.ValidateRoles(&v, in.Roles)
	if in.Password != nil {
		v.Check(gatehouse.ValidPassword(*in.Password), "password", "at least 8 characters with letters and digits")
		v.Check(in.Activation == "", "activation", "give a password or an activation mode, not both")
	}
	v.Check(in.Activation == "" || in.Activation == ActivationDisplay || in.Activation == ActivationEmail,
		"activation", `must be "display" or "email"`)
	v.Check(len(in.Groups) <= 20, "groups", "at most 20 groups")
	v.Check(in.UserLimit == nil || *in.UserLimit >= -1, "userLimit", "-1 (unlimited), 0 or more")
	v.Check(in.ResourceLimit == nil || *in.ResourceLimit >= -1, "resourceLimit", "-1 (unlimited), 0 or more")
	return v.Err()
}

// Create creates a user directly as a member (or adds the existing account
// of the email). The Cognito user is created first, then the profile, email
// reservation, membership, counters, activation secret and audit events in
// one transaction; if that fails, the Cognito user is deleted again. If
// Cognito is unreachable nothing is written (503).
func (s *Service) Create(ctx context.Context, c *gatehouse.Caller, orgID string, in CreateInput) (*CreateResult, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	groups, err := s.createGroups(ctx, c, org, in)
	if err != nil {
		return nil, err
	}
	if err := authz.Give(c, authz.PolicyOf(s.cat, org), append(slices.Clone(in.Roles), groups.roles...), nil); err != nil {
		return nil, err
	}
	now := s.store.Now()
	exp := authz.DefaultExpiry(c, in.ExpiresAt)
	if err := authz.CheckExpiry(c, exp); err != nil {
		return nil, err
	}
	if exp != nil && !exp.After(now) {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "expiresAt", Message: "must be in the future"})
	}
	m := &gatehouse.Membership{
		OrgID: orgID, Roles: in.Roles, Readonly: in.Readonly, ResourceReadonly: in.ResourceReadonly,
		Status: gatehouse.StatusActive, ExpiresAt: exp, UserLimit: 0, ResourceLimit: -1,
		InvitedBy: c.UserID, CreatedAt: now, UpdatedAt: now,
	}
	if in.Enabled != nil && !*in.Enabled {
		m.Status = gatehouse.StatusDisabled
	}
	if err := s.precheckRoom(ctx, c, org, m); err != nil {
		return nil, err
	}
	if err := s.createLimits(ctx, c, org, m, in); err != nil {
		return nil, err
	}
	m.Groups = groups.ids

	after := func(accountCreated bool) map[string]any {
		a := map[string]any{"email": in.Email, "roles": m.Roles, "status": m.Status, "accountCreated": accountCreated}
		if m.ExpiresAt != nil {
			a["expiresAt"] = m.ExpiresAt
		}
		if m.ManagedBy != "" {
			a["managedBy"] = m.ManagedBy
		}
		if m.Readonly || m.ResourceReadonly {
			a["readonly"], a["resourceReadonly"] = m.Readonly, m.ResourceReadonly
		}
		if len(m.Groups) > 0 {
			a["groups"] = m.Groups
		}
		if in.UserLimit != nil || in.ResourceLimit != nil {
			a["userLimit"], a["resourceLimit"] = m.UserLimit, m.ResourceLimit
		}
		return a
	}

	// Rule 11: an existing account joins only by its own act. Creating a
	// member for its email makes an invite to it instead.
	if _, err := s.store.UserIDByEmail(ctx, in.Email); err == nil {
		p := in.profile()
		sent, err := s.inviter.Create(ctx, c, orgID, invites.CreateInput{Email: in.Email, Roles: in.Roles, MemberExpiresAt: exp,
			Name: p.Name, Phone: p.Phone, TimeZone: p.TimeZone, Language: p.Language})
		if err != nil {
			return nil, err
		}
		return &CreateResult{Invite: sent}, nil
	} else if gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		return nil, err
	}
	// Rule 11: an org mints an account it can sign in to (a password, a
	// displayed link, a verified address) only under a domain it has
	// verified, or when a platform admin does it; otherwise the link goes
	// to the mailbox, whose reader alone can verify the address.
	if !authz.MintsAccounts(c, in.Email, org.VerifiedDomains) {
		switch {
		case in.Password != nil, in.Activation == ActivationDisplay, in.EmailVerified:
			return nil, gatehouse.Forbidden(gatehouse.ReasonDomainNotVerified,
				"%s is not under a domain this org has verified: the account can only be activated from its mailbox (activation \"email\", no password, emailVerified false)", gatehouse.EmailDomain(in.Email))
		case in.Activation == "":
			in.Activation = ActivationEmail
		}
	}
	if in.Password == nil && in.Activation == "" {
		in.Activation = ActivationDisplay
	}

	// The Cognito username is the lower-case email: sign-in is
	// case-insensitive whatever the pool's setting.
	username := dynamo.NormalizeEmail(in.Email)
	nu := cognito.NewUser{Email: username, Name: in.Name, EmailVerified: in.EmailVerified, Enabled: true}
	if in.Password != nil {
		nu.Password = *in.Password
	}
	// The intent first: if this request dies past here, a retry of it
	// resumes (adopting the Cognito user it made), or the sweep undoes it
	// (docs/reliability.md).
	intent := dynamo.NewIntent(dynamo.IntentMemberCreate, username, now)
	intent.OrgID, intent.Actor, intent.Fingerprint = orgID, c.Actor, createFingerprint(c, orgID, in)
	intent, err = s.store.BeginIntent(ctx, intent)
	if err != nil {
		return nil, err
	}
	sub, err := s.createOrAdopt(ctx, intent, nu)
	if err != nil {
		if !outcomeUnknown(err) {
			// Refused by Cognito: nothing was made; free the email.
			s.endIntent(ctx, intent)
		}
		return nil, fmt.Errorf("create member %s: %w", orgID, err)
	}
	m.UserID = sub
	u := &gatehouse.User{
		ID: sub, Email: in.Email, EmailVerified: in.EmailVerified, Name: in.Name,
		Phone: in.Phone, TimeZone: in.TimeZone, Language: in.Language,
		Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now,
	}
	var token string
	var sec *dynamo.Secret
	if in.Password == nil {
		u.Status = gatehouse.StatusPending
		token = ids.Secret("ghv")
		sec = &dynamo.Secret{Hash: ids.Hash(token), Kind: dynamo.SecretActivation, OrgID: orgID, UserID: sub,
			Email: in.Email, ExpiresAt: now.Add(s.cfg.ActivationTTL)}
	}
	evs := []gatehouse.AuditEvent{
		s.store.NewAudit(c.Actor, orgID, "member.create", sub, nil, after(true)),
		s.store.NewAudit(c.Actor, "", "account.create", sub, nil, accountCreated(in, u, orgID)),
	}
	err = s.store.CreateMember(ctx, dynamo.NewMember{Member: m, Org: org, Account: u, Activation: sec, Audit: evs, Intent: intent})
	if err != nil {
		s.compensate(ctx, intent, sub, err)
		return nil, err
	}
	res := &CreateResult{AccountCreated: true}
	if token != "" {
		link := s.cfg.PublicURL + "/activate?token=" + token
		if in.Activation == ActivationEmail {
			msg := mail.Message{To: in.Email, Subject: "Activate your account",
				Text: "An account was created for you. Choose your password here (the link works once, until " +
					sec.ExpiresAt.Format(time.RFC1123) + "):\n\n" + link + "\n"}
			if err := s.mail.Send(ctx, msg); err != nil {
				s.log.Error("activation email not sent", "userId", sub, "org", orgID, "error", err)
			} else {
				res.ActivationSent = true
			}
		} else {
			res.ActivationURL = link
		}
	}
	res.Member = &Member{Membership: *m, Email: u.Email, Name: u.Name, AccountStatus: u.Status}
	return res, nil
}

// createdGroups are the groups a creation puts its member in, and the
// roles they give.
type createdGroups struct{ ids, roles []string }

// createGroups checks the groups of a creation: the caller may manage
// groups (authz.GivesAtCreation), and they exist (not the built-in one).
func (s *Service) createGroups(ctx context.Context, c *gatehouse.Caller, org *gatehouse.Org, in CreateInput) (createdGroups, error) {
	var out createdGroups
	if err := authz.GivesAtCreation(c, len(in.Groups) > 0, in.UserLimit != nil || in.ResourceLimit != nil); err != nil {
		return out, err
	}
	for _, gid := range in.Groups {
		if gid == dynamo.GroupAll || strings.Contains(gid, "#") || slices.Contains(out.ids, gid) {
			return out, gatehouse.Invalid(gatehouse.FieldError{Field: "groups", Message: fmt.Sprintf("%q is not a group to join", gid)})
		}
		g, err := s.store.Group(ctx, org, gid)
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
			return out, gatehouse.Invalid(gatehouse.FieldError{Field: "groups", Message: fmt.Sprintf("%q is not a group of the org", gid)})
		} else if err != nil {
			return out, err
		}
		out.ids = append(out.ids, g.ID)
		out.roles = append(out.roles, g.Roles...)
	}
	return out, nil
}

// createLimits applies the limits asked at creation: a manager sets them
// only within its own (rule 7, authz.SetsLimits); omitted ones keep what
// precheckRoom chose.
func (s *Service) createLimits(ctx context.Context, c *gatehouse.Caller, org *gatehouse.Org, m *gatehouse.Membership, in CreateInput) error {
	if in.UserLimit == nil && in.ResourceLimit == nil {
		return nil
	}
	ul, rl := m.UserLimit, m.ResourceLimit
	if in.UserLimit != nil {
		ul = *in.UserLimit
	}
	if in.ResourceLimit != nil {
		rl = *in.ResourceLimit
	}
	var own *gatehouse.Membership
	if authz.CreatesManaged(c) {
		var err error
		if own, err = s.store.Membership(ctx, org.ID, c.UserID); err != nil && gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
			return err
		}
	}
	if err := authz.SetsLimits(c, own, ul, rl); err != nil {
		return err
	}
	m.UserLimit, m.ResourceLimit = ul, rl
	return nil
}

// precheckRoom refuses early, before Cognito is touched, what the
// transaction's conditions would refuse: a full org, or a manager without
// room under its userLimit. It also applies rule 7 to creation: a member
// created below admin is managed by its creator with no limits of its own.
func (s *Service) precheckRoom(ctx context.Context, c *gatehouse.Caller, org *gatehouse.Org, m *gatehouse.Membership) error {
	if org.Quotas.MaxMembers >= 0 && org.Usage.Seats() >= org.Quotas.MaxMembers {
		return dynamo.ErrMaxMembers
	}
	if !authz.CreatesManaged(c) {
		return nil
	}
	m.ManagedBy, m.UserLimit, m.ResourceLimit = c.UserID, 0, 0
	own, err := s.store.Membership(ctx, org.ID, c.UserID)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return dynamo.ErrUserLimit
	}
	if err != nil {
		return err
	}
	if !authz.HasManagedRoom(own) {
		return dynamo.ErrUserLimit
	}
	return nil
}

// temporaryPassword is the throw-away password Cognito requires at creation;
// it is never shown or stored and the account cannot sign in with it before
// activation sets the real one.
func temporaryPassword() string {
	return "Tmp1!" + ids.Secret("t")
}

// OptionalTime is a JSON field that may be absent (Set false), null (Set,
// Value nil: clear) or a time.
type OptionalTime struct {
	Set   bool
	Value *time.Time
}

// OpenAPISchema is what the field accepts: an RFC 3339 time, or null.
func (OptionalTime) OpenAPISchema() map[string]any {
	return map[string]any{"oneOf": []any{
		map[string]any{"type": "string", "format": "date-time"},
		map[string]any{"type": "null"},
	}}
}

// UnmarshalJSON records that the field was sent.
func (o *OptionalTime) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var t time.Time
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	t = t.UTC()
	o.Value = &t
	return nil
}

// Patch is the body of PATCH .../members/{userId}: only what is sent changes.
type Patch struct {
	Enabled          *bool        `json:"enabled"`
	ExpiresAt        OptionalTime `json:"expiresAt"`
	Readonly         *bool        `json:"readonly"`
	ResourceReadonly *bool        `json:"resourceReadonly"`
}

// Update changes the fields sent in p.
func (s *Service) Update(ctx context.Context, c *gatehouse.Caller, orgID, userID string, p Patch) (*Member, error) {
	act := authz.ActOn
	if p.expiryOnly() {
		// Rule 9's exception, for an expiry that ends access sooner (rules.go).
		exp := p.ExpiresAt.Value
		act = func(c *gatehouse.Caller, pol *authz.OrgPolicy, t *gatehouse.Membership, m []*gatehouse.Membership) error {
			return authz.ActOnExpiry(c, pol, t, m, exp)
		}
	}
	org, before, chain, err := s.targetWith(ctx, c, orgID, userID, p.selfAllowed(c, userID), act)
	if err != nil {
		return nil, err
	}
	after := *before
	b, a := map[string]any{}, map[string]any{}
	if p.Enabled != nil {
		st := gatehouse.StatusDisabled
		if *p.Enabled {
			st = gatehouse.StatusActive
		}
		if st != before.Status {
			after.Status = st
			b["status"], a["status"] = before.Status, st
		}
	}
	if p.ExpiresAt.Set {
		if err := authz.CheckExpiry(c, p.ExpiresAt.Value); err != nil {
			return nil, err
		}
		if userID == c.UserID {
			if err := authz.CheckOwnExpiry(c, before.ExpiresAt, p.ExpiresAt.Value); err != nil {
				return nil, err
			}
		}
		after.ExpiresAt = p.ExpiresAt.Value
		if !timeEqual(before.ExpiresAt, after.ExpiresAt) {
			b["expiresAt"], a["expiresAt"] = before.ExpiresAt, after.ExpiresAt
		}
	}
	if p.Readonly != nil && *p.Readonly != before.Readonly {
		after.Readonly = *p.Readonly
		b["readonly"], a["readonly"] = before.Readonly, after.Readonly
	}
	if p.ResourceReadonly != nil && *p.ResourceReadonly != before.ResourceReadonly {
		after.ResourceReadonly = *p.ResourceReadonly
		b["resourceReadonly"], a["resourceReadonly"] = before.ResourceReadonly, after.ResourceReadonly
	}
	if len(a) > 0 {
		ch := dynamo.MemberChange{Before: before, After: &after, Org: org, Pin: chain}
		if after.ExpiresAt != nil && authz.MayExpireLastOwner(c) {
			// Rule 9's exception: the org is meant to end. Audited as such
			// when it is the last usable owner that gets the expiry.
			ch.MayEndLastOwner = true
			if dynamo.UsableOwner(before) && org.Usage.Owners <= 1 {
				a["endsLastOwner"] = true
			}
		}
		ch.Audit = s.store.NewAudit(c.Actor, orgID, "member.update", userID, b, a)
		if err := s.store.ChangeMember(ctx, ch); err != nil {
			return nil, err
		}
	}
	return s.Get(ctx, orgID, userID)
}

// selfAllowed: a member may always bring its own expiry forward.
func (p Patch) selfAllowed(c *gatehouse.Caller, userID string) bool {
	return userID == c.UserID && p.expiryOnly()
}

// expiryOnly: the patch only gives an expiry.
func (p Patch) expiryOnly() bool {
	return p.Enabled == nil && p.Readonly == nil && p.ResourceReadonly == nil &&
		p.ExpiresAt.Set && p.ExpiresAt.Value != nil
}

func timeEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// target reads the org and the member to act on and applies rules 6 and 7.
func (s *Service) target(ctx context.Context, c *gatehouse.Caller, orgID, userID string, self bool) (*gatehouse.Org, *gatehouse.Membership, []*gatehouse.Membership, error) {
	return s.targetWith(ctx, c, orgID, userID, self, authz.ActOn)
}

// targetWith is target with the rule that decides whether the caller acts
// on the member (authz.ActOn or authz.ActOnExpiry).
func (s *Service) targetWith(ctx context.Context, c *gatehouse.Caller, orgID, userID string, self bool,
	act func(*gatehouse.Caller, *authz.OrgPolicy, *gatehouse.Membership, []*gatehouse.Membership) error) (*gatehouse.Org, *gatehouse.Membership, []*gatehouse.Membership, error) {
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := s.store.Membership(ctx, orgID, userID)
	if err != nil {
		return nil, nil, nil, err
	}
	if self {
		return org, m, nil, nil
	}
	chain, err := managers(ctx, s.store, c.UserID, m)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := act(c, authz.PolicyOf(s.cat, org), m, chain); err != nil {
		return nil, nil, nil, err
	}
	return org, m, chain, nil
}

// SetRoles replaces a member's roles.
func (s *Service) SetRoles(ctx context.Context, c *gatehouse.Caller, orgID, userID string, roles []string) (*Member, error) {
	var v gatehouse.Validator
	gatehouse.ValidateRoles(&v, roles)
	if err := v.Err(); err != nil {
		return nil, err
	}
	org, before, chain, err := s.target(ctx, c, orgID, userID, false)
	if err != nil {
		return nil, err
	}
	if err := authz.Give(c, authz.PolicyOf(s.cat, org), roles, nil); err != nil {
		return nil, err
	}
	after := *before
	after.Roles = roles
	if !sameSet(before.Roles, roles) {
		ev := s.store.NewAudit(c.Actor, orgID, "member.roles", userID, map[string]any{"roles": before.Roles}, map[string]any{"roles": roles})
		if err := s.store.ChangeMember(ctx, dynamo.MemberChange{Before: before, After: &after, Org: org, Pin: chain, Audit: ev}); err != nil {
			return nil, err
		}
	}
	return s.Get(ctx, orgID, userID)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := map[string]bool{}
	for _, x := range a {
		in[x] = true
	}
	for _, x := range b {
		if !in[x] {
			return false
		}
	}
	return true
}

// Limits is the body of PUT .../members/{userId}/limits.
type Limits struct {
	UserLimit     *int `json:"userLimit" jsonschema:"required,minimum=-1"`
	ResourceLimit *int `json:"resourceLimit" jsonschema:"required,minimum=-1"`
}

// SetLimits sets a member's userLimit and resourceLimit. Owners and admins
// set any values; below admin, a caller sets them only on members it
// manages and within its own limits.
func (s *Service) SetLimits(ctx context.Context, c *gatehouse.Caller, orgID, userID string, l Limits) (*Member, error) {
	var v gatehouse.Validator
	v.Check(l.UserLimit != nil && *l.UserLimit >= -1, "userLimit", "required: -1 (unlimited), 0 or more")
	v.Check(l.ResourceLimit != nil && *l.ResourceLimit >= -1, "resourceLimit", "required: -1 (unlimited), 0 or more")
	if err := v.Err(); err != nil {
		return nil, err
	}
	org, before, chain, err := s.target(ctx, c, orgID, userID, false)
	if err != nil {
		return nil, err
	}
	if authz.CreatesManaged(c) {
		own, err := s.store.Membership(ctx, orgID, c.UserID)
		if err != nil && gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
			return nil, err
		}
		if err := authz.SetsLimits(c, own, *l.UserLimit, *l.ResourceLimit); err != nil {
			return nil, err
		}
		chain = append(chain, own)
	}
	after := *before
	after.UserLimit, after.ResourceLimit = *l.UserLimit, *l.ResourceLimit
	if after.UserLimit != before.UserLimit || after.ResourceLimit != before.ResourceLimit {
		ev := s.store.NewAudit(c.Actor, orgID, "member.limits", userID,
			map[string]any{"userLimit": before.UserLimit, "resourceLimit": before.ResourceLimit},
			map[string]any{"userLimit": after.UserLimit, "resourceLimit": after.ResourceLimit})
		if err := s.store.ChangeMember(ctx, dynamo.MemberChange{Before: before, After: &after, Org: org, Pin: chain, Audit: ev}); err != nil {
			return nil, err
		}
	}
	return s.Get(ctx, orgID, userID)
}

// Remove removes a member from the org.
func (s *Service) Remove(ctx context.Context, c *gatehouse.Caller, orgID, userID string) error {
	org, m, _, err := s.target(ctx, c, orgID, userID, false)
	if err != nil {
		return err
	}
	return s.remove(ctx, c, org, m, "member.remove")
}

// Leave removes the caller's own membership.
func (s *Service) Leave(ctx context.Context, c *gatehouse.Caller, orgID string) error {
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return err
	}
	m, err := s.store.Membership(ctx, orgID, c.UserID)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return gatehouse.Forbidden(gatehouse.ReasonNotMember, "you are not a member of this org")
	}
	if err != nil {
		return err
	}
	return s.remove(ctx, c, org, m, "member.leave")
}

func (s *Service) remove(ctx context.Context, c *gatehouse.Caller, org *gatehouse.Org, m *gatehouse.Membership, action string) error {
	r := dynamo.MemberRemoval{Member: m, Org: org}
	r.Audit = append(r.Audit, s.store.NewAudit(c.Actor, org.ID, action, m.UserID,
		map[string]any{"roles": m.Roles, "status": m.Status}, nil))
	if s.cfg.PersonalOrgOnLastLeave {
		n, err := s.store.CountMemberships(ctx, m.UserID, 2)
		if err != nil {
			return err
		}
		if n <= 1 {
			u, err := s.store.User(ctx, m.UserID)
			if err != nil {
				return err
			}
			po := dynamo.NewPersonalOrg(u, s.store.Now())
			r.PersonalOrg, r.UserResourceLimit, r.UserAccountLimited = po, u.ResourceLimit, dynamo.AccountLimited(u)
			r.Audit = append(r.Audit, s.store.NewAudit(c.Actor, po.ID, "org.create", po.ID, nil,
				map[string]any{"name": po.Name, "personal": true, "reason": "last org left"}))
		}
	}
	return s.store.RemoveMember(ctx, r)
}

// accountCreated is the after of an account.create event: the email,
// status, org and the profile fields given at creation.
func accountCreated(in CreateInput, u *gatehouse.User, orgID string) map[string]any {
	a := map[string]any{"email": in.Email, "status": u.Status, "orgId": orgID}
	for k, v := range map[string]string{"name": in.Name, "phone": in.Phone, "timeZone": in.TimeZone, "language": in.Language} {
		if v != "" {
			a[k] = v
		}
	}
	return a
}
