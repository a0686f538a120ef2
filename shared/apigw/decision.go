package apigw

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// The authorizer never fails a request itself: an HTTP API turns an
// authorizer's refusal into a bare 403 and its error into a 500, neither of
// which says why. It answers every request with isAuthorized true and its
// decision in the context; the guard in Mux.Serve turns a refusal into
// problem+json before any handler runs (docs/security.md, "refusals").
// These are the context keys; every value is a string.
const (
	CtxDecision      = "decision" // "allow" or "deny"
	CtxCode          = "code"     // refusal: the gatehouse.Code
	CtxReason        = "reason"   // refusal: why
	CtxUserID        = "userId"
	CtxEmail         = "email"
	CtxOrgID         = "orgId"
	CtxRoles         = "roles"       // space-separated effective roles
	CtxPermissions   = "permissions" // space-separated effective permissions, sorted
	CtxInherited     = "inherited"   // "true": authority from an ancestor org
	CtxPlatformAdmin = "platformAdmin"
	CtxTokenID       = "tokenId"
	CtxExpiresAt     = "expiresAt" // the caller's expiry ceiling, RFC 3339, "" if none
	// CtxImpersonatedBy: the impersonator's user id when the request comes
	// through an impersonation session (userId is then the target's).
	CtxImpersonatedBy = "impersonatedBy"
)

// Decision values.
const (
	DecisionAllow = "allow"
	DecisionDeny  = "deny"
)

// AllowContext is the authorizer context of an allowed request.
func AllowContext(c *gatehouse.Caller) map[string]any {
	exp := ""
	if c.ExpiresAt != nil {
		exp = c.ExpiresAt.UTC().Format(time.RFC3339Nano)
	}
	return map[string]any{
		CtxDecision:      DecisionAllow,
		CtxUserID:        c.UserID,
		CtxEmail:         c.Email,
		CtxOrgID:         c.OrgID,
		CtxRoles:         strings.Join(c.Roles, " "),
		CtxPermissions:   strings.Join(c.Permissions, " "),
		CtxInherited:     strconv.FormatBool(c.Inherited),
		CtxPlatformAdmin: strconv.FormatBool(c.PlatformAdmin),
		CtxTokenID:       c.TokenID,
		CtxExpiresAt:     exp,
		// Impersonation (issue 17).
		CtxImpersonatedBy: c.ImpersonatedBy,
	}
}

// DenyContext is the authorizer context of a refused request: the error
// code (unauthenticated, forbidden, expired, unavailable) and the reason.
func DenyContext(code gatehouse.Code, reason string) map[string]any {
	return map[string]any{CtxDecision: DecisionDeny, CtxCode: string(code), CtxReason: reason}
}

// refusalMessages say in words what each refusal reason means.
var refusalMessages = map[string]string{
	gatehouse.ReasonUnauthenticated:  "sign in again: the credential is missing, malformed, expired or revoked",
	gatehouse.ReasonTokenInURL:       "an API token in the URL is accepted only on GET routes, and only if it can only read",
	gatehouse.ReasonDisabled:         "the account or membership is disabled",
	gatehouse.ReasonExpired:          "the account or membership has expired",
	gatehouse.ReasonNotMember:        "you are not a member of this org",
	gatehouse.ReasonNoProfile:        "the account has no Gatehouse profile",
	gatehouse.ReasonNotPlatformAdmin: "only a platform admin may do this, signed in (not with an API token)",
	gatehouse.ReasonReadonly:         "your membership is read-only",
	gatehouse.ReasonResourceReadonly: "your membership may not change resources",
	gatehouse.ReasonTokenNarrowing:   "the API token does not allow this",
	gatehouse.ReasonMissingPerm:      "you do not hold the permission this route needs",
	gatehouse.ReasonUnknownRoute:     "no such route",
	gatehouse.ReasonNoDecision:       "the request carries no authorizer decision",
	gatehouse.ReasonUnavailable:      "the authorization data could not be read; try again",
	gatehouse.ReasonImpersonation:    "an impersonation session opens only the member routes of its own org",
}

// Refusal reads the authorizer's decision from the event: nil when the
// request was allowed, else the error to answer. A request without a
// readable decision is refused (fail closed).
func Refusal(ev *events.APIGatewayV2HTTPRequest) *gatehouse.Error {
	lc := lambdaContext(ev)
	switch get(lc, CtxDecision) {
	case DecisionAllow:
		if get(lc, CtxUserID) == "" {
			break
		}
		return nil
	case DecisionDeny:
		code := gatehouse.Code(get(lc, CtxCode))
		reason := get(lc, CtxReason)
		msg, ok := refusalMessages[reason]
		if !ok {
			msg = "the request is refused"
		}
		switch code {
		case gatehouse.CodeUnauthenticated, gatehouse.CodeForbidden, gatehouse.CodeExpired, gatehouse.CodeUnavailable:
		default:
			code = gatehouse.CodeForbidden
		}
		if code == gatehouse.CodeUnauthenticated {
			reason = "" // 401 needs no reason: refresh or sign in again
		}
		return &gatehouse.Error{Code: code, Reason: reason, Message: msg}
	}
	return gatehouse.Forbidden(gatehouse.ReasonNoDecision, "%s", refusalMessages[gatehouse.ReasonNoDecision])
}

// CallerFrom reads the caller from an allowed request's authorizer context.
// An expiry ceiling that does not parse is taken as already passed (fail
// closed).
func CallerFrom(ev *events.APIGatewayV2HTTPRequest) *gatehouse.Caller {
	c := &gatehouse.Caller{Actor: gatehouse.Actor{RequestID: ev.RequestContext.RequestID, SourceIP: ev.RequestContext.HTTP.SourceIP}}
	lc := lambdaContext(ev)
	if get(lc, CtxDecision) != DecisionAllow {
		return c
	}
	c.UserID = get(lc, CtxUserID)
	c.Email = get(lc, CtxEmail)
	c.OrgID = get(lc, CtxOrgID)
	c.Roles = strings.Fields(get(lc, CtxRoles))
	c.Permissions = strings.Fields(get(lc, CtxPermissions))
	c.Inherited = get(lc, CtxInherited) == "true"
	c.PlatformAdmin = get(lc, CtxPlatformAdmin) == "true"
	c.TokenID = get(lc, CtxTokenID)
	c.ImpersonatedBy = get(lc, CtxImpersonatedBy)
	if s := get(lc, CtxExpiresAt); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t = time.Unix(0, 0).UTC()
		}
		c.ExpiresAt = &t
	}
	return c
}

func lambdaContext(ev *events.APIGatewayV2HTTPRequest) map[string]any {
	if ev.RequestContext.Authorizer == nil {
		return nil
	}
	return ev.RequestContext.Authorizer.Lambda
}

func get(lc map[string]any, k string) string {
	switch v := lc[k].(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// retryAfter is what a client waits before trying again after 503.
const retryAfter = "1"

// withRetryAfter adds Retry-After to a 503.
func withRetryAfter(r Response) Response {
	if r.StatusCode == http.StatusServiceUnavailable {
		r.Headers["Retry-After"] = retryAfter
	}
	return r
}
