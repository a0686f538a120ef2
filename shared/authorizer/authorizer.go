// Package authorizer is Gatehouse's Lambda REQUEST authorizer for the HTTP
// API (payload 2.0, simple responses). For every request it verifies the
// caller (a Cognito access token or a Gatehouse API token), loads the account
// and the membership of the org in the path, and decides the route's
// permission with the evaluator (shared/authz). It fails closed.
//
// It never fails the request itself and never returns an error: an HTTP
// API answers an authorizer's refusal with a bare 403 and its error with a
// 500, neither of which says why. Every answer is isAuthorized true with the
// decision in the context: allow (the caller, for the function) or deny (a
// code and a reason). The guard every function runs (apigw.Mux.Serve)
// answers a refusal as problem+json before any handler code or store read.
// See docs/security.md.
package authorizer

import (
	"context"
	"errors"
	"log/slog"
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
	ImpersonationStore // impersonation.go
}

// Authorizer decides requests.
type Authorizer struct {
	verifier  Verifier
	store     Store
	catalogue *authz.Catalogue
	cache     *cache
	perms     *permCache
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
	a.perms = newPermCache(maxPermEntries)
	return a
}

// refusal is a deny decision: its code and reason.
type refusal struct {
	code   gatehouse.Code
	reason string
}

func unauthenticated() *refusal {
	return &refusal{code: gatehouse.CodeUnauthenticated, reason: gatehouse.ReasonUnauthenticated}
}

func forbidden(reason string) *refusal {
	return &refusal{code: gatehouse.CodeForbidden, reason: reason}
}

// Handle is the Lambda handler. It always answers isAuthorized true and
// never an error: the decision travels in the context (see the package
// doc). A store or key-set failure is a deny with code unavailable (503),
// logged at error level: the one kind of real failure.
func (a *Authorizer) Handle(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	// Decide before the invocation's deadline less a margin: out of time,
	// the answer is a 503 decision, never a function killed at its timeout
	// (which HTTP API answers with a bare 500; docs/reliability.md).
	dctx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		dctx, cancel = context.WithDeadline(ctx, dl.Add(-apigw.AnswerMargin))
		defer cancel()
	}
	caller, ref, err := a.decide(dctx, &req)
	// LogAttrs, not Logger.With: no logger is built per request.
	reqID, route, org := slog.String("requestId", req.RequestContext.RequestID), slog.String("route", req.RouteKey), slog.String("org", req.PathParameters["orgId"])
	var out map[string]any
	switch {
	case err != nil:
		// Fail closed: the store or the key set could not be read.
		a.log.LogAttrs(ctx, slog.LevelError, "authorizer decision", reqID, route, org, slog.String("decision", "deny"),
			slog.String("reason", gatehouse.ReasonUnavailable), slog.Any("error", err))
		out = apigw.DenyContext(gatehouse.CodeUnavailable, gatehouse.ReasonUnavailable)
	case ref != nil:
		a.log.LogAttrs(ctx, slog.LevelInfo, "authorizer decision", reqID, route, org, slog.String("decision", "deny"),
			slog.String("code", string(ref.code)), slog.String("reason", ref.reason))
		out = apigw.DenyContext(ref.code, ref.reason)
	default:
		a.log.LogAttrs(ctx, slog.LevelInfo, "authorizer decision", reqID, route, org, slog.String("decision", "allow"),
			slog.String("actor", caller.UserID))
		out = apigw.AllowContext(caller)
	}
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: out}, nil
}

// credential finds the bearer credential: the Authorization header, or
// ?token= on routes that accept it (GET only, for embedded views). inURL
// says it came from the query string.
func credential(req *events.APIGatewayV2CustomAuthorizerV2Request, route routes.Route) (raw string, inURL, ok bool) {
	q := req.QueryStringParameters["token"]
	if q != "" && (!route.AcceptsQueryToken() || !strings.HasPrefix(q, APITokenPrefix)) {
		// A credential in the URL ends up in logs and histories: only
		// GET routes take one, and only an API token.
		return "", false, false
	}
	h := header(req.Headers, "authorization")
	if h != "" {
		scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return "", false, false
		}
		return strings.TrimSpace(tok), false, true
	}
	if q != "" {
		return q, true, true
	}
	return "", false, false
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

