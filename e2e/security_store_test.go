package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// End-to-end tests of the invariants the store holds in its transactions
// (docs/security-store.md): each reproduces an attack class of issue 10
// through the whole local stack and fails on the code before the fix.
// Helpers are prefixed with ss.

// ssOwners reads an org's count of usable owners (rule 9) from the store.
func ssOwners(t *testing.T, org string) int {
	t.Helper()
	o, err := stack().Store().Org(context.Background(), org)
	if err != nil {
		t.Fatalf("read org %s: %v", org, err)
	}
	return o.Usage.Owners
}

// ssHasAudit reports whether the org's audit log holds an event of action
// whose "after" has key set to want.
func ssHasAudit(t *testing.T, reader *Client, org, action, key string, want any) bool {
	t.Helper()
	for _, ev := range mbAudit(t, reader, org, "") {
		if ev.Action == action && ev.After[key] == want {
			return true
		}
	}
	return false
}

// Rule 9, the class of issue 10: owner A gives owner B an expiry and
// leaves; the org would end with no usable owner. Refused, and every other
// way of ending the last usable owner from inside the org too.
func TestLastUsableOwnerInsideTheOrg(t *testing.T) {
	t.Parallel()
	a := newUser(t)
	org := mbOrg(t, a)
	b := mbMember(t, a, org, "owner")
	if got := ssOwners(t, org); got != 2 {
		t.Fatalf("usable owners %d, want 2", got)
	}
	exp := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	if st, raw := a.Do(t, "PATCH", "/v1/orgs/"+org+"/members/"+b.Sub, map[string]any{"expiresAt": exp}); st != http.StatusOK {
		t.Fatalf("A gives B an expiry: %d %s", st, raw)
	}
	if got := ssOwners(t, org); got != 1 {
		t.Fatalf("usable owners after B's expiry %d, want 1 (an owner with an expiry is not usable)", got)
	}
	before := mbSnapshot(t, org)
	st, raw := a.Do(t, "POST", "/v1/orgs/"+org+"/leave", nil)
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLastOwner)
	mbRequireUnchanged(t, org, before)

	// B, an owner with an expiry, cannot end A either: every way is refused
	// and changes nothing.
	path := "/v1/orgs/" + org + "/members/" + a.Sub
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"remove", "DELETE", path, nil},
		{"demote", "PUT", path + "/roles", map[string]any{"roles": []string{"admin"}}},
		{"disable", "PATCH", path, map[string]any{"enabled": false}},
		{"give an expiry", "PATCH", path, map[string]any{"expiresAt": exp.Add(-time.Hour)}},
	} {
		before := mbSnapshot(t, org)
		st, raw := b.Do(t, tc.method, tc.path, tc.body)
		if st != http.StatusConflict || !strings.Contains(string(raw), string(gatehouse.CodeLastOwner)) {
			t.Errorf("%s the last usable owner: %d %s, want 409 last_owner", tc.name, st, raw)
		}
		mbRequireUnchanged(t, org, before)
	}
	// A may not expire itself either (giving one's own expiry earlier is
	// rule 8's right, but not when it ends the org's last usable owner).
	st, raw = a.Do(t, "PATCH", path, map[string]any{"expiresAt": exp})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLastOwner)

	// With a second usable owner, A may leave.
	mbMember(t, a, org, "owner")
	if st, raw := a.Do(t, "POST", "/v1/orgs/"+org+"/leave", nil); st != http.StatusNoContent {
		t.Fatalf("A leaves with C usable: %d %s", st, raw)
	}
	if got := ssOwners(t, org); got != 1 {
		t.Errorf("usable owners %d, want 1 (C)", got)
	}
}

