package members

import (
	"context"
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// MoveStore is what moving a member reads and writes (*dynamo.Store).
type MoveStore interface {
	Now() time.Time
	Org(ctx context.Context, orgID string) (*gatehouse.Org, error)
	Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error)
	LoadAuthContext(ctx context.Context, userID, orgID string) (*dynamo.AuthContext, error)
	MoveMember(ctx context.Context, mv dynamo.MemberMove) (*dynamo.MoveResult, error)
}

// Mover moves members between the orgs of one tree ("change owner",
// docs/membership.md, "Moving a member").
type Mover struct {
	store MoveStore
	cat   *authz.Catalogue
}

// NewMover returns the use case.
func NewMover(store MoveStore, cat *authz.Catalogue) *Mover { return &Mover{store: store, cat: cat} }

// MoveInput is the body of POST /v1/orgs/{orgId}/members/{userId}/move.
type MoveInput struct {
	// To is the destination org: another org of the same top-level org
	// (a sub-org, the parent, or further up or down the tree).
	To string `json:"to" jsonschema:"required"`
	// Roles the member gets in the destination; its roles, custom roles
	// and groups of the source stay behind.
	Roles []string `json:"roles" jsonschema:"required"`
	// Resources says what becomes of the resources the member owns in the
	// source: retain (they stay there, owned by the moved member, for the
	// source's admins to transfer), transfer (to transferTo, a member of
	// the source) or move (to the destination, with their ids; their
	// grants stay behind).
	Resources  string `json:"resources,omitempty" jsonschema:"enum=retain,enum=transfer,enum=move,default=retain"`
	TransferTo string `json:"transferTo,omitempty"`
}

// Moved is the answer of a move: the membership in the destination and
// what went with it.
type Moved struct {
	Member    gatehouse.Membership `json:"member"`
	Resources []string             `json:"resources"`
	// Revoked counts the API tokens and pending invites the member held in
	// the source, revoked for good (rule 6).
	Revoked int `json:"revoked"`
}

func (in *MoveInput) validate() error {
	var v gatehouse.Validator
	v.Check(in.To != "" && gatehouse.PrintableText(in.To, 64), "to", "required: the destination org's id")
	gatehouse.ValidateRoles(&v, in.Roles)
	if in.Resources == "" {
		in.Resources = dynamo.MoveRetain
	}
	switch in.Resources {
	case dynamo.MoveRetain, dynamo.MoveMove:
		v.Check(in.TransferTo == "", "transferTo", "only with resources: transfer")
	case dynamo.MoveTransfer:
		v.Check(in.TransferTo != "" && gatehouse.PrintableText(in.TransferTo, 128), "transferTo", "required with resources: transfer")
	default:
		v.Add("resources", "must be retain, transfer or move")
	}
	return v.Err()
}

// Move moves userID from orgID (the route's org, where the authorizer
// built c) to in.To: authz.MoveMember decides, the store moves in one
// transaction.
func (mv *Mover) Move(ctx context.Context, c *gatehouse.Caller, orgID, userID string, in MoveInput) (*Moved, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	from, err := mv.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	m, err := mv.store.Membership(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	ac, err := mv.store.LoadAuthContext(ctx, c.UserID, in.To)
	if err != nil {
		return nil, err
	}
	if ac.Org == nil {
		// Not told apart from an org of another tree.
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "to", Message: "must be another org of the same top-level org"})
	}
	chain, err := managers(ctx, mv.store, c.UserID, m)
	if err != nil {
		return nil, err
	}
	now := mv.store.Now()
	destCaller, _, refusal := authz.StandingCaller(mv.cat, ac.Org,
		authz.Standing{User: ac.User, Membership: ac.Membership, Ancestors: ac.AncestorMemberships}, now)
	if err := authz.MoveMember(authz.Move{
		Source: from, Dest: ac.Org,
		SourceCaller: c, SourcePolicy: authz.PolicyOf(mv.cat, from),
		Target: m, Managers: chain,
		DestCaller: destCaller, DestRefusal: refusal, DestPolicy: authz.PolicyOf(mv.cat, ac.Org),
		Roles: in.Roles,
	}); err != nil {
		return nil, err
	}
	moved := &gatehouse.Membership{
		OrgID: ac.Org.ID, UserID: m.UserID, Roles: in.Roles,
		Readonly: m.Readonly, ResourceReadonly: m.ResourceReadonly, Status: m.Status,
		ExpiresAt: authz.MovedExpiry(destCaller, m.ExpiresAt),
		UserLimit: m.UserLimit, ResourceLimit: m.ResourceLimit,
		InvitedBy: c.UserID, AccountLimited: m.AccountLimited,
		CreatedAt: now, UpdatedAt: now,
	}
	res, err := mv.store.MoveMember(ctx, dynamo.MemberMove{
		Member: m, From: from, To: ac.Org, Moved: moved,
		Resources: in.Resources, TransferTo: in.TransferTo, Pin: chain, Actor: c.Actor,
	})
	if err != nil {
		return nil, err
	}
	after, err := mv.store.Membership(ctx, ac.Org.ID, m.UserID)
	if err != nil {
		return nil, err
	}
	out := &Moved{Member: *after, Resources: []string{}, Revoked: res.Revoked}
	for _, r := range res.Resources {
		out.Resources = append(out.Resources, r.Type+"/"+r.ID)
	}
	return out, nil
}

// RegisterMove adds the move route to the members function's mux.
func RegisterMove(m *apigw.Mux, mv *Mover) {
	apigw.Handle(m, "POST /v1/orgs/{orgId}/members/{userId}/move", http.StatusOK, func(ctx context.Context, r *apigw.Request, in MoveInput) (*Moved, error) {
		return mv.Move(ctx, r.Caller, r.Param("orgId"), r.Param("userId"), in)
	})
}
