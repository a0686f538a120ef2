package gatehouse

import "time"

// Impersonation is a "log in as user" session: a short-lived credential
// bound to one org that acts as a target member with at most the
// impersonator's own rights there (docs/security.md, "Impersonation").
// Only the hash of its secret is stored; the secret is shown once.
type Impersonation struct {
	ID     string `json:"id"`
	OrgID  string `json:"orgId"`
	UserID string `json:"userId"` // the target, whom the session acts as
	// ImpersonatorID is who started the session; every audit event the
	// session writes names it beside the target.
	ImpersonatorID string     `json:"impersonatorId"`
	Reason         string     `json:"reason,omitempty"`
	Status         Status     `json:"status"`
	ExpiresAt      time.Time  `json:"expiresAt"`
	CreatedAt      time.Time  `json:"createdAt"`
	RevokedAt      *time.Time `json:"revokedAt,omitempty"`
	RevokedBy      string     `json:"revokedBy,omitempty"`
}

// Usable reports whether the session may be used at time now.
func (i *Impersonation) Usable(now time.Time) bool {
	return i.Status == StatusActive && now.Before(i.ExpiresAt)
}

// Shown is the session as lists show it: an active session past its
// expiry reads as expired (sessions are not swept; they end by time).
func (i *Impersonation) Shown(now time.Time) *Impersonation {
	c := *i
	if c.Status == StatusActive && !now.Before(c.ExpiresAt) {
		c.Status = StatusExpired
	}
	return &c
}
