package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/limits"
)

// The -1 / 0 / N matrix of both member limits (DESIGN.md section 4), the
// seats pending invites hold, and the expiry ceiling (rule 8), through the
// whole stack. Helpers are prefixed with lx.

// lxSetLimits sets a member's userLimit and resourceLimit.
func lxSetLimits(t *testing.T, by *Client, org, userID string, userLimit, resourceLimit int) {
	t.Helper()
	if st, raw := by.Do(t, "PUT", "/v1/orgs/"+org+"/members/"+userID+"/limits",
		map[string]any{"userLimit": userLimit, "resourceLimit": resourceLimit}); st != http.StatusOK {
		t.Fatalf("set limits of %s: %d %s", userID, st, raw)
	}
}

// lxCreate creates a member directly, a viewer unless roles are given.
func lxCreate(t *testing.T, by *Client, org string, roles ...string) (int, []byte) {
	t.Helper()
	if roles == nil {
		roles = []string{"viewer"}
	}
	return by.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{
		"email": uniqueEmail(t), "roles": roles})
}

// lxInvite invites a viewer; the invite's id when created.
func lxInvite(t *testing.T, by *Client, org string) (int, []byte, string) {
	t.Helper()
	st, raw := by.Do(t, "POST", "/v1/orgs/"+org+"/invites", map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}})
	var sent invites.Sent
	if st == http.StatusCreated {
		if err := jsonUnmarshal(raw, &sent); err != nil {
			t.Fatal(err)
		}
	}
	return st, raw, sent.Invite.ID
}

// lxRequireLimit requires a 409 limit_exceeded naming limit.
func lxRequireLimit(t *testing.T, what string, st int, raw []byte, limit string) {
	t.Helper()
	if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded); p.Limit != limit {
		t.Errorf("%s: limit %q, want %s", what, p.Limit, limit)
	}
}

func lxRequireStatus(t *testing.T, what string, st int, raw []byte, want int) {
	t.Helper()
	if st != want {
		t.Fatalf("%s: %d %s, want %d", what, st, raw, want)
	}
}

// lxMembership reads a member as the API shows it.
func lxMembership(t *testing.T, by *Client, org, userID string) gatehouse.Membership {
	t.Helper()
	var m gatehouse.Membership
	if st := by.DoJSON(t, "GET", "/v1/orgs/"+org+"/members/"+userID, nil, &m); st != http.StatusOK {
		t.Fatalf("get member %s: %d", userID, st)
	}
	return m
}

func lxRegister(by *Client, t *testing.T, org, id string) (int, []byte) {
	t.Helper()
	return by.Do(t, "POST", "/v1/orgs/"+org+"/resources", map[string]any{"type": "device", "id": id})
}

