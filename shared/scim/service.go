package scim

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/groups"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/mail"
	"github.com/gatehouse-dev/gatehouse/shared/members"
)

// Members is the membership use case SCIM maps Users onto.
type Members interface {
	Create(ctx context.Context, c *gatehouse.Caller, orgID string, in members.CreateInput) (*members.CreateResult, error)
	Read(ctx context.Context, c *gatehouse.Caller, orgID, userID string) (*members.Member, error)
	List(ctx context.Context, c *gatehouse.Caller, orgID string, limit int, cursor string) ([]members.Member, string, error)
	Update(ctx context.Context, c *gatehouse.Caller, orgID, userID string, p members.Patch) (*members.Member, error)
	SetRoles(ctx context.Context, c *gatehouse.Caller, orgID, userID string, roles []string) (*members.Member, error)
	Remove(ctx context.Context, c *gatehouse.Caller, orgID, userID string) error
}

// Invites is the invitation use case: what a new email outside the org's
// verified domains becomes (rule 11).
type Invites interface {
	Create(ctx context.Context, c *gatehouse.Caller, orgID string, in invites.CreateInput) (*invites.Sent, error)
	Revoke(ctx context.Context, c *gatehouse.Caller, orgID, inviteID string) error
}

// Groups is the group use case SCIM maps Groups onto.
type Groups interface {
	Create(ctx context.Context, caller *gatehouse.Caller, orgID string, in groups.Input) (*gatehouse.Group, error)
	Delete(ctx context.Context, caller *gatehouse.Caller, orgID, gid string) error
	AddMember(ctx context.Context, caller *gatehouse.Caller, orgID, gid, userID string) error
	RemoveMember(ctx context.Context, caller *gatehouse.Caller, orgID, gid, userID string) error
	Update(ctx context.Context, caller *gatehouse.Caller, orgID, gid string, p groups.Patch) (*gatehouse.Group, error)
}

// Store is what SCIM reads itself (every write goes through a use case,
// except the SCIM tokens').
type Store interface {
	Now() time.Time
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	UserIDByEmail(ctx context.Context, email string) (string, error)
	Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error)
	Invite(ctx context.Context, orgID, inviteID string) (*gatehouse.Invite, error)
	PendingInviteFor(ctx context.Context, orgID, email string) (*gatehouse.Invite, error)
	Group(ctx context.Context, o *gatehouse.Org, groupID string) (*gatehouse.Group, error)
	GroupsPage(ctx context.Context, o *gatehouse.Org, limit int, cursor string) ([]*gatehouse.Group, string, error)
	GroupMemberIDs(ctx context.Context, orgID, groupID string, limit int) ([]string, error)
	CreateScimToken(ctx context.Context, t *gatehouse.ScimToken, hash string, actor gatehouse.Actor) error
	ScimToken(ctx context.Context, orgID, tokenID string) (*gatehouse.ScimToken, string, error)
	ScimTokensPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.ScimToken, string, error)
	RevokeScimToken(ctx context.Context, orgID, tokenID string, actor gatehouse.Actor) error
}

// Service is the SCIM service provider.
type Service struct {
	store   Store
	members Members
	invites Invites
	groups  Groups
	cat     *authz.Catalogue
	mail    mail.Sender
	log     *slog.Logger
}

