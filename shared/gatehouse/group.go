package gatehouse

import "time"

// Group is a set of members of an org with roles bound to it.
type Group struct {
	OrgID       string    `json:"-"`
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Roles       []string  `json:"roles"`
	MemberCount int       `json:"memberCount"`
	BuiltIn     bool      `json:"builtIn"`
	CreatedAt   time.Time `json:"createdAt,omitzero"`
	CreatedBy   string    `json:"createdBy,omitempty"`
}
