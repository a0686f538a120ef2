package gatehouse

import "time"

// Invite is an invitation to join an org. Its token is never stored: only
// its hash, in the invite and in the secret lookup item.
type Invite struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"orgId"`
	Email     string    `json:"email"`
	Roles     []string  `json:"roles"`
	Message   string    `json:"message,omitempty"`
	InvitedBy string    `json:"invitedBy"`
	Status    Status    `json:"status"`
	ExpiresAt time.Time `json:"expiresAt"`
	// MemberExpiresAt is the expiry the membership gets on acceptance (the
	// inviter's expiry ceiling, rule 8).
	MemberExpiresAt *time.Time `json:"memberExpiresAt,omitempty"`
	// ManagedBy is set when a manager invited: the new member is managed by
	// it (rule 7) and counts against its userLimit.
	ManagedBy  string `json:"managedBy,omitempty"`
	AcceptedBy string `json:"acceptedBy,omitempty"`
	// Profile is what the invitee's profile starts with: on acceptance it
	// fills only the fields the account's profile lacks (issue 17).
	Profile *Profile `json:"profile,omitempty"`
	// SeatHeld says the invite holds a seat (the org's memberCount and,
	// when ManagedBy is set, one of the manager's managed slots) while it
	// is pending. Every invite created or resent does; invites stored
	// before seats were reserved do not, and take their seat on
	// acceptance.
	SeatHeld bool `json:"-"`
	// OrgAncestors are the org's ancestors when the invite was made: the
	// seat it holds counts in their subtree seats too.
	OrgAncestors []string  `json:"-"`
	TokenHash    string    `json:"-"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	Version      int64     `json:"-"`
}

// EffectiveStatus is the invite's status at time now: a pending invite past
// its expiry is expired even before the sweep marks it.
func (i *Invite) EffectiveStatus(now time.Time) Status {
	if i.Status == StatusPending && !now.Before(i.ExpiresAt) {
		return StatusExpired
	}
	return i.Status
}