// NewService returns the service over the use cases it maps onto.
func NewService(store Store, m Members, inv Invites, g Groups, cat *authz.Catalogue, sender mail.Sender, log *slog.Logger) *Service {
	if sender == nil {
		sender = mail.Discard{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, members: m, invites: inv, groups: g, cat: cat, mail: sender, log: log}
}

const invitePrefix = "inv_"

// userOfMember is the SCIM User of a member.
func userOfMember(m *members.Member) User {
	u := User{
		Schemas: []string{SchemaUser, ExtensionGatehouse}, ID: m.UserID, UserName: m.Email, DisplayName: m.Name,
		Active: m.Status == gatehouse.StatusActive,
		Emails: []Value{{Value: m.Email, Type: "work", Primary: true}},
		Roles:  []Value{}, Groups: []Value{},
		Meta:      Meta{ResourceType: "User", Created: m.CreatedAt, LastModified: m.UpdatedAt},
		Gatehouse: &UserExtension{State: "member", AccountStatus: m.AccountStatus},
	}
	if m.Name != "" {
		u.Name = &Name{Formatted: m.Name}
	}
	for _, r := range m.Roles {
		u.Roles = append(u.Roles, Value{Value: r})
	}
	for _, g := range m.Groups {
		u.Groups = append(u.Groups, Value{Value: g, Type: "direct"})
	}
	return u
}

// userOfInvite is the SCIM User of a pending invite (rule 11: the email
// joins only by accepting it). It is active until revoked.
func userOfInvite(i *gatehouse.Invite, now time.Time) User {
	exp := i.ExpiresAt
	u := User{
		Schemas: []string{SchemaUser, ExtensionGatehouse}, ID: i.ID, UserName: i.Email,
		Active: i.EffectiveStatus(now) == gatehouse.StatusPending,
		Emails: []Value{{Value: i.Email, Type: "work", Primary: true}},
		Roles:  []Value{}, Groups: []Value{},
		Meta:      Meta{ResourceType: "User", Created: i.CreatedAt, LastModified: i.UpdatedAt},
		Gatehouse: &UserExtension{State: "invited", InviteExpiresAt: &exp},
	}
	for _, r := range i.Roles {
		u.Roles = append(u.Roles, Value{Value: r})
	}
	return u
}

// target is what a SCIM User id names: a member (userID) or a pending
// invite.
type target struct {
	userID string
	invite *gatehouse.Invite
}

// resolve finds what a SCIM User id names. An invite id names the member
// its invite made once it is accepted, and nothing once it is revoked or
// expired.
func (s *Service) resolve(ctx context.Context, orgID, id string) (target, error) {
	if !strings.HasPrefix(id, invitePrefix) {
		return target{userID: id}, nil
	}
	inv, err := s.store.Invite(ctx, orgID, id)
	if err != nil {
		return target{}, gatehouse.NotFound("user")
	}
	switch inv.EffectiveStatus(s.store.Now()) {
	case gatehouse.StatusAccepted:
		return target{userID: inv.AcceptedBy}, nil
	case gatehouse.StatusPending:
		return target{invite: inv}, nil
	}
	return target{}, gatehouse.NotFound("user")
}

// GetUser reads one user.
func (s *Service) GetUser(ctx context.Context, c *gatehouse.Caller, orgID, id string) (*User, error) {
	t, err := s.resolve(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if t.invite != nil {
		u := userOfInvite(t.invite, s.store.Now())
		return &u, nil
	}
	m, err := s.members.Read(ctx, c, orgID, t.userID)
	if err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
			return nil, gatehouse.NotFound("user")
		}
		return nil, err
	}
	u := userOfMember(m)
	return &u, nil
}

// ListUsers answers a list or a filter of users. A filter on userName (or
// the email) finds the member or pending invite of that email; a list
// pages through the members.
func (s *Service) ListUsers(ctx context.Context, c *gatehouse.Caller, orgID string, q ListQuery) (*ListResponse[User], error) {
	f, err := ParseFilter(q.Filter)
	if err != nil {
		return nil, err
	}
	start, count := q.window()
	if f != nil {
		var found []User
		switch f.Attr {
		case "username", "emails", "emails.value":
			u, err := s.userByEmail(ctx, c, orgID, f.Value)
			if err != nil {
				return nil, err
			}
			if u != nil {
				found = append(found, *u)
			}
		case "id":
			u, err := s.GetUser(ctx, c, orgID, f.Value)
			if err != nil && gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
				return nil, err
			}
			if u != nil {
				found = append(found, *u)
			}
		case "externalid":
			// Gatehouse keeps no externalId: no user has one.
		default:
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: fieldFilter, Message: "users are filtered on userName, emails.value, id or externalId only"})
		}
		total := len(found)
		if start > 1 || count == 0 {
			found = nil
		}
		l := newList(found, total, start)
		return &l, nil
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ms, err := skipPages(ctx, start, count, func(ctx context.Context, limit int, cursor string) ([]members.Member, string, error) {
		return s.members.List(ctx, c, orgID, limit, cursor)
	})
	if err != nil {
		return nil, err
	}
	out := make([]User, len(ms))
	for i := range ms {
		out[i] = userOfMember(&ms[i])
	}
	l := newList(out, org.Usage.Members, start)
	return &l, nil
}

