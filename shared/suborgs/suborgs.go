// Package suborgs creates and lists the sub-orgs of an org (customers,
// client companies). Its routes belong to the `orgs` function: the accounts
// package builds that function's mux and calls Register.
//
// Rule 5 lives in the evaluator's inputs, not here: an owner or admin of an
// org acts as admin in every descendant (the authorizer and the snapshot
// loader read ancestor memberships), while members of a sub-org have no
// membership in its parent and so see nothing of it.
package suborgs

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
)

// Store is what the sub-org use cases read and write.
type Store interface {
	Now() time.Time
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	CreateSubOrg(ctx context.Context, parent, child *gatehouse.Org, owner *gatehouse.Membership, actor gatehouse.Actor) error
	SubOrgsPage(ctx context.Context, parentID string, limit int, cursor string) ([]*gatehouse.Org, string, error)
}

// Service holds the sub-org use cases.
type Service struct{ store Store }

// NewService returns the service.
func NewService(store Store) *Service { return &Service{store: store} }

// Input is the body of POST /v1/orgs/{orgId}/suborgs.
type Input struct {
	Name string `json:"name"`
}

// Create creates a child org. Its creator becomes its owner, so that the
// sub-org has an owner of its own from the start (rule 9) and keeps one if
// the creator later leaves the parent; owners and admins of the parent act
// as admins in it anyway (rule 5). The parent's subOrgCount counts it in the
// same transaction.
func (s *Service) Create(ctx context.Context, caller *gatehouse.Caller, parentID string, in Input) (*View, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || !gatehouse.PrintableText(in.Name, 200) {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "name", Message: "must be 1 to 200 printable characters"})
	}
	parent, err := s.store.Org(ctx, parentID)
	if err != nil {
		return nil, err
	}
	if len(parent.Ancestors)+1 > dynamo.MaxOrgDepth {
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "the org tree is at most %d levels deep", dynamo.MaxOrgDepth+1)
	}
	now := s.store.Now()
	child := &gatehouse.Org{
		ID:        ids.New("org"),
		Name:      in.Name,
		ParentID:  parent.ID,
		Ancestors: append(slices.Clone(parent.Ancestors), parent.ID),
		Settings:  gatehouse.OrgSettings{DefaultResourceAccess: gatehouse.ResourceAccessGranted},
		Quotas:    gatehouse.Quotas{MaxMembers: -1},
		CreatedAt: now,
		UpdatedAt: now,
	}
	owner := dynamo.OwnerMembership(child.ID, caller.UserID, -1, now)
	// Owning what it creates ends when the caller's authority in the
	// parent does (rule 8); the parent's admins keep authority over the
	// sub-org meanwhile and after (rule 5).
	owner.ExpiresAt = authz.DefaultExpiry(caller, nil)
	if err := s.store.CreateSubOrg(ctx, parent, child, owner, caller.Actor); err != nil {
		return nil, err
	}
	o, err := s.store.Org(ctx, child.ID)
	if err != nil {
		return nil, err
	}
	return viewOf(o), nil
}

// View is a sub-org as its parent's members see it. It leaves out the
// ancestors above the parent: a member of the parent may be a member of
// nothing above it (rule 5: sub-org members see nothing of the orgs above).
type View struct {
	*gatehouse.Org
	Ancestors []string `json:"ancestors,omitempty"`
}

func viewOf(o *gatehouse.Org) *View { return &View{Org: o} }

// List returns the direct children of an org.
func (s *Service) List(ctx context.Context, parentID string, limit int, cursor string) ([]*View, string, error) {
	items, next, err := s.store.SubOrgsPage(ctx, parentID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]*View, 0, len(items))
	for _, o := range items {
		out = append(out, viewOf(o))
	}
	return out, next, nil
}

// Register adds the sub-org routes to the `orgs` function's mux.
func Register(m *apigw.Mux, s *Service) {
	apigw.Handle(m, "POST /v1/orgs/{orgId}/suborgs", http.StatusCreated, func(ctx context.Context, r *apigw.Request, in Input) (*View, error) {
		return s.Create(ctx, r.Caller, r.Param("orgId"), in)
	})
	apigw.List(m, "GET /v1/orgs/{orgId}/suborgs", func(ctx context.Context, r *apigw.Request, q apigw.PageQuery) ([]*View, string, error) {
		return s.List(ctx, r.Param("orgId"), q.Limit, q.Cursor)
	})
}
