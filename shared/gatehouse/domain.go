package gatehouse

import (
	"strings"
	"time"
)

// Status of an account, a membership, an invite or a token.
type Status string

// Account and membership statuses.
const (
	StatusPending  Status = "pending"
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
	StatusExpired  Status = "expired"
	// Invite-only statuses.
	StatusAccepted Status = "accepted"
	StatusRevoked  Status = "revoked"
)

// User is a global identity; its ID is the Cognito sub.
type User struct {
	ID            string     `json:"id"`
	Email         string     `json:"email"`
	EmailVerified bool       `json:"emailVerified"`
	Name          string     `json:"name,omitempty"`
	Phone         string     `json:"phone,omitempty"`
	TimeZone      string     `json:"timeZone,omitempty"`
	Language      string     `json:"language,omitempty"`
	Status        Status     `json:"status"`
	ExpiresAt     *time.Time `json:"expiresAt,omitempty"`
	PlatformAdmin bool       `json:"platformAdmin,omitempty"`
	// ResourceLimit is the default for memberships the user gets by sign-up
	// (from the sign-up policy); -1 unlimited.
	ResourceLimit int       `json:"resourceLimit"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
	Version       int64     `json:"-"`
}

// Usable reports whether the account may act at time now: active and not
// past its expiry.
func (u *User) Usable(now time.Time) bool {
	return u.Status == StatusActive && !pastExpiry(u.ExpiresAt, now)
}

// Org is a tenant. Orgs form a tree through ParentID; Ancestors lists the
// ids from the root down to the parent (never changes after creation).
type Org struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	ParentID  string      `json:"parentId,omitempty"`
	Ancestors []string    `json:"ancestors,omitempty"`
	Personal  bool        `json:"personal,omitempty"`
	Settings  OrgSettings `json:"settings"`
	Quotas    Quotas      `json:"quotas"`
	Usage     Usage       `json:"usage"`
	// VerifiedDomains are the email domains the org has proved it
	// controls: under them it may mint accounts (rule 11).
	VerifiedDomains []string `json:"verifiedDomains,omitempty"`
	// CustomRoles and GroupRoles are the org's policy, kept on the org item
	// so the authorizer reads one item for it.
	CustomRoles map[string]Role     `json:"-"`
	GroupRoles  map[string][]string `json:"-"`
	CreatedAt   time.Time           `json:"createdAt"`
	UpdatedAt   time.Time           `json:"updatedAt"`
	Version     int64               `json:"-"`
}

// ResourceAccess values for OrgSettings.DefaultResourceAccess.
const (
	ResourceAccessGranted = "granted" // only owners and grants (the default)
	ResourceAccessAll     = "all"     // every member with the permission
)

// OrgSettings are the org's own settings.
type OrgSettings struct {
	DefaultResourceAccess string `json:"defaultResourceAccess" jsonschema:"enum=granted,enum=all"`
}

// Quotas are an org's limits; -1 (or absent) is unlimited.
type Quotas struct {
	MaxMembers   int            `json:"maxMembers"`
	MaxResources map[string]int `json:"maxResources,omitempty"`
}

// Usage counts what an org holds, kept by the same transactions that change it.
type Usage struct {
	Members int `json:"members"`
	// PendingInvites are the invites that hold a seat until they are
	// accepted, revoked or expired: Members + PendingInvites is what
	// maxMembers bounds.
	PendingInvites int            `json:"pendingInvites"`
	Owners         int            `json:"owners"`
	Resources      map[string]int `json:"resources,omitempty"`
	SubOrgCount    int            `json:"subOrgs"`
	// SubtreeSeats are the seats of the org and of all its sub-orgs: what
	// the org's maxMembers bounds (a parent's quota counts its subtree).
	SubtreeSeats int `json:"subtreeSeats"`
	// SubtreeResources are the resources of each type of the org and of
	// all its sub-orgs: what the org's maxResources bounds.
	SubtreeResources map[string]int `json:"subtreeResources,omitempty"`
}

// Seats is what maxMembers bounds: members and the pending invites that
// hold a seat.
func (u Usage) Seats() int { return u.Members + u.PendingInvites }

// Membership links a user to an org.
type Membership struct {
	OrgID            string     `json:"orgId"`
	UserID           string     `json:"userId"`
	Roles            []string   `json:"roles"`
	Groups           []string   `json:"groups,omitempty"`
	Readonly         bool       `json:"readonly"`
	ResourceReadonly bool       `json:"resourceReadonly"`
	Status           Status     `json:"status"`
	ExpiresAt        *time.Time `json:"expiresAt,omitempty"`
	ManagedBy        string     `json:"managedBy,omitempty"`
	UserLimit        int        `json:"userLimit"`
	ResourceLimit    int        `json:"resourceLimit"`
	ManagedCount     int        `json:"managedCount"`
	// PendingInvites are the invites this manager made that hold one of its
	// managed slots until accepted, revoked or expired: ManagedCount +
	// PendingInvites is what UserLimit bounds.
	PendingInvites int       `json:"pendingInvites"`
	ResourceCount  int       `json:"resourceCount"`
	InvitedBy      string    `json:"invitedBy,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	Version        int64     `json:"-"`
	// AccountLimited mirrors the member's account: disabled, expired or
	// with an expiry. Such a member never counts as a usable owner (rule
	// 9); the store keeps it in step with the account.
	AccountLimited bool `json:"-"`
}