// maxSkip bounds how far startIndex reads into a list: SCIM pages by
// offset and the table by cursor, so an offset costs the pages before it.
const maxSkip = 10_000

// skipPages reads items start..start+count-1 (1-based) of a paged list.
func skipPages[T any](ctx context.Context, start, count int, page func(ctx context.Context, limit int, cursor string) ([]T, string, error)) ([]T, error) {
	if start-1 > maxSkip {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "startIndex", Message: "at most 10001"})
	}
	skip, cursor := start-1, ""
	var out []T
	for {
		items, next, err := page(ctx, MaxCount, cursor)
		if err != nil {
			return nil, err
		}
		if skip >= len(items) {
			skip -= len(items)
		} else {
			items = items[skip:]
			skip = 0
			out = append(out, items[:min(len(items), count-len(out))]...)
		}
		if len(out) >= count || next == "" {
			return out, nil
		}
		cursor = next
	}
}

// userByEmail finds the member or the pending invite of an email; nil
// when the org has neither.
func (s *Service) userByEmail(ctx context.Context, c *gatehouse.Caller, orgID, email string) (*User, error) {
	if !gatehouse.ValidEmail(strings.TrimSpace(email)) {
		return nil, nil
	}
	uid, err := s.store.UserIDByEmail(ctx, email)
	switch gatehouse.ErrorCode(err) {
	case "":
		u, err := s.GetUser(ctx, c, orgID, uid)
		if err == nil {
			return u, nil
		}
		if gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
			return nil, err
		}
	case gatehouse.CodeNotFound:
	default:
		return nil, err
	}
	inv, err := s.store.PendingInviteFor(ctx, orgID, email)
	switch {
	case gatehouse.ErrorCode(err) == gatehouse.CodeNotFound:
		return nil, nil
	case err != nil:
		return nil, err
	case inv.EffectiveStatus(s.store.Now()) != gatehouse.StatusPending:
		return nil, nil
	}
	u := userOfInvite(inv, s.store.Now())
	return &u, nil
}

// memberRoles are the roles a provisioned user gets: those the request
// names, else the SCIM token's default member roles (viewer for any other
// caller).
func (s *Service) memberRoles(ctx context.Context, c *gatehouse.Caller, orgID string, asked []string) ([]string, error) {
	if len(asked) > 0 {
		return asked, nil
	}
	if c.TokenID != "" {
		t, _, err := s.store.ScimToken(ctx, orgID, c.TokenID)
		if err == nil && len(t.MemberRoles) > 0 {
			return t.MemberRoles, nil
		}
		if err != nil && gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
			return nil, err
		}
	}
	return []string{authz.RoleViewer}, nil
}

// CreateUser provisions a user (rule 11): an existing account gets an
// invite (the members use case makes it); a new email under a domain the
// org has verified gets an account, activated from its mailbox; any other
// new email gets an invite. Invites are emailed: a SCIM client cannot pass
// a link on. Quotas, limits and rule 6 are the use cases'.
func (s *Service) CreateUser(ctx context.Context, c *gatehouse.Caller, orgID string, in UserInput) (*User, error) {
	email, err := in.email()
	if err != nil {
		return nil, err
	}
	active := true
	if len(in.Active) > 0 {
		if active, err = boolValue(in.Active, "active"); err != nil {
			return nil, err
		}
	}
	asked, err := values(in.Roles, "roles")
	if err != nil {
		return nil, err
	}
	roles, err := s.memberRoles(ctx, c, orgID, asked)
	if err != nil {
		return nil, err
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var sent *invites.Sent
	_, lookErr := s.store.UserIDByEmail(ctx, email)
	exists := lookErr == nil
	if lookErr != nil && gatehouse.ErrorCode(lookErr) != gatehouse.CodeNotFound {
		return nil, lookErr
	}
	if !exists && authz.ScimMintsAccount(c, email, org.VerifiedDomains) {
		ci := members.CreateInput{Email: email, Name: in.fullName(), Roles: roles, Enabled: &active, EmailVerified: true}
		if in.Password != "" {
			pw := in.Password
			ci.Password = &pw
		} else {
			ci.Activation = members.ActivationEmail
		}
		res, err := s.members.Create(ctx, c, orgID, ci)
		if err != nil {
			return nil, err
		}
		if res.Member != nil {
			u := userOfMember(res.Member)
			return &u, nil
		}
		sent = res.Invite // the account appeared meanwhile
	} else {
		if !active {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "active",
				Message: "this email joins by accepting an invite (rule 11); an inactive user cannot be invited"})
		}
		if sent, err = s.invites.Create(ctx, c, orgID, invites.CreateInput{Email: email, Roles: roles}); err != nil {
			return nil, err
		}
	}
	s.emailInvite(ctx, org, sent)
	u := userOfInvite(&sent.Invite.Invite, s.store.Now())
	return &u, nil
}