// Rule 9 x rule 5: an owner of the parent org acts as admin in the child
// and may give the child's last usable owner an expiry (a sub-org meant to
// end), audited as such; the child's own owners may not.
func TestLastOwnerExpiryByParentAdmin(t *testing.T) {
	t.Parallel()
	p := newUser(t)
	parent := mbOrg(t, p)
	child := rsSubOrg(t, p, parent, "child")
	c := mbMember(t, p, child, "owner")
	// P leaves the child: C is its last usable owner; P keeps its
	// inherited authority (rule 5).
	if st, raw := p.Do(t, "POST", "/v1/orgs/"+child+"/leave", nil); st != http.StatusNoContent {
		t.Fatalf("P leaves the child: %d %s", st, raw)
	}
	if got := ssOwners(t, child); got != 1 {
		t.Fatalf("child usable owners %d, want 1", got)
	}
	exp := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	if st, raw := p.Do(t, "PATCH", "/v1/orgs/"+child+"/members/"+c.Sub, map[string]any{"expiresAt": exp}); st != http.StatusOK {
		t.Fatalf("parent owner gives the child's last owner an expiry: %d %s, want 200", st, raw)
	}
	if got := ssOwners(t, child); got != 0 {
		t.Errorf("child usable owners %d, want 0", got)
	}
	if !ssHasAudit(t, p, child, "member.update", "endsLastOwner", true) {
		t.Error("no member.update audit event with endsLastOwner in the child")
	}
	// Rule 8 still binds C: it cannot clear the expiry it was given.
	st, raw := c.Do(t, "PATCH", "/v1/orgs/"+child+"/members/"+c.Sub, map[string]any{"expiresAt": nil})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
}

// Rule 9 x rule 8: an admin whose membership expires creates a sub-org;
// owning it ends with its membership, so the child starts with no usable
// owner, and the store accepts that creation. The parent's owner keeps
// authority there (rule 5).
func TestExpiringCreatorSubOrgHasNoUsableOwner(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	parent := mbOrg(t, owner)
	admin, ceiling := expiringAdmin(t, owner, parent)
	child := rsSubOrg(t, admin, parent, "ends with its creator")
	m, err := stack().Store().Membership(context.Background(), child, admin.Sub)
	if err != nil || m.ExpiresAt == nil || !m.ExpiresAt.Equal(ceiling) || !m.HasRole("owner") {
		t.Fatalf("creator's membership %+v %v: want owner until %v", m, err, ceiling)
	}
	if got := ssOwners(t, child); got != 0 {
		t.Errorf("child usable owners %d, want 0", got)
	}
	if st, raw := owner.Do(t, "GET", "/v1/orgs/"+child+"/members", nil); st != http.StatusOK {
		t.Errorf("parent owner in the child: %d %s", st, raw)
	}
}

// Rule 9 at the platform admin: disabling or deleting the account that is
// the last usable owner of an org is refused naming the org, unless force,
// which the org's audit log records.
func TestLastOwnerAccountNeedsForce(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	owner := newUser(t)
	org := mbOrg(t, owner)
	witness := mbMember(t, owner, org, "admin") // reads the audit log after

	before := mbSnapshot(t, org)
	st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+owner.Sub, map[string]any{"enabled": false})
	p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLastOwner)
	if !strings.Contains(p.Detail, org) {
		t.Errorf("refusal %q does not name the org %s", p.Detail, org)
	}
	st, raw = admin.Do(t, "PATCH", "/v1/admin/users/"+owner.Sub, map[string]any{"expiresAt": time.Now().Add(time.Hour)})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLastOwner)
	mbRequireUnchanged(t, org, before)
	st, raw = admin.Do(t, "DELETE", "/v1/admin/users/"+owner.Sub, nil)
	p = requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLastOwner)
	if !strings.Contains(p.Detail, org) {
		t.Errorf("delete refusal %q does not name the org %s", p.Detail, org)
	}

	// force: disabled, the org counts no usable owner, and says why.
	if st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+owner.Sub, map[string]any{"enabled": false, "force": true}); st != http.StatusOK {
		t.Fatalf("forced disable: %d %s", st, raw)
	}
	if got := ssOwners(t, org); got != 0 {
		t.Errorf("usable owners after the forced disable %d, want 0", got)
	}
	if !ssHasAudit(t, witness, org, "member.last_owner_forced", "force", true) {
		t.Error("the org's audit log does not record the forced end of its last owner")
	}
	// Enabled again: it counts again.
	if st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+owner.Sub, map[string]any{"enabled": true}); st != http.StatusOK {
		t.Fatalf("enable: %d %s", st, raw)
	}
	if got := ssOwners(t, org); got != 1 {
		t.Errorf("usable owners after enabling %d, want 1", got)
	}
	if st, raw := admin.Do(t, "DELETE", "/v1/admin/users/"+owner.Sub+"?force=true", nil); st != http.StatusNoContent {
		t.Fatalf("forced delete: %d %s", st, raw)
	}
	if !ssHasAudit(t, witness, org, "member.remove", "force", true) {
		t.Error("the org's audit log does not record the forced removal")
	}
}