// Usable reports whether the membership may act at time now.
func (m *Membership) Usable(now time.Time) bool {
	return m.Status == StatusActive && !pastExpiry(m.ExpiresAt, now)
}

// HasRole reports whether the membership holds a role directly.
func (m *Membership) HasRole(role string) bool {
	for _, r := range m.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Role is a named set of permissions: built-in or custom to an org.
type Role struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Permissions []string  `json:"permissions"`
	BuiltIn     bool      `json:"builtIn"`
	CreatedAt   time.Time `json:"createdAt,omitzero"`
	UpdatedAt   time.Time `json:"updatedAt,omitzero"`
}

// MembershipView is a membership with its org, as GET /v1/me lists it.
type MembershipView struct {
	Membership
	OrgName string `json:"orgName"`
}

// SignupMode is the platform's sign-up policy mode.
type SignupMode string

// Sign-up modes.
const (
	SignupOpen       SignupMode = "open"
	SignupAllowlist  SignupMode = "allowlist"
	SignupInviteOnly SignupMode = "invite_only"
)

// SignupPolicy is the platform-wide sign-up policy.
type SignupPolicy struct {
	Mode                 SignupMode `json:"mode"`
	AllowedEmails        []string   `json:"allowedEmails,omitempty"`
	AllowedDomains       []string   `json:"allowedDomains,omitempty"`
	DefaultResourceLimit int        `json:"defaultResourceLimit"`
	PersonalOrg          bool       `json:"personalOrg"`
	UpdatedAt            time.Time  `json:"updatedAt,omitzero"`
}

// DefaultSignupPolicy is in force until a platform admin sets another.
func DefaultSignupPolicy() SignupPolicy {
	return SignupPolicy{Mode: SignupOpen, DefaultResourceLimit: -1, PersonalOrg: true}
}

// AuditEvent records who did what to whom; written in the same transaction as
// the change it records.
type AuditEvent struct {
	ID        string         `json:"id"`
	OrgID     string         `json:"orgId"`
	Time      time.Time      `json:"time"`
	ActorID   string         `json:"actor"`
	Action    string         `json:"action"`
	Target    string         `json:"target,omitempty"`
	Before    map[string]any `json:"before,omitempty"`
	After     map[string]any `json:"after,omitempty"`
	RequestID string         `json:"requestId,omitempty"`
	SourceIP  string         `json:"sourceIp,omitempty"`
}

// Actor is who makes a request, as the authorizer established it.
type Actor struct {
	UserID        string
	Email         string
	PlatformAdmin bool
	TokenID       string // set when the caller used an API token
	RequestID     string
	SourceIP      string
}

func pastExpiry(t *time.Time, now time.Time) bool {
	return t != nil && !now.Before(*t)
}

// APIToken is a secret bound to (user, org) for API access and embedded
// read-only views. Only its hash is stored; the secret is shown once.
type APIToken struct {
	ID     string `json:"id"`
	OrgID  string `json:"orgId"`
	UserID string `json:"userId"`
	Name   string `json:"name"`
	// Permissions narrows the token to a subset of the user's permissions;
	// nil means all of them (always intersected with the user's current ones).
	Permissions []string `json:"permissions,omitempty"`
	Readonly    bool     `json:"readonly"`
	// CollectionID narrows the token to the resources of one collection
	// (a share link for one customer's devices; docs/resources.md).
	CollectionID string     `json:"collectionId,omitempty"`
	Status       Status     `json:"status"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
	CreatedAt    time.Time  `json:"createdAt"`
	CreatedBy    string     `json:"createdBy"`
}

// Usable reports whether the token may be used at time now.
func (t *APIToken) Usable(now time.Time) bool {
	return t.Status == StatusActive && !pastExpiry(t.ExpiresAt, now)
}

// OnlyReads reports whether the token can do nothing but read: flagged
// read-only, or narrowed to read actions alone. Only such a token may come
// in a URL (an embedded view).
func (t *APIToken) OnlyReads() bool {
	if t.Readonly {
		return true
	}
	if t.Permissions == nil {
		return false
	}
	for _, p := range t.Permissions {
		if !strings.HasSuffix(p, ":read") {
			return false
		}
	}
	return true
}

// Account is a user with its memberships, as GET /v1/me and the platform
// admin's account view show it.
type Account struct {
	*User
	Memberships []MembershipView `json:"memberships"`
}