// emailInvite sends an invite whose link the invites use case handed back
// (its email rule sends only within the inviter's domain, and a SCIM token
// has none): the identity provider cannot pass a link on.
func (s *Service) emailInvite(ctx context.Context, org *gatehouse.Org, sent *invites.Sent) {
	if sent == nil || sent.Delivery != invites.DeliveryLink || sent.AcceptURL == "" {
		return
	}
	inv := sent.Invite
	text := "You are invited to join " + org.Name + ", as your organisation's identity provider asked." +
		"\n\nSign in (or sign up) with this email address, then accept the invitation here (valid until " +
		inv.ExpiresAt.Format(time.RFC1123) + "):\n\n" + sent.AcceptURL + "\n"
	if err := s.mail.Send(ctx, mail.Message{To: inv.Email, Subject: "Invitation to " + org.Name, Text: text}); err != nil {
		s.log.Error("SCIM invite email not sent", "inviteId", inv.ID, "org", org.ID, "error", err)
	}
}

// userChange is what a PUT or PATCH asks of a user: only active and roles
// change anything in Gatehouse; name, emails, externalId and the rest
// belong to the account, which its owner keeps.
type userChange struct {
	active *bool
	roles  *[]string
	// addRoles and removeRoles are PATCH add and remove on roles.
	addRoles, removeRoles []string
	userName              string
}

// ReplaceUser applies a PUT: active and, when sent, roles. userName cannot
// change: it is the email, the account's login.
func (s *Service) ReplaceUser(ctx context.Context, c *gatehouse.Caller, orgID, id string, in UserInput) (*User, error) {
	ch := userChange{userName: strings.TrimSpace(in.UserName)}
	if ch.userName == "" {
		// RFC 7643: userName is required; a PUT replaces, so a body
		// without it is refused rather than read as empty.
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "userName", Message: "required: a PUT replaces the user"})
	}
	active := true // a PUT replaces: active left out is true (RFC 7643 has no default; Okta always sends it)
	if len(in.Active) > 0 {
		var err error
		if active, err = boolValue(in.Active, "active"); err != nil {
			return nil, err
		}
	}
	ch.active = &active
	if len(in.Roles) > 0 {
		roles, err := values(in.Roles, "roles")
		if err != nil {
			return nil, err
		}
		ch.roles = &roles
	}
	return s.changeUser(ctx, c, orgID, id, ch)
}

// PatchUser applies a PATCH in Okta's or Entra's form.
func (s *Service) PatchUser(ctx context.Context, c *gatehouse.Caller, orgID, id string, in PatchInput) (*User, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var ch userChange
	for _, op := range in.Operations {
		if err := ch.apply(op); err != nil {
			return nil, err
		}
	}
	return s.changeUser(ctx, c, orgID, id, ch)
}

// apply reads one PATCH operation into the change.
func (ch *userChange) apply(op PatchOperation) error {
	if op.Path == "" {
		// Okta: {"op": "replace", "value": {"active": false}}.
		var attrs map[string]rawJSON
		if err := unmarshal(op.Value, &attrs); err != nil {
			return gatehouse.Invalid(gatehouse.FieldError{Field: "value", Message: "without a path, the value must be an object of attributes"})
		}
		for k, v := range attrs {
			if err := ch.set(op.Op, k, v); err != nil {
				return err
			}
		}
		return nil
	}
	return ch.set(op.Op, op.Path, op.Value)
}

