package gatehouse

import "time"

// Collection is a named set of resources of one org (a Thinger project, a
// ThingsBoard entity group). Grants on it apply to every resource it holds
// (docs/rules.md rule 4).
type Collection struct {
	OrgID       string    `json:"-"`
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Grants      []Grant   `json:"grants"`
	CreatedBy   string    `json:"createdBy,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	Version     int64     `json:"-"`
}
