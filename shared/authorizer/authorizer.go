// Package authorizer is Gatehouse's Lambda REQUEST authorizer for the HTTP
// API (payload 2.0, simple responses). For every request it verifies the
// caller (a Cognito access token or a Gatehouse API token), loads the account
// and the membership of the org in the path, and decides the route's
// permission with the rules of DESIGN.md section 3. It fails closed: any
// error is a refusal.
//
// Answers: a missing or invalid credential returns the error "Unauthorized",
// which API Gateway turns into 401; every other refusal is isAuthorized
// false, a 403. On success the context carries the caller's identity and
// effective roles and permissions for the function (apigw.Caller).
package authorizer

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/jwtverify"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// ErrUnauthorized is the error API Gateway maps to 401.
var ErrUnauthorized = errors.New("Unauthorized")

// APITokenPrefix starts every Gatehouse API token.
const APITokenPrefix = "gha_"

// Verifier verifies Cognito access tokens.
type Verifier interface {
	Verify(ctx context.Context, raw string) (*jwtverify.Claims, error)
}

// Store is what the authorizer reads.
type Store interface {
	LoadAuthContext(ctx context.Context, userID, orgID string) (*dynamo.AuthContext, error)
	APITokenBySecret(ctx context.Context, secret string) (*gatehouse.APIToken, error)
}

// Authorizer decides requests.
type Authorizer struct {
	verifier  Verifier
	store     Store
	catalogue *authz.Catalogue
	cache     *cache
	log       *slog.Logger
	now       func() time.Time
}

// Options configure an Authorizer.
type Options struct {
	Verifier  Verifier
	Store     Store
	Catalogue *authz.Catalogue
	// CacheTTL keeps loaded accounts and memberships in memory for this
	// long. 0 (the default) reads them on every request, so a change takes
	// effect at the very next request; a few seconds saves the read at the
	// price of changes taking up to the TTL to apply.
	CacheTTL time.Duration
	Log      *slog.Logger
	Now      func() time.Time
}

// New returns an authorizer.
func New(o Options) *Authorizer {
	a := &Authorizer{verifier: o.Verifier, store: o.Store, catalogue: o.Catalogue, log: o.Log, now: o.Now}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.cache = newCache(o.CacheTTL, a.now)
	return a
}

// decision is the outcome before it becomes a response.
type decision struct {
	allow   bool
	reason  string
	context map[string]any
}

func deny(reason string) decision { return decision{reason: reason} }

// Handle is the Lambda handler.
func (a *Authorizer) Handle(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	d, err := a.decide(ctx, &req)
	log := a.log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey, "org", req.PathParameters["orgId"])
	switch {
	case errors.Is(err, ErrUnauthorized):
		log.Info("authorizer decision", "decision", "deny", "reason", "unauthenticated")
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, ErrUnauthorized
	case err != nil:
		// Fail closed: the store or JWKS could not be read.
		log.Error("authorizer decision", "decision", "deny", "reason", "error", "error", err)
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
	}
	if !d.allow {
		log.Info("authorizer decision", "decision", "deny", "reason", d.reason)
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
	}
	log.Info("authorizer decision", "decision", "allow", "actor", d.context[apigw.CtxUserID])
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: d.context}, nil
}

// credential finds the bearer credential: the Authorization header, or
// ?token= on routes that accept it (GET only, for embedded views).
func credential(req *events.APIGatewayV2CustomAuthorizerV2Request, route routes.Route) (string, bool) {
	h := header(req.Headers, "authorization")
	if h != "" {
		scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return "", false
		}
		return strings.TrimSpace(tok), true
	}
	if q := req.QueryStringParameters["token"]; q != "" {
		if !route.AcceptsQueryToken() || !strings.HasPrefix(q, APITokenPrefix) {
			return "", false
		}
		return q, true
	}
	return "", false
}