// set applies one attribute of an operation.
func (ch *userChange) set(op, path string, v rawJSON) error {
	attr, filterValue, filtered, err := pathValueFilter(path)
	base := strings.ToLower(path)
	if i := strings.IndexAny(base, "[."); i >= 0 {
		base = base[:i]
	}
	switch base {
	case "active":
		if op == "remove" {
			return gatehouse.Invalid(gatehouse.FieldError{Field: fieldImmutable, Message: "active cannot be removed"})
		}
		b, err := boolValue(v, "active")
		if err != nil {
			return err
		}
		ch.active = &b
	case "roles":
		if err != nil || (filtered && attr != "roles") {
			return gatehouse.Invalid(gatehouse.FieldError{Field: fieldPath, Message: `roles are addressed as roles or roles[value eq "..."]`})
		}
		vals, verr := values(v, "roles")
		if verr != nil {
			return verr
		}
		if filtered {
			vals = []string{filterValue}
		}
		switch op {
		case "replace":
			ch.roles, ch.addRoles, ch.removeRoles = &vals, nil, nil
		case "add":
			ch.addRoles = append(ch.addRoles, vals...)
		case "remove":
			if len(vals) == 0 {
				return gatehouse.Invalid(gatehouse.FieldError{Field: "roles", Message: "a member keeps at least one role: name the roles to remove"})
			}
			ch.removeRoles = append(ch.removeRoles, vals...)
		}
	case "username":
		var name string
		if unmarshal(v, &name) != nil {
			return gatehouse.Invalid(gatehouse.FieldError{Field: "userName", Message: "must be a string"})
		}
		ch.userName = name
	}
	// Anything else (name, displayName, emails, externalId, title,
	// extensions) belongs to the account, not to the org: ignored.
	return nil
}

// changeUser applies a change to a member (through the members use case:
// one transaction per change) or to a pending invite (revoked when made
// inactive).
func (s *Service) changeUser(ctx context.Context, c *gatehouse.Caller, orgID, id string, ch userChange) (*User, error) {
	t, err := s.resolve(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	current, err := s.GetUser(ctx, c, orgID, id)
	if err != nil {
		return nil, err
	}
	if ch.userName != "" && !strings.EqualFold(ch.userName, current.UserName) {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: fieldImmutable,
			Message: "userName is the account's email: it is changed by its owner, not by an org"})
	}
	if t.invite != nil {
		if ch.roles != nil || len(ch.addRoles) > 0 || len(ch.removeRoles) > 0 {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "roles", Message: "an invited user's roles are set when it joins; revoke and provision again"})
		}
		if ch.active != nil && !*ch.active {
			if err := s.invites.Revoke(ctx, c, orgID, t.invite.ID); err != nil {
				return nil, err
			}
			current.Active = false
		}
		return current, nil
	}
	roles := currentRoles(current)
	newRoles := slices.Clone(roles)
	if ch.roles != nil {
		newRoles = slices.Clone(*ch.roles)
	}
	for _, r := range ch.addRoles {
		if !slices.Contains(newRoles, r) {
			newRoles = append(newRoles, r)
		}
	}
	newRoles = slices.DeleteFunc(newRoles, func(r string) bool { return slices.Contains(ch.removeRoles, r) })
	if !sameSet(roles, newRoles) {
		if _, err := s.members.SetRoles(ctx, c, orgID, t.userID, newRoles); err != nil {
			return nil, err
		}
	}
	if ch.active != nil && *ch.active != current.Active {
		if _, err := s.members.Update(ctx, c, orgID, t.userID, members.Patch{Enabled: ch.active}); err != nil {
			return nil, err
		}
	}
	return s.GetUser(ctx, c, orgID, t.userID)
}

func currentRoles(u *User) []string {
	out := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		out[i] = r.Value
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// DeleteUser deprovisions a user: its membership is removed (the account
// stays: it is its owner's), or its pending invite revoked.
func (s *Service) DeleteUser(ctx context.Context, c *gatehouse.Caller, orgID, id string) error {
	t, err := s.resolve(ctx, orgID, id)
	if err != nil {
		return err
	}
	if t.invite != nil {
		return s.invites.Revoke(ctx, c, orgID, t.invite.ID)
	}
	if err := s.members.Remove(ctx, c, orgID, t.userID); err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
			return gatehouse.NotFound("user")
		}
		return err
	}
	return nil
}