func TestMemberUserLimitMatrix(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)

	t.Run("-1: unlimited", func(t *testing.T) {
		mgr := mbMember(t, owner, org, "manager")
		lxSetLimits(t, owner, org, mgr.Sub, -1, -1)
		for i := range 4 {
			st, raw := lxCreate(t, mgr, org)
			lxRequireStatus(t, fmt.Sprintf("create %d", i), st, raw, http.StatusCreated)
		}
		for range 2 {
			st, raw, _ := lxInvite(t, mgr, org)
			lxRequireStatus(t, "invite", st, raw, http.StatusCreated)
		}
		if m := lxMembership(t, owner, org, mgr.Sub); m.ManagedCount != 4 || m.PendingInvites != 2 {
			t.Errorf("manager: managedCount %d, pendingInvites %d; want 4 and 2", m.ManagedCount, m.PendingInvites)
		}
	})

	t.Run("0: members:create but no users", func(t *testing.T) {
		mgr := mbMember(t, owner, org, "manager") // created by an owner: userLimit 0
		if m := lxMembership(t, owner, org, mgr.Sub); m.UserLimit != 0 {
			t.Fatalf("userLimit %d, want 0", m.UserLimit)
		}
		before := mbSnapshot(t, org)
		st, raw := lxCreate(t, mgr, org)
		lxRequireLimit(t, "create", st, raw, "userLimit")
		st, raw, _ = lxInvite(t, mgr, org)
		lxRequireLimit(t, "invite", st, raw, "userLimit")
		mbRequireUnchanged(t, org, before)
	})

	t.Run("N: exactly N, pending invites included, then refusal", func(t *testing.T) {
		mgr := mbMember(t, owner, org, "manager")
		lxSetLimits(t, owner, org, mgr.Sub, 3, 0)
		for range 2 {
			st, raw := lxCreate(t, mgr, org)
			lxRequireStatus(t, "create", st, raw, http.StatusCreated)
		}
		st, raw, inv := lxInvite(t, mgr, org)
		lxRequireStatus(t, "invite the third", st, raw, http.StatusCreated)
		before := mbSnapshot(t, org)
		st, raw = lxCreate(t, mgr, org)
		lxRequireLimit(t, "create a fourth", st, raw, "userLimit")
		st, raw, _ = lxInvite(t, mgr, org)
		lxRequireLimit(t, "invite a fourth", st, raw, "userLimit")
		mbRequireUnchanged(t, org, before)
		if m := lxMembership(t, owner, org, mgr.Sub); m.ManagedCount != 2 || m.PendingInvites != 1 {
			t.Errorf("manager: managedCount %d, pendingInvites %d; want 2 and 1", m.ManagedCount, m.PendingInvites)
		}
		// Revoking the invite gives its slot back.
		st, raw = mgr.Do(t, "DELETE", "/v1/orgs/"+org+"/invites/"+inv, nil)
		lxRequireStatus(t, "revoke", st, raw, http.StatusNoContent)
		st, raw = lxCreate(t, mgr, org)
		lxRequireStatus(t, "create after the revoke", st, raw, http.StatusCreated)
		st, raw = lxCreate(t, mgr, org)
		lxRequireLimit(t, "create past N again", st, raw, "userLimit")
	})
}

func TestMemberResourceLimitMatrix(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	dev := mbMember(t, owner, org, "developer") // created by an owner: resourceLimit -1

	t.Run("-1: unlimited", func(t *testing.T) {
		lxSetLimits(t, owner, org, dev.Sub, 0, -1)
		for _, id := range []string{"u1", "u2", "u3", "u4", "u5"} {
			st, raw := lxRegister(dev, t, org, id)
			lxRequireStatus(t, "register "+id, st, raw, http.StatusCreated)
		}
	})

	// Removing a resource from its owner is for owners and admins (rule
	// 10), whatever the owner's limit: the owner removes them here.
	t.Run("0: no new resources, existing ones still edited and removed", func(t *testing.T) {
		lxSetLimits(t, owner, org, dev.Sub, 0, 0)
		st, raw := lxRegister(dev, t, org, "z1")
		lxRequireLimit(t, "register", st, raw, "resourceLimit")
		st, raw = rsGrants(t, dev, org, "device", "u1", map[string]any{"principal": "user:" + owner.Sub, "allow": []string{"read"}})
		lxRequireStatus(t, "edit the grants of an existing one", st, raw, http.StatusOK)
		st, raw = owner.Do(t, "DELETE", "/v1/orgs/"+org+"/resources/device/u2", nil)
		lxRequireStatus(t, "remove an existing one", st, raw, http.StatusNoContent)
		if m := lxMembership(t, owner, org, dev.Sub); m.ResourceCount != 4 {
			t.Errorf("resourceCount %d, want 4", m.ResourceCount)
		}
	})

	t.Run("N: exactly N, then refusal", func(t *testing.T) {
		dev2 := mbMember(t, owner, org, "developer")
		lxSetLimits(t, owner, org, dev2.Sub, 0, 2)
		for _, id := range []string{"n1", "n2"} {
			st, raw := lxRegister(dev2, t, org, id)
			lxRequireStatus(t, "register "+id, st, raw, http.StatusCreated)
		}
		st, raw := lxRegister(dev2, t, org, "n3")
		lxRequireLimit(t, "register the third", st, raw, "resourceLimit")
		st, raw = owner.Do(t, "DELETE", "/v1/orgs/"+org+"/resources/device/n1", nil)
		lxRequireStatus(t, "remove", st, raw, http.StatusNoContent)
		st, raw = lxRegister(dev2, t, org, "n3")
		lxRequireStatus(t, "register after a removal", st, raw, http.StatusCreated)
	})

	t.Run("N: a manager's limit covers the users it manages", func(t *testing.T) {
		mgr := mbMember(t, owner, org, "manager")
		lxSetLimits(t, owner, org, mgr.Sub, 1, 1)
		st, raw := lxCreate(t, mgr, org, "developer")
		lxRequireStatus(t, "managed user", st, raw, http.StatusCreated)
		var res struct {
			Member struct {
				UserID string `json:"userId"`
				Email  string `json:"email"`
			} `json:"member"`
		}
		if err := jsonUnmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		activateFromMailbox(t, res.Member.Email)
		managed := signIn(t, res.Member.Email, defaultPassword)
		// Users a manager creates get 0: they may not register.
		st, raw = lxRegister(managed, t, org, "m0")
		lxRequireLimit(t, "managed user with resourceLimit 0", st, raw, "resourceLimit")
		lxSetLimits(t, mgr, org, res.Member.UserID, 0, 1)
		st, raw = lxRegister(managed, t, org, "m1")
		lxRequireStatus(t, "managed user's first", st, raw, http.StatusCreated)
		st, raw = lxRegister(mgr, t, org, "m2")
		lxRequireLimit(t, "manager after its managed user used its 1", st, raw, "resourceLimit")
	})
}

