// Package accounts serves the caller's own account (GET/PATCH /v1/me), the
// permission catalogue, the OpenAPI document, and orgs (create, read,
// update, delete): the `me` and `orgs` functions.
package accounts

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/openapi"
	"github.com/gatehouse-dev/gatehouse/shared/profiles"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Store is what the account and org use cases read and write.
type Store interface {
	Now() time.Time
	User(ctx context.Context, userID string) (*gatehouse.User, error)
	Account(ctx context.Context, userID string) (*gatehouse.Account, error)
	UpdateProfile(ctx context.Context, userID string, ch dynamo.ProfileChanges, actor gatehouse.Actor) (*gatehouse.User, error)
	CreateOrg(ctx context.Context, o *gatehouse.Org, owner *gatehouse.Membership, actor gatehouse.Actor) error
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	UpdateOrg(ctx context.Context, orgID string, ch dynamo.OrgChanges, actor gatehouse.Actor) (*gatehouse.Org, error)
	DeleteOrg(ctx context.Context, orgID string, actor gatehouse.Actor) error
	OrgDeleter // org deletion, issue 17 (orgdelete.go)
}

// Service holds the account and org use cases.
type Service struct {
	store     Store
	catalogue *authz.Catalogue
}

// NewService returns the service.
func NewService(store Store, catalogue *authz.Catalogue) *Service {
	return &Service{store: store, catalogue: catalogue}
}

// Me returns the caller's profile and memberships.
func (s *Service) Me(ctx context.Context, userID string) (*gatehouse.Account, error) {
	return s.store.Account(ctx, userID)
}

// ProfilePatch is the body of PATCH /v1/me. A field left out is unchanged;
// an empty string clears it.
type ProfilePatch struct {
	Name     *string `json:"name"`
	Phone    *string `json:"phone"`
	TimeZone *string `json:"timeZone"`
	Language *string `json:"language"`
}

// Validate checks every given field and canonicalizes the language tag.
func (p *ProfilePatch) Validate() error {
	var v gatehouse.Validator
	if p.Name == nil && p.Phone == nil && p.TimeZone == nil && p.Language == nil {
		v.Add("body", "give at least one of name, phone, timeZone, language")
	}
	// The one profile validation, shared with creation and invites.
	profiles.CheckFields(&v, "", p.Name, p.Phone, p.TimeZone, p.Language)
	return v.Err()
}

// UpdateMe applies a profile patch.
func (s *Service) UpdateMe(ctx context.Context, actor gatehouse.Actor, p ProfilePatch) (*gatehouse.User, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return s.store.UpdateProfile(ctx, actor.UserID, dynamo.ProfileChanges{
		Name: p.Name, Phone: p.Phone, TimeZone: p.TimeZone, Language: p.Language,
	}, actor)
}

// Permissions is the answer of GET /v1/permissions.
type Permissions struct {
	Permissions   []string         `json:"permissions"`
	ResourceTypes []string         `json:"resourceTypes"`
	Roles         []gatehouse.Role `json:"roles"`
}

// Catalogue lists the permissions and built-in roles.
func (s *Service) Catalogue() Permissions {
	out := Permissions{Permissions: s.catalogue.Permissions(), ResourceTypes: s.catalogue.ResourceTypes}
	for _, id := range authz.BuiltinRoleIDs {
		perms, _ := s.catalogue.BuiltinRole(id)
		out.Roles = append(out.Roles, gatehouse.Role{ID: id, Name: authz.BuiltinRoleNames[id], Permissions: perms, BuiltIn: true})
	}
	return out
}

// OrgInput is the body of POST /v1/orgs and PATCH /v1/orgs/{orgId}.
type OrgInput struct {
	Name     *string            `json:"name"`
	Settings *OrgSettingsChange `json:"settings"`
}

// OrgSettingsChange changes org settings.
type OrgSettingsChange struct {
	DefaultResourceAccess *string `json:"defaultResourceAccess" jsonschema:"enum=granted,enum=all"`
}

func (in *OrgInput) validate(create bool) error {
	var v gatehouse.Validator
	if in.Name != nil {
		*in.Name = strings.TrimSpace(*in.Name)
		v.Check(*in.Name != "" && gatehouse.PrintableText(*in.Name, 200), "name", "must be 1 to 200 printable characters")
	} else if create {
		v.Add("name", "is required")
	}
	if !create && in.Name == nil && in.Settings == nil {
		v.Add("body", "give name or settings")
	}
	if in.Settings != nil && in.Settings.DefaultResourceAccess != nil {
		a := *in.Settings.DefaultResourceAccess
		v.Check(a == gatehouse.ResourceAccessAll || a == gatehouse.ResourceAccessGranted,
			"settings.defaultResourceAccess", "must be %q or %q", gatehouse.ResourceAccessGranted, gatehouse.ResourceAccessAll)
	}
	return v.Err()
}

// CreateOrg creates a top-level org owned by the caller.
func (s *Service) CreateOrg(ctx context.Context, actor gatehouse.Actor, in OrgInput) (*gatehouse.Org, error) {
	if err := in.validate(true); err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	now := s.store.Now()
	o := &gatehouse.Org{
		ID:        ids.New("org"),
		Name:      *in.Name,
		Settings:  gatehouse.OrgSettings{DefaultResourceAccess: gatehouse.ResourceAccessGranted},
		Quotas:    gatehouse.Quotas{MaxMembers: -1},
		CreatedAt: now,
		UpdatedAt: now,
	}
	if in.Settings != nil && in.Settings.DefaultResourceAccess != nil {
		o.Settings.DefaultResourceAccess = *in.Settings.DefaultResourceAccess
	}
	owner := dynamo.OwnerMembership(o.ID, actor.UserID, u.ResourceLimit, now)
	owner.AccountLimited = dynamo.AccountLimited(u) // rule 9: not a usable owner
	if err := s.store.CreateOrg(ctx, o, owner, actor); err != nil {
		return nil, err
	}
	return s.store.Org(ctx, o.ID)
}