// Rule 9 x rule 1: an owner whose ACCOUNT has an expiry is no usable owner,
// so the other owner cannot leave it as the org's only one.
func TestOwnerWithExpiringAccountIsNotUsable(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	a := newUser(t)
	org := mbOrg(t, a)
	b := mbMember(t, a, org, "owner")
	if st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+b.Sub, map[string]any{"expiresAt": time.Now().Add(24 * time.Hour)}); st != http.StatusOK {
		t.Fatalf("expire B's account: %d %s", st, raw)
	}
	if got := ssOwners(t, org); got != 1 {
		t.Fatalf("usable owners %d, want 1", got)
	}
	st, raw := a.Do(t, "POST", "/v1/orgs/"+org+"/leave", nil)
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLastOwner)
	// Promoting someone whose account expires adds no usable owner.
	if st, raw := admin.Do(t, "PATCH", "/v1/admin/users/"+b.Sub, map[string]any{"expiresAt": nil}); st != http.StatusOK {
		t.Fatalf("clear B's account expiry: %d %s", st, raw)
	}
	if got := ssOwners(t, org); got != 2 {
		t.Errorf("usable owners after clearing the account's expiry %d, want 2", got)
	}
}

// Rule 4: a grantee holding device:share denies group:all on a device (it
// may deny only what it holds itself, rule 6); the deny reaches everyone
// else, never the device's owner, who still reads, updates and re-shares
// it.
func TestOwnerIsNeverDenied(t *testing.T) {
	t.Parallel()
	o := newUser(t)
	org := mbOrg(t, o)
	owner := mbMember(t, o, org, "developer")
	grantee := mbMember(t, o, org, "developer")
	other := mbMember(t, o, org, "developer")
	rsUnlimited(t, o, org, owner.Sub)
	rsRegister(t, owner, org, "device", "mine")
	if st, raw := rsGrants(t, owner, org, "device", "mine",
		map[string]any{"principal": "user:" + grantee.Sub, "allow": []string{"read", "share"}},
		map[string]any{"principal": "user:" + other.Sub, "allow": []string{"read"}}); st != http.StatusOK {
		t.Fatalf("owner shares: %d %s", st, raw)
	}
	if st, raw := rsGrants(t, grantee, org, "device", "mine",
		map[string]any{"principal": "user:" + grantee.Sub, "allow": []string{"read", "share"}},
		map[string]any{"principal": "user:" + other.Sub, "allow": []string{"read"}},
		map[string]any{"principal": "group:all", "deny": []string{"read", "share"}}); st != http.StatusOK {
		t.Fatalf("grantee denies group:all: %d %s", st, raw)
	}
	dev := map[string]string{"type": "device", "id": "mine"}
	for _, tc := range []struct {
		who    *Client
		action string
		want   bool
	}{
		{owner, "read", true}, {owner, "update", true}, {owner, "share", true},
		{other, "read", false}, // the deny reaches everyone else
	} {
		var res struct {
			Allowed bool   `json:"allowed"`
			Reason  string `json:"reason"`
		}
		if st := tc.who.DoJSON(t, "POST", "/v1/orgs/"+org+"/authorize", map[string]any{"action": tc.action, "resource": dev}, &res); st != http.StatusOK || res.Allowed != tc.want {
			t.Errorf("%s %s: %d %+v, want allowed %v", tc.who.Email, tc.action, st, res, tc.want)
		}
	}
	if got := rsList(t, owner, org); !slices.Contains(got, "device/mine") {
		t.Errorf("the owner no longer lists its device: %v", got)
	}
	// The owner takes the deny away again (share is its right on its own).
	if st, raw := rsGrants(t, owner, org, "device", "mine"); st != http.StatusOK {
		t.Errorf("owner re-shares its device: %d %s", st, raw)
	}
}

