package authorizer_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authorizer"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/jwtverify"
)

// TestAuthorizerImpersonation: a session acts as its target in its org
// only, on member routes only, with the target's rights intersected with
// the impersonator's current ones, until it expires or is revoked or the
// impersonator loses its standing.
func TestAuthorizerImpersonation(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	now := f.env.Store.Now()
	clock := now
	a := authorizer.New(authorizer.Options{
		Verifier:  jwtverify.New(f.ik.issuer(), clientID, f.ik.issuer()+"/.well-known/jwks.json"),
		Store:     f.env.Store,
		Catalogue: authz.NewCatalogue(authz.DefaultResourceTypes),
		Now:       func() time.Time { return clock },
	})
	start := func(impersonator, target string) (*gatehouse.Impersonation, string) {
		t.Helper()
		secret := ids.Secret("ghm")
		i := &gatehouse.Impersonation{ID: ids.New("imp"), OrgID: f.orgID, UserID: f.users[target], ImpersonatorID: f.users[impersonator],
			Status: gatehouse.StatusActive, ExpiresAt: now.Add(10 * time.Minute), CreatedAt: now}
		if err := f.env.Store.CreateImpersonation(ctx, i, ids.Hash(secret), gatehouse.Actor{UserID: i.ImpersonatorID}); err != nil {
			t.Fatal(err)
		}
		return i, "Bearer " + secret
	}
	callerOf := func(resp events.APIGatewayV2CustomAuthorizerSimpleResponse) *gatehouse.Caller {
		ev := events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: resp.Context}}}
		return apigw.CallerFrom(&ev)
	}
	const members = "GET /v1/orgs/{orgId}/members"

	sess, bearer := start("owner", "developer")
	resp, err := a.Handle(ctx, request(members, f.orgID, bearer, nil))
	if got := outcome(t, resp, err); got != "allow" {
		t.Fatalf("owner's session as the developer: %s, want allow", got)
	}
	c := callerOf(resp)
	if c.UserID != f.users["developer"] || c.ImpersonatedBy != f.users["owner"] || c.TokenID != sess.ID || c.PlatformAdmin ||
		!c.Has("device:create") || c.Has("members:create") {
		t.Errorf("caller %+v, want the developer's rights, impersonated by the owner, with the session as its token", c)
	}

	// The read-only admin's session: only the reads both hold.
	_, roBearer := start("readonlyadmin", "developer")
	resp, err = a.Handle(ctx, request(members, f.orgID, roBearer, nil))
	if got := outcome(t, resp, err); got != "allow" {
		t.Fatalf("read-only admin's session reading members: %s", got)
	}
	for _, p := range callerOf(resp).Permissions {
		if !strings.HasSuffix(p, ":read") {
			t.Errorf("a read-only impersonator's session holds %s", p)
		}
	}
	if !slices.Contains(callerOf(resp).Permissions, "device:read") {
		t.Errorf("session lacks device:read, which both hold: %v", callerOf(resp).Permissions)
	}

	// An impersonator whose account expired: the session opens nothing.
	_, expBearer := start("expiredaccount", "developer")
	_, otherBearer := start("owner", "viewer")

	tests := []struct {
		name, route, org, bearer, want string
		at                             time.Time
	}{
		{"signed-in route", "GET /v1/me", "", bearer, "forbidden/impersonation", now},
		{"platform admin route", "GET /v1/admin/users", "", bearer, "forbidden/impersonation", now},
		{"another org", members, "org_other", bearer, "forbidden/not_member", now},
		{"route permission the target lacks", "POST /v1/orgs/{orgId}/members", f.orgID, bearer, "forbidden/missing_permission", now},
		{"impersonator no longer usable", members, f.orgID, expBearer, "unauthenticated/unauthenticated", now},
		{"in the URL", members, f.orgID, "", "unauthenticated/unauthenticated", now},
		{"unknown secret", members, f.orgID, "Bearer ghm_" + strings.Repeat("a", 52), "unauthenticated/unauthenticated", now},
		{"expired", "GET /v1/orgs/{orgId}/me", f.orgID, otherBearer, "unauthenticated/unauthenticated", now.Add(authz.MaxImpersonation)},
		{"at its last instant", "GET /v1/orgs/{orgId}/me", f.orgID, otherBearer, "allow", now.Add(10*time.Minute - time.Nanosecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock = tt.at
			defer func() { clock = now }()
			var q map[string]string
			if tt.bearer == "" {
				q = map[string]string{"token": strings.TrimPrefix(bearer, "Bearer ")}
			}
			resp, err := a.Handle(ctx, request(tt.route, tt.org, tt.bearer, q))
			if got := outcome(t, resp, err); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}

	// Revoked: refused at the next request.
	if _, err := f.env.Store.RevokeImpersonation(ctx, f.orgID, sess.ID, gatehouse.Actor{UserID: f.users["owner"]}); err != nil {
		t.Fatal(err)
	}
	resp, err = a.Handle(ctx, request(members, f.orgID, bearer, nil))
	if got := outcome(t, resp, err); got != "unauthenticated/unauthenticated" {
		t.Errorf("revoked session: %s, want unauthenticated", got)
	}
}
