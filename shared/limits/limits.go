// Package limits serves an org's quotas: GET and PUT
// /v1/orgs/{orgId}/limits (maxMembers, and maxResources per resource type,
// with current usage).
//
// The authorizer has checked limits:read or limits:update in the org. PUT
// further requires a platform admin, or an owner/admin of an ANCESTOR org:
// a sub-org's own admin holds limits:update in its org but must not raise
// its own quota. A top-level org's quotas come from the subscription: only
// a platform admin sets them. See docs/limits-and-expiry.md.
package limits

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Store is what the service needs of the table store (*dynamo.Store).
type Store interface {
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	MembershipsIn(ctx context.Context, userID string, orgIDs []string) ([]*gatehouse.Membership, error)
	SetOrgQuotas(ctx context.Context, orgID string, ch dynamo.QuotaChanges, actor gatehouse.Actor) (*gatehouse.Org, error)
	Now() time.Time
}

// Limits is the body of GET and PUT /v1/orgs/{orgId}/limits. -1 is
// unlimited. Every configured resource type is listed.
type Limits struct {
	OrgID        string         `json:"orgId"`
	MaxMembers   int            `json:"maxMembers"`
	MaxResources map[string]int `json:"maxResources"`
	Usage        Usage          `json:"usage"`
}

// Usage is what the org holds now. Members and PendingInvites are apart;
// maxMembers bounds their sum (a pending invite holds a seat).
type Usage struct {
	Members        int            `json:"members"`
	PendingInvites int            `json:"pendingInvites"`
	Resources      map[string]int `json:"resources"`
}

// Update is the body of PUT: the quotas it names are set, the others keep
// their value (nothing is reset by omission). -1 is unlimited.
type Update struct {
	MaxMembers   *int           `json:"maxMembers"`
	MaxResources map[string]int `json:"maxResources,omitempty"`
}

// Service reads and sets quotas.
type Service struct {
	store     Store
	catalogue *authz.Catalogue
}

// NewService returns the service; the catalogue says which resource types
// exist.
func NewService(store Store, catalogue *authz.Catalogue) *Service {
	return &Service{store: store, catalogue: catalogue}
}

// Get returns an org's quotas and usage. Errors: not_found.
func (s *Service) Get(ctx context.Context, orgID string) (*Limits, error) {
	o, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return s.view(o), nil
}

// Set changes an org's quotas. Errors: forbidden (not a platform admin nor
// an admin of an ancestor org), validation_failed, not_found,
// limit_exceeded (a sub-org quota above what the parent has left), conflict.
func (s *Service) Set(ctx context.Context, caller *gatehouse.Caller, orgID string, u Update) (*Limits, error) {
	if err := s.validate(u); err != nil {
		return nil, err
	}
	o, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ancestors, err := s.store.MembershipsIn(ctx, caller.UserID, o.Ancestors)
	if err != nil {
		return nil, err
	}
	if err := authz.SetsQuotas(caller, o, ancestors, s.store.Now()); err != nil {
		return nil, err
	}
	after, err := s.store.SetOrgQuotas(ctx, orgID, dynamo.QuotaChanges{MaxMembers: u.MaxMembers, MaxResources: u.MaxResources}, caller.Actor)
	if err != nil {
		return nil, err
	}
	return s.view(after), nil
}

func (s *Service) validate(u Update) error {
	var v gatehouse.Validator
	if u.MaxMembers == nil && len(u.MaxResources) == 0 {
		v.Add("body", "name maxMembers and/or maxResources")
	}
	if u.MaxMembers != nil {
		v.Check(*u.MaxMembers >= -1, "maxMembers", "must be -1 (unlimited) or a number from 0")
	}
	for _, t := range slices.Sorted(maps.Keys(u.MaxResources)) {
		v.Check(s.catalogue.IsResourceType(t), "maxResources."+t, "is not a configured resource type")
		v.Check(u.MaxResources[t] >= -1, "maxResources."+t, "must be -1 (unlimited) or a number from 0")
	}
	return v.Err()
}

func (s *Service) view(o *gatehouse.Org) *Limits {
	l := &Limits{
		OrgID:        o.ID,
		MaxMembers:   o.Quotas.MaxMembers,
		MaxResources: map[string]int{},
		Usage:        Usage{Members: o.Usage.Members, PendingInvites: o.Usage.PendingInvites, Resources: map[string]int{}},
	}
	for _, t := range s.catalogue.ResourceTypes {
		l.MaxResources[t], l.Usage.Resources[t] = -1, 0
	}
	maps.Copy(l.MaxResources, o.Quotas.MaxResources)
	maps.Copy(l.Usage.Resources, o.Usage.Resources)
	return l
}

// NewMux returns the HTTP handlers of the limits function.
func NewMux(svc *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnLimits, log)
	apigw.Handle(m, "GET /v1/orgs/{orgId}/limits", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*Limits, error) {
		return svc.Get(ctx, r.Param("orgId"))
	})
	apigw.Handle(m, "PUT /v1/orgs/{orgId}/limits", http.StatusOK, func(ctx context.Context, r *apigw.Request, u Update) (*Limits, error) {
		return svc.Set(ctx, r.Caller, r.Param("orgId"), u)
	})
	return m
}