// ssJoin makes who a member of org with roles by its own act (rule 11): by
// invites its address (another domain than the inviter's, so the link is
// returned) and who accepts.
func ssJoin(t *testing.T, by *Client, org string, who *Client, roles ...string) {
	t.Helper()
	sent := mbInvite(t, by, org, who.Email, roles...)
	if st, raw := who.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": tokenOf(t, sent.AcceptURL)}); st != http.StatusOK {
		t.Fatalf("%s accepts: %d %s", who.Email, st, raw)
	}
}

// Rule 6, a class of issue 10: a removed member's API tokens worked again
// when it re-joined. Removal (or leaving) revokes them for good.
func TestRemovalRevokesTokensForGood(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"removed", "leaves"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			owner := newUser(t)
			org := mbOrg(t, owner)
			m := signUp(t, uniqueEmailAt(t, "elsewhere.test"), defaultPassword)
			ssJoin(t, owner, org, m, "admin")
			id, secret := rsToken(t, m, org, map[string]any{"name": "held"})
			bearer := m.WithBearer(secret)
			if st, raw := bearer.Do(t, "GET", "/v1/orgs/"+org, nil); st != http.StatusOK {
				t.Fatalf("token before removal: %d %s", st, raw)
			}
			if how == "removed" {
				if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+org+"/members/"+m.Sub, nil); st != http.StatusNoContent {
					t.Fatalf("remove: %d %s", st, raw)
				}
			} else if st, raw := m.Do(t, "POST", "/v1/orgs/"+org+"/leave", nil); st != http.StatusNoContent {
				t.Fatalf("leave: %d %s", st, raw)
			}
			tok, _, err := stack().Store().APIToken(context.Background(), org, id)
			if err != nil || tok.Status != gatehouse.StatusRevoked {
				t.Fatalf("token after the member %s: %+v %v, want revoked", how, tok, err)
			}
			if !ssHasAudit(t, owner, org, "member.revoke_held", "reason", "member removed (rule 6)") {
				t.Error("no member.revoke_held audit event")
			}
			ssJoin(t, owner, org, m, "admin")
			if st, raw := bearer.Do(t, "GET", "/v1/orgs/"+org, nil); st == http.StatusOK {
				t.Fatalf("the old token works again after re-joining: %d %s", st, raw)
			}
		})
	}
}

// Rule 6, a class of issue 10: an admin invites its own second address as
// admin, is removed, then accepts. The removal revokes the invite (its seat
// comes back), so accepting fails even after the admin is back.
func TestRemovalRevokesInvitesForGood(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	a := signUp(t, uniqueEmailAt(t, "elsewhere.test"), defaultPassword)
	ssJoin(t, owner, org, a, "admin")
	second := signUp(t, uniqueEmailAt(t, "second.test"), defaultPassword)
	sent := mbInvite(t, a, org, second.Email, "admin")
	o, _ := stack().Store().Org(context.Background(), org)
	if o.Usage.PendingInvites != 1 {
		t.Fatalf("pending invites %d, want 1", o.Usage.PendingInvites)
	}
	if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+org+"/members/"+a.Sub, nil); st != http.StatusNoContent {
		t.Fatalf("remove the admin: %d %s", st, raw)
	}
	o, _ = stack().Store().Org(context.Background(), org)
	if o.Usage.PendingInvites != 0 || o.Usage.Members != 1 {
		t.Errorf("usage after removal %+v, want the invite's seat back", o.Usage)
	}
	// Back as admin: the invite it made before stays dead.
	ssJoin(t, owner, org, a, "admin")
	st, raw := second.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": tokenOf(t, sent.AcceptURL)})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
	if _, err := stack().Store().Membership(context.Background(), org, second.Sub); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("the second address joined: %v", err)
	}
}