// UpdateOrg renames an org or changes its settings.
func (s *Service) UpdateOrg(ctx context.Context, actor gatehouse.Actor, orgID string, in OrgInput) (*gatehouse.Org, error) {
	if err := in.validate(false); err != nil {
		return nil, err
	}
	ch := dynamo.OrgChanges{Name: in.Name}
	if in.Settings != nil {
		ch.DefaultResourceAccess = in.Settings.DefaultResourceAccess
	}
	return s.store.UpdateOrg(ctx, orgID, ch, actor)
}

// orgView is an org as its members see it: nothing of its parents (rule 5:
// members of a sub-org see nothing of the parent, not even its id).
func orgView(o *gatehouse.Org) *gatehouse.Org {
	v := *o
	v.ParentID, v.Ancestors = "", nil
	return &v
}

// Access is what the caller may do in an org, as the authorizer decided it
// for this request: the effective roles and permissions after groups,
// inherited authority, flags and the token's narrowing (rules 2, 3 and 5).
// A client shows or hides what these allow.
type Access struct {
	OrgID       string     `json:"orgId"`
	UserID      string     `json:"userId"`
	Roles       []string   `json:"roles"`
	Permissions []string   `json:"permissions"`
	Inherited   bool       `json:"inherited"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	TokenID     string     `json:"tokenId,omitempty"`
	// ImpersonatedBy is set when the request comes through an
	// impersonation session: who started it (userId is the member acted as).
	ImpersonatedBy string `json:"impersonatedBy,omitempty"`
}

// AccessOf is the caller's access in the org of the route.
func AccessOf(c *gatehouse.Caller) Access {
	a := Access{OrgID: c.OrgID, UserID: c.UserID, Roles: c.Roles, Permissions: c.Permissions,
		Inherited: c.Inherited, ExpiresAt: c.ExpiresAt, TokenID: c.TokenID, ImpersonatedBy: c.ImpersonatedBy}
	if a.Roles == nil {
		a.Roles = []string{}
	}
	if a.Permissions == nil {
		a.Permissions = []string{}
	}
	return a
}

// NewMeMux returns the `me` function's routes.
func NewMeMux(s *Service, log *slog.Logger) *apigw.Mux {
	m := apigw.NewMux(routes.FnMe, log)
	// The committed document (shared/openapi/openapi.json), generated from
	// these very handlers' types and embedded in the binary.
	apigw.Handle(m, "GET /v1/openapi.json", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (openapi.Doc, error) {
		return openapi.JSON(), nil
	})
	apigw.Handle(m, "GET /v1/permissions", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (Permissions, error) {
		return s.Catalogue(), nil
	})
	apigw.Handle(m, "GET /v1/me", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*gatehouse.Account, error) {
		return s.Me(ctx, r.Caller.UserID)
	})
	apigw.Handle(m, "PATCH /v1/me", http.StatusOK, func(ctx context.Context, r *apigw.Request, p ProfilePatch) (*gatehouse.User, error) {
		return s.UpdateMe(ctx, r.Caller.Actor, p)
	})
	return m
}

// NewOrgsMux returns the `orgs` function's routes; register adds the routes
// other packages serve in the same function (sub-orgs).
func NewOrgsMux(s *Service, log *slog.Logger, register ...func(*apigw.Mux)) *apigw.Mux {
	m := apigw.NewMux(routes.FnOrgs, log)
	apigw.Handle(m, "POST /v1/orgs", http.StatusCreated, func(ctx context.Context, r *apigw.Request, in OrgInput) (*gatehouse.Org, error) {
		return s.CreateOrg(ctx, r.Caller.Actor, in)
	})
	apigw.Handle(m, "GET /v1/orgs/{orgId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (*gatehouse.Org, error) {
		o, err := s.store.Org(ctx, r.Param("orgId"))
		if err != nil {
			return nil, err
		}
		return orgView(o), nil
	})
	apigw.Handle(m, "GET /v1/orgs/{orgId}/me", http.StatusOK, func(ctx context.Context, r *apigw.Request, _ apigw.Empty) (Access, error) {
		return AccessOf(r.Caller), nil
	})
	apigw.Handle(m, "PATCH /v1/orgs/{orgId}", http.StatusOK, func(ctx context.Context, r *apigw.Request, in OrgInput) (*gatehouse.Org, error) {
		o, err := s.UpdateOrg(ctx, r.Caller.Actor, r.Param("orgId"), in)
		if err != nil {
			return nil, err
		}
		return orgView(o), nil
	})
	apigw.Handle(m, "DELETE /v1/orgs/{orgId}", 0, func(ctx context.Context, r *apigw.Request, q DeleteOrgQuery) (apigw.Empty, error) {
		return apigw.Empty{}, DeleteOrg(ctx, s.store, r.Caller, r.Param("orgId"), q)
	})
	for _, reg := range register {
		reg(m)
	}
	return m
}