// A pending invite holds a seat under maxMembers; GET /limits and GET /org
// report members and pending invites apart.
func TestInvitesHoldSeats(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	admin := adminClient(t)
	org := mbOrg(t, owner)
	if st, raw := admin.Do(t, "PUT", "/v1/orgs/"+org+"/limits", map[string]any{"maxMembers": 2}); st != http.StatusOK {
		t.Fatalf("set maxMembers: %d %s", st, raw)
	}
	st, raw, inv := lxInvite(t, owner, org)
	lxRequireStatus(t, "invite into the last seat", st, raw, http.StatusCreated)
	st, raw, _ = lxInvite(t, owner, org)
	lxRequireLimit(t, "second invite", st, raw, "maxMembers")
	st, raw = lxCreate(t, owner, org)
	lxRequireLimit(t, "direct creation", st, raw, "maxMembers")
	var l limits.Limits
	if st := owner.DoJSON(t, "GET", "/v1/orgs/"+org+"/limits", nil, &l); st != http.StatusOK || l.Usage.Members != 1 || l.Usage.PendingInvites != 1 {
		t.Errorf("limits: %d usage %+v; want 1 member, 1 pending invite", st, l.Usage)
	}
	var o gatehouse.Org
	if st := owner.DoJSON(t, "GET", "/v1/orgs/"+org, nil, &o); st != http.StatusOK || o.Usage.Members != 1 || o.Usage.PendingInvites != 1 {
		t.Errorf("org: %d usage %+v; want 1 member, 1 pending invite", st, o.Usage)
	}
	st, raw = owner.Do(t, "DELETE", "/v1/orgs/"+org+"/invites/"+inv, nil)
	lxRequireStatus(t, "revoke", st, raw, http.StatusNoContent)
	st, raw = lxCreate(t, owner, org)
	lxRequireStatus(t, "direct creation into the freed seat", st, raw, http.StatusCreated)
}

// A sub-org created under a limited parent starts with what the parent
// has left, not unlimited.
func TestSubOrgStartsWithinParentQuota(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	admin := adminClient(t)
	parent := mbOrg(t, owner)
	mbCreate(t, owner, parent, uniqueEmail(t), "viewer")
	if st, raw := admin.Do(t, "PUT", "/v1/orgs/"+parent+"/limits", map[string]any{"maxMembers": 5, "maxResources": map[string]int{"device": 4}}); st != http.StatusOK {
		t.Fatalf("set parent quotas: %d %s", st, raw)
	}
	child := lmSub(t, owner, parent)
	var l limits.Limits
	if st := owner.DoJSON(t, "GET", "/v1/orgs/"+child+"/limits", nil, &l); st != http.StatusOK {
		t.Fatalf("child limits: %d", st)
	}
	if l.MaxMembers != 3 || l.MaxResources["device"] != 4 || l.MaxResources["dashboard"] != -1 {
		t.Errorf("child quotas maxMembers %d, maxResources %v; want 3 (5 - 2), device 4, dashboard unlimited", l.MaxMembers, l.MaxResources)
	}
}