// Section 4, a class of issue 10: an org with maxMembers 3 held 9 seats
// across itself and its sub-orgs. Its quota counts its subtree: members,
// invites and sub-org owners of its sub-orgs (and theirs) use its seats.
func TestParentQuotaCountsItsSubtree(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	owner := newUser(t)
	parent := mbOrg(t, owner)
	child := rsSubOrg(t, owner, parent, "child")          // its owner: seat 2
	grandchild := rsSubOrg(t, owner, child, "grandchild") // seat 3
	if st, raw := admin.Do(t, "PUT", "/v1/orgs/"+parent+"/limits", map[string]any{"maxMembers": 3}); st != http.StatusOK {
		t.Fatalf("set the parent's quota: %d %s", st, raw)
	}
	o, _ := stack().Store().Org(context.Background(), parent)
	if o.Usage.SubtreeSeats != 3 {
		t.Fatalf("parent subtree seats %d, want 3", o.Usage.SubtreeSeats)
	}
	for _, tc := range []struct {
		name, path string
		body       map[string]any
	}{
		{"a member of the grandchild", "/v1/orgs/" + grandchild + "/members", map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}}},
		{"an invite into the child", "/v1/orgs/" + child + "/invites", map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}}},
		{"a member of the parent", "/v1/orgs/" + parent + "/members", map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}}},
		{"another sub-org", "/v1/orgs/" + parent + "/suborgs", map[string]any{"name": "one too many"}},
	} {
		st, raw := owner.Do(t, "POST", tc.path, tc.body)
		p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded)
		if p.Limit != "maxMembers" {
			t.Errorf("%s: limit %q, want maxMembers", tc.name, p.Limit)
		}
	}
	if o, _ := stack().Store().Org(context.Background(), parent); o.Usage.SubtreeSeats != 3 {
		t.Errorf("refusals moved the parent's subtree seats to %d", o.Usage.SubtreeSeats)
	}
	// Deleting the grandchild gives its seat back to every ancestor.
	if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+grandchild, nil); st != http.StatusNoContent {
		t.Fatalf("delete the grandchild: %d %s", st, raw)
	}
	for _, id := range []string{parent, child} {
		o, _ := stack().Store().Org(context.Background(), id)
		if want := map[string]int{parent: 2, child: 1}[id]; o.Usage.SubtreeSeats != want {
			t.Errorf("subtree seats of %s after deleting the grandchild: %d, want %d", id, o.Usage.SubtreeSeats, want)
		}
	}
	mbCreate(t, owner, child, uniqueEmail(t), "viewer") // the freed seat
}

// Section 4: a parent's maxResources counts its subtree, as maxMembers
// does: resources registered in its sub-orgs (and theirs) use its quota,
// and deleting a sub-org gives them back to every ancestor.
func TestParentResourceQuotaCountsItsSubtree(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	owner := newUser(t)
	parent := mbOrg(t, owner)
	child := rsSubOrg(t, owner, parent, "child")
	grandchild := rsSubOrg(t, owner, child, "grandchild")
	if st, raw := admin.Do(t, "PUT", "/v1/orgs/"+parent+"/limits", map[string]any{"maxResources": map[string]int{"device": 2}}); st != http.StatusOK {
		t.Fatalf("set the parent's quota: %d %s", st, raw)
	}
	subtree := func(org string, want int) {
		t.Helper()
		o, err := stack().Store().Org(context.Background(), org)
		if err != nil || o.Usage.SubtreeResources["device"] != want {
			t.Fatalf("org %s counts %v devices in its subtree (%v); want %d", org, o.Usage.SubtreeResources, err, want)
		}
	}
	rsRegister(t, owner, grandchild, "device", "g1")
	rsRegister(t, owner, child, "device", "c1")
	subtree(parent, 2)
	subtree(child, 2)
	subtree(grandchild, 1)
	for _, org := range []string{parent, child, grandchild} {
		st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/resources", map[string]any{"type": "device", "id": "one-too-many"})
		p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded)
		if p.Limit != "maxResources.device" {
			t.Errorf("registering in %s: limit %q, want maxResources.device", org, p.Limit)
		}
	}
	subtree(parent, 2)
	rsRegister(t, owner, grandchild, "dashboard", "d1") // another type, unlimited

	// Unregistering in the grandchild frees a place in every ancestor.
	if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+grandchild+"/resources/device/g1", nil); st != http.StatusNoContent {
		t.Fatalf("unregister: %d %s", st, raw)
	}
	subtree(parent, 1)
	rsRegister(t, owner, parent, "device", "p1")
	subtree(parent, 2)

	// Deleting the sub-orgs gives their devices back.
	for _, org := range []string{grandchild, child} {
		if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+org, nil); st != http.StatusNoContent {
			t.Fatalf("delete %s: %d %s", org, st, raw)
		}
	}
	subtree(parent, 1)
	rsRegister(t, owner, parent, "device", "p2")
}