// decide returns the caller of an allowed request, or the refusal, or an
// error when what it must read could not be read.
func (a *Authorizer) decide(ctx context.Context, req *events.APIGatewayV2CustomAuthorizerV2Request) (*gatehouse.Caller, *refusal, error) {
	route, ok := routes.ByKey(req.RouteKey)
	if !ok {
		return nil, forbidden(gatehouse.ReasonUnknownRoute), nil
	}
	if route.Access == routes.Public {
		return &gatehouse.Caller{}, nil, nil
	}
	raw, inURL, ok := credential(req, route)
	if !ok {
		return nil, unauthenticated(), nil
	}
	orgID := ""
	if route.OrgScoped() {
		orgID = req.PathParameters["orgId"]
		if orgID == "" {
			return nil, forbidden(gatehouse.ReasonNotMember), nil
		}
	}

	actor := gatehouse.Actor{RequestID: req.RequestContext.RequestID, SourceIP: req.RequestContext.HTTP.SourceIP}
	if isScimToken(raw) { // SCIM tokens: scim.go
		return a.decideScim(ctx, route, raw, orgID, inURL, actor)
	}
	var scope *authz.TokenScope
	now := a.now()
	if strings.HasPrefix(raw, ImpersonationPrefix) {
		return a.impersonated(ctx, req, route, raw, inURL, orgID, actor) // impersonation.go
	}
	if strings.HasPrefix(raw, APITokenPrefix) {
		tok, err := a.store.APITokenBySecret(ctx, raw)
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
			return nil, unauthenticated(), nil
		}
		if err != nil {
			return nil, nil, err
		}
		if !tok.Usable(now) {
			return nil, unauthenticated(), nil
		}
		// A token in the URL must be one that can only read: a URL leaks
		// into logs and referrers (docs/security.md).
		if inURL && !tok.OnlyReads() {
			return nil, forbidden(gatehouse.ReasonTokenInURL), nil
		}
		// A token is bound to its org: it opens nothing elsewhere, and no
		// route outside an org.
		if !route.OrgScoped() || tok.OrgID != orgID {
			return nil, forbidden(gatehouse.ReasonNotMember), nil
		}
		actor.UserID, actor.TokenID = tok.UserID, tok.ID
		scope = &authz.TokenScope{Permissions: tok.Permissions, Readonly: tok.Readonly}
	} else {
		claims, err := a.verifier.Verify(ctx, raw)
		if errors.Is(err, jwtverify.ErrInvalid) {
			return nil, unauthenticated(), nil
		}
		if err != nil {
			return nil, nil, err
		}
		actor.UserID = claims.Subject
	}

	ac, err := a.load(ctx, actor.UserID, orgID)
	if err != nil {
		return nil, nil, err
	}
	if r := authz.AccountRefusal(ac.User, now); r != nil {
		return nil, &refusal{code: r.Code, reason: r.Reason}, nil
	}
	actor.Email, actor.PlatformAdmin = ac.User.Email, ac.User.PlatformAdmin

	switch route.Access {
	case routes.SignedIn:
		return &gatehouse.Caller{Actor: actor, ExpiresAt: ac.User.ExpiresAt}, nil, nil
	case routes.PlatformAdmin:
		if !ac.User.PlatformAdmin || actor.TokenID != "" {
			return nil, forbidden(gatehouse.ReasonNotPlatformAdmin), nil
		}
		return &gatehouse.Caller{Actor: actor, ExpiresAt: ac.User.ExpiresAt}, nil, nil
	}

	// Org-scoped routes from here on.
	if ac.Org == nil {
		return nil, forbidden(gatehouse.ReasonNotMember), nil
	}
	st := authz.Standing{User: ac.User, Membership: ac.Membership, Ancestors: ac.AncestorMemberships}
	subject, ceiling, r := authz.SubjectOf(st, now)
	if r != nil {
		// A platform admin sets any org's quotas without being a member of
		// it (docs/limits-and-expiry.md).
		if route.Function == routes.FnLimits && actor.PlatformAdmin && actor.TokenID == "" {
			return &gatehouse.Caller{Actor: actor, OrgID: orgID, ExpiresAt: ac.User.ExpiresAt,
				Permissions: []string{"limits:read", "limits:update"}}, nil, nil
		}
		return nil, &refusal{code: r.Code, reason: r.Reason}, nil
	}
	subject.Token = scope
	// Compiled once per org version and subject (permcache.go).
	eff, c := a.perms.compile(a.catalogue, ac.Org, subject)
	if route.Access == routes.Permission {
		if d := eff.Check(route.RequiredPermission(req.PathParameters)); !d.Allowed {
			return nil, forbidden(d.Reason), nil
		}
	}
	c.Actor, c.ExpiresAt = actor, ceiling
	return &c, nil, nil
}

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