// Rule 8, the cases TestMembersExpiryCeiling does not cover: invites, the
// caller's own expiry, and a ceiling that comes from the account.
func TestExpiryCeilingInvitesAndSelf(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	admin, ceiling := expiringAdmin(t, owner, org)
	invite := func(body map[string]any) (int, []byte, invites.Sent) {
		body["email"], body["roles"] = uniqueEmail(t), []string{"viewer"}
		st, raw := admin.Do(t, "POST", "/v1/orgs/"+org+"/invites", body)
		var sent invites.Sent
		if st == http.StatusCreated {
			if err := jsonUnmarshal(raw, &sent); err != nil {
				t.Fatal(err)
			}
		}
		return st, raw, sent
	}
	st, raw, sent := invite(map[string]any{})
	lxRequireStatus(t, "invite", st, raw, http.StatusCreated)
	if e := sent.Invite.MemberExpiresAt; e == nil || !e.Equal(ceiling) {
		t.Errorf("invitee's membership expiry %v, want exactly the inviter's %v", e, ceiling)
	}
	earlier := ceiling.Add(-time.Hour)
	st, raw, sent = invite(map[string]any{"memberExpiresAt": earlier})
	lxRequireStatus(t, "invite with an earlier expiry", st, raw, http.StatusCreated)
	if e := sent.Invite.MemberExpiresAt; e == nil || !e.Equal(earlier) {
		t.Errorf("invitee's membership expiry %v, want %v", e, earlier)
	}
	st, raw, _ = invite(map[string]any{"memberExpiresAt": ceiling.Add(time.Minute)})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonExpiryCeiling {
		t.Errorf("invite past the ceiling: reason %q", p.Reason)
	}

	// Its own expiry: later never, cleared never, earlier yes, and then
	// not back to the old one.
	self := "/v1/orgs/" + org + "/members/" + admin.Sub
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"own expiry later", map[string]any{"expiresAt": ceiling.Add(time.Hour)}},
		{"own expiry cleared", map[string]any{"expiresAt": nil}},
	} {
		before := mbSnapshot(t, org)
		st, raw := admin.Do(t, "PATCH", self, tc.body)
		if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonExpiryCeiling {
			t.Errorf("%s: reason %q", tc.name, p.Reason)
		}
		mbRequireUnchanged(t, org, before)
	}
	st, raw = admin.Do(t, "PATCH", self, map[string]any{"expiresAt": earlier})
	lxRequireStatus(t, "own expiry earlier", st, raw, http.StatusOK)
	st, raw = admin.Do(t, "PATCH", self, map[string]any{"expiresAt": ceiling})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonExpiryCeiling {
		t.Errorf("own expiry back to the old one: reason %q", p.Reason)
	}

	// A ceiling from the account (platform admin), not the membership: an
	// owner without a membership expiry is bound by it too.
	acctOwner := newUser(t)
	acctOrg := mbOrg(t, acctOwner)
	acctCeiling := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	if st, raw := adminClient(t).Do(t, "PATCH", "/v1/admin/users/"+acctOwner.Sub, map[string]any{"expiresAt": acctCeiling}); st != http.StatusOK {
		t.Fatalf("expire account: %d %s", st, raw)
	}
	var res struct {
		Member gatehouse.Membership `json:"member"`
	}
	st, raw = acctOwner.Do(t, "POST", "/v1/orgs/"+acctOrg+"/members", map[string]any{
		"email": uniqueEmail(t), "roles": []string{"viewer"}})
	lxRequireStatus(t, "create under an account ceiling", st, raw, http.StatusCreated)
	if err := jsonUnmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if e := res.Member.ExpiresAt; e == nil || !e.Equal(acctCeiling) {
		t.Errorf("member created under an account ceiling expires %v, want %v", e, acctCeiling)
	}
	st, raw = acctOwner.Do(t, "POST", "/v1/orgs/"+acctOrg+"/members", map[string]any{
		"email": uniqueEmail(t), "roles": []string{"viewer"}, "expiresAt": acctCeiling.Add(time.Hour)})
	if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonExpiryCeiling {
		t.Errorf("member past the account ceiling: reason %q", p.Reason)
	}
}
