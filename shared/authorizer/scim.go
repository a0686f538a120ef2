package authorizer

import (
	"context"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// ScimTokenPrefix starts every SCIM token (docs/scim.md).
const ScimTokenPrefix = "ghs_"

// scimStore is what a SCIM token's decision reads: the token's secret item
// and the org, in one BatchGetItem (*dynamo.Store).
type scimStore interface {
	ScimAuth(ctx context.Context, secret, orgID string) (*gatehouse.ScimToken, *gatehouse.Org, error)
}

// isScimToken reports whether a credential is a SCIM token.
func isScimToken(raw string) bool { return strings.HasPrefix(raw, ScimTokenPrefix) }

// decideScim decides a request made with a SCIM token: a caller of its
// own (authz.ScimCaller), bound to its org, that opens the SCIM routes and
// nothing else, never in a URL.
func (a *Authorizer) decideScim(ctx context.Context, route routes.Route, raw, orgID string, inURL bool, actor gatehouse.Actor) (*gatehouse.Caller, *refusal, error) {
	st, ok := a.store.(scimStore)
	if !ok || inURL {
		return nil, unauthenticated(), nil
	}
	if route.Function != routes.FnScim || !route.OrgScoped() {
		return nil, forbidden(gatehouse.ReasonTokenNarrowing), nil
	}
	tok, org, err := st.ScimAuth(ctx, raw, orgID)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return nil, unauthenticated(), nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !tok.Usable(a.now()) {
		return nil, unauthenticated(), nil
	}
	if tok.OrgID != orgID || org == nil {
		return nil, forbidden(gatehouse.ReasonNotMember), nil
	}
	c, eff := authz.ScimCaller(a.catalogue, org, tok, actor)
	if route.Access == routes.Permission {
		if d := eff.Check(route.RequiredPermission(nil)); !d.Allowed {
			return nil, forbidden(d.Reason), nil
		}
	}
	return c, nil, nil
}