func header(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (a *Authorizer) decide(ctx context.Context, req *events.APIGatewayV2CustomAuthorizerV2Request) (decision, error) {
	route, ok := routes.ByKey(req.RouteKey)
	if !ok {
		return deny("unknown_route"), nil
	}
	if route.Access == routes.Public {
		return decision{allow: true, context: map[string]any{}}, nil
	}
	if q := req.QueryStringParameters["token"]; q != "" && !route.AcceptsQueryToken() {
		// A token in the URL ends up in logs and histories: only read-only
		// GET routes take one.
		return decision{}, ErrUnauthorized
	}
	raw, ok := credential(req, route)
	if !ok {
		return decision{}, ErrUnauthorized
	}
	orgID := ""
	if route.OrgScoped() {
		orgID = req.PathParameters["orgId"]
		if orgID == "" {
			return deny("no_org"), nil
		}
	}

	var userID, tokenID string
	var scope *authz.TokenScope
	now := a.now()
	if strings.HasPrefix(raw, APITokenPrefix) {
		tok, err := a.store.APITokenBySecret(ctx, raw)
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
			return decision{}, ErrUnauthorized
		}
		if err != nil {
			return decision{}, err
		}
		if !tok.Usable(now) {
			return decision{}, ErrUnauthorized
		}
		// A token is bound to its org: it opens nothing elsewhere, and no
		// route outside an org.
		if !route.OrgScoped() || tok.OrgID != orgID {
			return deny(gatehouse.ReasonNotMember), nil
		}
		userID, tokenID = tok.UserID, tok.ID
		scope = &authz.TokenScope{Permissions: tok.Permissions, Readonly: tok.Readonly}
	} else {
		claims, err := a.verifier.Verify(ctx, raw)
		if errors.Is(err, jwtverify.ErrInvalid) {
			return decision{}, ErrUnauthorized
		}
		if err != nil {
			return decision{}, err
		}
		userID = claims.Subject
	}

	ac, err := a.load(ctx, userID, orgID)
	if err != nil {
		return decision{}, err
	}
	if ac.User == nil {
		return deny("no_profile"), nil
	}
	if !ac.User.Usable(now) {
		return deny(gatehouse.ReasonDisabled), nil
	}
	ctxOut := map[string]any{
		apigw.CtxUserID:        userID,
		apigw.CtxEmail:         ac.User.Email,
		apigw.CtxPlatformAdmin: boolString(ac.User.PlatformAdmin),
		apigw.CtxTokenID:       tokenID,
		apigw.CtxExpiresAt:     timeString(ac.User.ExpiresAt),
	}

	switch route.Access {
	case routes.SignedIn:
		return decision{allow: true, context: ctxOut}, nil
	case routes.PlatformAdmin:
		if !ac.User.PlatformAdmin || tokenID != "" {
			return deny(gatehouse.ReasonNotPlatformAdmin), nil
		}
		return decision{allow: true, context: ctxOut}, nil
	}

	// Org-scoped routes from here on.
	if ac.Org == nil {
		return deny("no_org"), nil
	}
	subject, expiry, reason := a.subject(ac, userID, now)
	if reason != "" {
		// A platform admin sets any org's quotas (DESIGN.md section 4)
		// without being a member of it.
		if ac.User.PlatformAdmin && tokenID == "" && route.Function == routes.FnLimits {
			ctxOut[apigw.CtxOrgID] = orgID
			ctxOut[apigw.CtxPermissions] = "limits:read limits:update"
			ctxOut[apigw.CtxRoles] = ""
			return decision{allow: true, context: ctxOut}, nil
		}
		return deny(reason), nil
	}
	subject.Token = scope
	eff := authz.Compile(authz.PolicyOf(a.catalogue, ac.Org), subject)
	ctxOut[apigw.CtxOrgID] = orgID
	ctxOut[apigw.CtxRoles] = strings.Join(eff.Roles(), " ")
	ctxOut[apigw.CtxPermissions] = strings.Join(eff.Permissions(), " ")
	ctxOut[apigw.CtxExpiresAt] = timeString(earliest(ac.User.ExpiresAt, expiry))

	if route.Access == routes.Permission {
		perm := route.RequiredPermission(req.PathParameters)
		if d := eff.Check(perm); !d.Allowed {
			return deny(d.Reason), nil
		}
	}
	return decision{allow: true, context: ctxOut}, nil
}

// subject builds the evaluator's subject from the membership of the org
// and from owner/admin memberships of its ancestors (rule 5: they act as
// admin here, whatever their own membership of this org says). It returns
// the caller's expiry ceiling in the org, or a refusal reason. A disabled or
// expired membership of the org itself refuses: an explicit cut wins.
func (a *Authorizer) subject(ac *dynamo.AuthContext, userID string, now time.Time) (authz.Subject, *time.Time, string) {
	var inherited *gatehouse.Membership
	for _, am := range ac.AncestorMemberships {
		if am.Usable(now) && (am.HasRole(authz.RoleOwner) || am.HasRole(authz.RoleAdmin)) {
			if inherited == nil || (inherited.Readonly && !am.Readonly) {
				inherited = am
			}
		}
	}
	m := ac.Membership
	if m == nil {
		if inherited == nil {
			return authz.Subject{}, nil, gatehouse.ReasonNotMember
		}
		return authz.Subject{UserID: userID, InheritedAdmin: true, Readonly: inherited.Readonly}, inherited.ExpiresAt, ""
	}
	if !m.Usable(now) {
		if m.Status == gatehouse.StatusActive {
			return authz.Subject{}, nil, gatehouse.ReasonExpired
		}
		return authz.Subject{}, nil, gatehouse.ReasonDisabled
	}
	sub := authz.Subject{
		UserID:           userID,
		Roles:            m.Roles,
		Groups:           slices.Concat(m.Groups, []string{AllGroup}),
		Readonly:         m.Readonly,
		ResourceReadonly: m.ResourceReadonly,
	}
	expiry := m.ExpiresAt
	if inherited != nil {
		sub.InheritedAdmin = true
		// The parent's admin is not bound by the flags a sub-org put on
		// its own membership, only by its own.
		sub.Readonly = inherited.Readonly
		sub.ResourceReadonly = inherited.ResourceReadonly
		expiry = earliest(expiry, inherited.ExpiresAt)
	}
	return sub, expiry, ""
}

// AllGroup is the built-in group every member belongs to.
const AllGroup = "all"

func (a *Authorizer) load(ctx context.Context, userID, orgID string) (*dynamo.AuthContext, error) {
	if ac, ok := a.cache.get(userID, orgID); ok {
		return ac, nil
	}
	ac, err := a.store.LoadAuthContext(ctx, userID, orgID)
	if err != nil {
		return nil, err
	}
	a.cache.put(userID, orgID, ac)
	return ac, nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func timeString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func earliest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.Before(*a):
		return b
	}
	return a
}
