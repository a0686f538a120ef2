package authorizer

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// ImpersonationPrefix starts every impersonation session secret (issue 17,
// "log in as user"; docs/security.md, "Impersonation").
const ImpersonationPrefix = "ghm_"

// ImpersonationStore is what deciding a session needs beyond Store.
type ImpersonationStore interface {
	ImpersonationBySecret(ctx context.Context, secret string) (*gatehouse.Impersonation, error)
}

// impersonated decides a request made with an impersonation session: one
// read of the session by its secret's hash, then the target's and the
// impersonator's standing in the session's org (each an auth context load,
// as for any caller). The caller is the target with its effective set
// intersected with what the impersonator holds there now
// (authz.ImpersonationCap), its TokenID the session id (whatever refuses
// API tokens refuses sessions too: minting tokens, platform admin powers)
// and ImpersonatedBy the impersonator, which every audit event it writes
// names.
func (a *Authorizer) impersonated(ctx context.Context, req *events.APIGatewayV2CustomAuthorizerV2Request, route routes.Route,
	raw string, inURL bool, orgID string, actor gatehouse.Actor) (*gatehouse.Caller, *refusal, error) {
	if inURL {
		return nil, unauthenticated(), nil // never reached: credential() takes only API tokens from a URL
	}
	sess, err := a.store.ImpersonationBySecret(ctx, raw)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return nil, unauthenticated(), nil
	}
	if err != nil {
		return nil, nil, err
	}
	now := a.now()
	if !sess.Usable(now) {
		return nil, unauthenticated(), nil
	}
	// A session is bound to its org and opens only its member routes:
	// never another org, the caller's own account (signed-in routes) or
	// the platform admin's.
	if !route.OrgScoped() || (route.Access != routes.Member && route.Access != routes.Permission) {
		return nil, forbidden(gatehouse.ReasonImpersonation), nil
	}
	if sess.OrgID != orgID {
		return nil, forbidden(gatehouse.ReasonNotMember), nil
	}
	imp, err := a.load(ctx, sess.ImpersonatorID, orgID)
	if err != nil {
		return nil, nil, err
	}
	if imp.Org == nil {
		return nil, forbidden(gatehouse.ReasonNotMember), nil
	}
	capPerms, impCeiling, r := authz.ImpersonationCap(a.catalogue, imp.Org,
		authz.Standing{User: imp.User, Membership: imp.Membership, Ancestors: imp.AncestorMemberships}, now)
	if r != nil {
		// The impersonator lost its standing: the session ends with it.
		return nil, unauthenticated(), nil
	}
	ac, err := a.load(ctx, sess.UserID, orgID)
	if err != nil {
		return nil, nil, err
	}
	if ac.Org == nil {
		return nil, forbidden(gatehouse.ReasonNotMember), nil
	}
	subject, ceiling, r := authz.SubjectOf(authz.Standing{User: ac.User, Membership: ac.Membership, Ancestors: ac.AncestorMemberships}, now)
	if r != nil {
		return nil, &refusal{code: r.Code, reason: r.Reason}, nil
	}
	subject.Token = &authz.TokenScope{Permissions: capPerms}
	eff := authz.Compile(authz.PolicyOf(a.catalogue, ac.Org), subject)
	if route.Access == routes.Permission {
		if d := eff.Check(route.RequiredPermission(req.PathParameters)); !d.Allowed {
			return nil, forbidden(d.Reason), nil
		}
	}
	actor.UserID, actor.Email, actor.TokenID, actor.ImpersonatedBy = ac.User.ID, ac.User.Email, sess.ID, sess.ImpersonatorID
	c := authz.CallerOf(actor, orgID, eff, authz.ImpersonatedCeiling(ceiling, impCeiling))
	// Both identities in the log of every request the session makes; its
	// changes carry both in their audit events.
	a.log.LogAttrs(ctx, slog.LevelInfo, "impersonated request", slog.String("requestId", req.RequestContext.RequestID),
		slog.String("route", req.RouteKey), slog.String("org", orgID), slog.String("session", sess.ID),
		slog.String("actor", c.UserID), slog.String("impersonatedBy", c.ImpersonatedBy))
	return &c, nil, nil
}
