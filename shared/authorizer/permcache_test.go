package authorizer_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// A token seen before skips the signature check and a subject seen before
// skips compiling its permissions, but the account and the membership are
// read and judged on every request (cache TTL 0, the default): a change
// takes effect at the next request.
func TestCachedTokenStillChecksStanding(t *testing.T) {
	t.Parallel()
	past := time.Now().Add(-time.Minute)
	tests := []struct {
		name   string
		change func(u *gatehouse.User, m *gatehouse.Membership)
		route  string
		want   string
	}{
		{"account disabled", func(u *gatehouse.User, _ *gatehouse.Membership) { u.Status = gatehouse.StatusDisabled },
			"GET /v1/orgs/{orgId}/members", "forbidden/" + gatehouse.ReasonDisabled},
		{"account expired", func(u *gatehouse.User, _ *gatehouse.Membership) { u.ExpiresAt = &past },
			"GET /v1/orgs/{orgId}/members", "expired/" + gatehouse.ReasonExpired},
		{"membership disabled", func(_ *gatehouse.User, m *gatehouse.Membership) { m.Status = gatehouse.StatusDisabled },
			"GET /v1/orgs/{orgId}/members", "forbidden/" + gatehouse.ReasonDisabled},
		{"membership expired", func(_ *gatehouse.User, m *gatehouse.Membership) { m.ExpiresAt = &past },
			"GET /v1/orgs/{orgId}/members", "expired/" + gatehouse.ReasonExpired},
		// The version is left as it was: the compiled permissions are
		// keyed by the roles themselves, not only by the version.
		{"demoted to viewer, same version", func(_ *gatehouse.User, m *gatehouse.Membership) { m.Roles = []string{authz.RoleViewer} },
			"GET /v1/orgs/{orgId}/members", "forbidden/" + gatehouse.ReasonMissingPerm},
		{"made read-only", func(_ *gatehouse.User, m *gatehouse.Membership) { m.Readonly = true },
			"DELETE /v1/orgs/{orgId}/resources/{type}/{resourceId}", "forbidden/" + gatehouse.ReasonReadonly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			ctx := context.Background()
			uid := f.users["developer"]
			auth := "Bearer " + f.ik.token(t, f.ik.accessClaims(uid), f.ik.key)
			req := request(tt.route, f.orgID, auth, nil)
			req.PathParameters["type"], req.PathParameters["resourceId"] = "device", "d-1"
			for i := range 2 {
				resp, err := f.auth.Handle(ctx, req)
				if got := outcome(t, resp, err); got != "allow" {
					t.Fatalf("request %d before the change: %s, want allow", i, got)
				}
			}
			if hits, misses := f.auth.PermCacheStats(); hits != 1 || misses != 1 {
				t.Fatalf("permissions cache %d hits %d misses, want 1 and 1 before the change", hits, misses)
			}
			u, err := f.env.Store.User(ctx, uid)
			if err != nil {
				t.Fatal(err)
			}
			m, err := f.env.Store.Membership(ctx, f.orgID, uid)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(u, m)
			if err := f.env.PutUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			if err := f.env.PutMembership(ctx, m); err != nil {
				t.Fatal(err)
			}
			resp, err := f.auth.Handle(ctx, req)
			if got := outcome(t, resp, err); got != tt.want {
				t.Errorf("next request with the same (cached) token: %s, want %s", got, tt.want)
			}
		})
	}
}

// A change of the org's policy (its version) compiles the permissions
// again, for the same member and token.
func TestPermCacheFollowsOrgVersion(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	uid := f.users["viewer"]
	req := request("GET /v1/orgs/{orgId}/members", f.orgID, "Bearer "+f.ik.token(t, f.ik.accessClaims(uid), f.ik.key), nil)
	resp, err := f.auth.Handle(ctx, req)
	if got := outcome(t, resp, err); got != "forbidden/"+gatehouse.ReasonMissingPerm {
		t.Fatalf("viewer lists members: %s, want forbidden/%s", got, gatehouse.ReasonMissingPerm)
	}
	org, err := f.env.Store.Org(ctx, f.orgID)
	if err != nil {
		t.Fatal(err)
	}
	// The group every member is in gets a role that reads members.
	if err := f.env.Store.SetGroupRoles(ctx, org, authz.GroupAll, []string{authz.RoleDeveloper}, gatehouse.Actor{UserID: f.users["owner"]}); err != nil {
		t.Fatal(err)
	}
	resp, err = f.auth.Handle(ctx, req)
	if got := outcome(t, resp, err); got != "allow" {
		t.Errorf("after the all group got developer: %s, want allow", got)
	}
	if hits, misses := f.auth.PermCacheStats(); hits != 0 || misses != 2 {
		t.Errorf("permissions cache %d hits %d misses, want 0 and 2 (the org version changed)", hits, misses)
	}
}
