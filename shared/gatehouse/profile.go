package gatehouse

// Profile is the part of an account a person describes itself with: what
// PATCH /v1/me changes, and what an admin may give a member it creates or
// invites (issue 17, item 9). Empty fields are not set. Its one validation
// is shared/profiles.
type Profile struct {
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
	TimeZone string `json:"timeZone,omitempty"`
	Language string `json:"language,omitempty"`
}

// IsZero reports whether no field is set.
func (p Profile) IsZero() bool { return p == Profile{} }
