package gatehouse

import "time"

// Grant allows and/or denies actions on a resource (or a whole type) to one
// principal, "user:<id>" or "group:<id>". Actions are resource actions
// (read, update...) or "*" for all of them.
type Grant struct {
	Principal string     `json:"principal"`
	Allow     []string   `json:"allow,omitempty"`
	Deny      []string   `json:"deny,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// Resource is a registered resource of an org.
type Resource struct {
	OrgID   string  `json:"-"`
	Type    string  `json:"type"`
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	OwnerID string  `json:"ownerId"`
	Grants  []Grant `json:"grants,omitempty"`
	// Metadata is the platform's own key/value data about the resource
	// (docs/resources.md, "Lifecycle").
	Metadata map[string]string `json:"metadata,omitempty"`
	// Collections are the ids of the collections holding the resource
	// (denormalised from the collection's member items so that one read of
	// the resource tells the evaluator which collection grants apply; ids
	// of deleted collections may linger and count for nothing).
	Collections []string `json:"collections,omitempty"`
	// Counted are the memberships whose resourceCount this resource
	// increments: the owner and its managers at registration time. The
	// same ones are decremented when it is unregistered, whatever the
	// managedBy links have become since.
	Counted []string `json:"-"`
	// OrgAncestors are the org's ancestors, whose maxResources quotas
	// count this resource too (a parent's quota counts its subtree); set
	// by whoever registers or unregisters it, from the org as read.
	OrgAncestors []string  `json:"-"`
	CreatedBy    string    `json:"createdBy,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	Version      int64     `json:"-"`
}

// Ref names a resource inside an org.
type Ref struct{ Type, ID string }

// SortKey is the position of a resource in every listing: "type#id".
func (r Ref) SortKey() string { return r.Type + "#" + r.ID }

// Ref returns the resource's reference.
func (r *Resource) Ref() Ref { return Ref{r.Type, r.ID} }
