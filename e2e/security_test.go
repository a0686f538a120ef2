package e2e

// The attack classes of docs/security.md, each tried through the whole
// local stack the way an attacker would: a member, a narrowed API token, a
// sub-org owner, a stranger with only a personal org, a leaked URL. Each
// test here was an open door before the authorization core (shared/authz,
// rules.go) and must stay shut. Helpers are prefixed with sc.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/members"
	"github.com/gatehouse-dev/gatehouse/shared/resources"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// scInviteToken invites email into org as roles and returns the invite's
// secret, from the returned link or from the emailed one.
func scInviteToken(t testing.TB, by *Client, org, email string, roles ...string) string {
	t.Helper()
	sent := mbInvite(t, by, org, email, roles...)
	if sent.AcceptURL != "" {
		return tokenOf(t, sent.AcceptURL)
	}
	var mails []Email
	eventually(t, 5*time.Second, func() bool { mails = emailsTo(t, email); return len(mails) > 0 })
	return tokenOf(t, mails[0].Text)
}

// scJoin makes the existing account c a member of org as roles, by its own
// act (rule 11): by invites it, c accepts.
func scJoin(t testing.TB, by *Client, org string, c *Client, roles ...string) {
	t.Helper()
	token := scInviteToken(t, by, org, c.Email, roles...)
	if st, raw := c.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": token}); st != http.StatusOK {
		t.Fatalf("%s accepts the invite into %s: %d %s", c.Email, org, st, raw)
	}
}

// scCheck asks the check API one question as by and returns the decision.
func scCheck(t testing.TB, by *Client, org string, check map[string]any) authz.Decision {
	t.Helper()
	var d authz.Decision
	st, raw := by.Do(t, "POST", "/v1/orgs/"+org+"/authorize", check)
	if st != http.StatusOK {
		t.Fatalf("check %v: %d %s", check, st, raw)
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("check answer %s: %v", raw, err)
	}
	return d
}

// scRequireForbidden checks a 403 forbidden with the reason, from the
// authorizer or from a service.
func scRequireForbidden(t testing.TB, what string, st int, raw []byte, reason string) {
	t.Helper()
	p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	if p.Reason != reason {
		t.Errorf("%s: reason %q, want %q (%s)", what, p.Reason, reason, raw)
	}
}

// TestSecurityNarrowedCallersCannotEscalate: what a caller can give is its
// effective set after token narrowing and flags (rules 2, 3 and 6), never
// what its role would give without them.
func TestSecurityNarrowedCallersCannotEscalate(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	base := "/v1/orgs/" + org
	viewer := mbCreate(t, owner, org, uniqueEmail(t), "viewer").Member.UserID
	token := func(perms ...string) *Client {
		_, secret := rsToken(t, owner, org, map[string]any{"name": "narrow " + strings.Join(perms, ","), "permissions": perms})
		return owner.WithBearer(secret)
	}
	inviter, promoter, creator := token("members:invite"), token("members:roles"), token("members:create")

	// An admin whose resources are read-only holds less than an admin gives.
	flagged := mbMember(t, owner, org, "admin")
	if st, raw := owner.Do(t, "PATCH", base+"/members/"+flagged.Sub, map[string]any{"resourceReadonly": true}); st != http.StatusOK {
		t.Fatalf("flag the admin: %d %s", st, raw)
	}

	for _, tc := range []struct {
		name         string
		by           *Client
		method, path string
		body         any
	}{
		{"token narrowed to members:invite invites an owner", inviter, "POST", base + "/invites",
			map[string]any{"email": mbOther(t), "roles": []string{"owner"}}},
		{"token narrowed to members:invite invites an admin", inviter, "POST", base + "/invites",
			map[string]any{"email": mbOther(t), "roles": []string{"admin"}}},
		{"token narrowed to members:roles promotes a viewer to owner", promoter, "PUT", base + "/members/" + viewer + "/roles",
			map[string]any{"roles": []string{"owner"}}},
		{"token narrowed to members:create creates an admin", creator, "POST", base + "/members",
			map[string]any{"email": uniqueEmail(t), "roles": []string{"admin"}, "password": defaultPassword}},
		{"resourceReadonly admin creates a full admin", flagged, "POST", base + "/members",
			map[string]any{"email": uniqueEmail(t), "roles": []string{"admin"}, "password": defaultPassword}},
		{"resourceReadonly admin promotes a viewer to admin", flagged, "PUT", base + "/members/" + viewer + "/roles",
			map[string]any{"roles": []string{"admin"}}},
		{"resourceReadonly admin invites an admin", flagged, "POST", base + "/invites",
			map[string]any{"email": mbOther(t), "roles": []string{"admin"}}},
	} {
		before := mbSnapshot(t, org)
		st, raw := tc.by.Do(t, tc.method, tc.path, tc.body)
		scRequireForbidden(t, tc.name, st, raw, gatehouse.ReasonEscalation)
		mbRequireUnchanged(t, org, before)
	}
	var invs apigw.Page[json.RawMessage]
	if st := owner.DoJSON(t, "GET", base+"/invites", nil, &invs); st != http.StatusOK || len(invs.Items) != 0 {
		t.Errorf("invites after refused escalations: %d %d, want none", st, len(invs.Items))
	}

	// A token narrowed to org:read asks the check API about itself only:
	// who may do what is information about members (members:read).
	reader := token("org:read")
	if d := scCheck(t, reader, org, map[string]any{"action": "org:read"}); !d.Allowed {
		t.Errorf("org:read token about itself: %+v, want allowed", d)
	}
	for _, check := range []map[string]any{
		{"userId": viewer, "action": "org:read"},
		{"checks": []map[string]any{{"action": "org:read"}, {"userId": flagged.Sub, "action": "members:create"}}},
	} {
		st, raw := reader.Do(t, "POST", base+"/authorize", check)
		scRequireForbidden(t, "org:read token asks about others", st, raw, gatehouse.ReasonMissingPerm)
	}
}

// TestSecurityCheckAPIAppliesRules1And5: the check API answers for the
// user it is asked about with the authorizer's own subject (rule 1: the
// account and the membership; rule 5: inherited authority, which the
// sub-org cannot cut; rule 3: the flags it carries).
func TestSecurityCheckAPIAppliesRules1And5(t *testing.T) {
	t.Parallel()
	founder := newUser(t)
	root := mbOrg(t, founder)
	child := rsSubOrg(t, founder, root, "child")
	admin := mbMember(t, founder, root, "admin")
	scJoin(t, founder, child, admin, "viewer")
	rootBase, childBase := "/v1/orgs/"+root, "/v1/orgs/"+child

	t.Run("disabled account", func(t *testing.T) {
		dev := mbMember(t, founder, root, "developer")
		ask := map[string]any{"userId": dev.Sub, "action": "org:read"}
		if d := scCheck(t, founder, root, ask); !d.Allowed {
			t.Fatalf("before disabling: %+v", d)
		}
		if st, raw := adminClient(t).Do(t, "PATCH", "/v1/admin/users/"+dev.Sub, map[string]any{"enabled": false}); st != http.StatusOK {
			t.Fatalf("disable the account: %d %s", st, raw)
		}
		if d := scCheck(t, founder, root, ask); d.Allowed || d.Reason != gatehouse.ReasonDisabled {
			t.Errorf("disabled account: %+v, want not allowed, reason disabled", d)
		}
	})

	t.Run("disabled membership", func(t *testing.T) {
		dev := mbMember(t, founder, root, "developer")
		if st, raw := founder.Do(t, "PATCH", rootBase+"/members/"+dev.Sub, map[string]any{"enabled": false}); st != http.StatusOK {
			t.Fatalf("disable the membership: %d %s", st, raw)
		}
		if d := scCheck(t, founder, root, map[string]any{"userId": dev.Sub, "action": "org:read"}); d.Allowed || d.Reason != gatehouse.ReasonDisabled {
			t.Errorf("disabled membership: %+v, want not allowed, reason disabled", d)
		}
	})

	// The sub-org disables the parent admin's own membership there: rule 5
	// keeps its authority, for the check API and the routes alike.
	if st, raw := founder.Do(t, "PATCH", childBase+"/members/"+admin.Sub, map[string]any{"enabled": false}); st != http.StatusOK {
		t.Fatalf("disable the parent admin in the child: %d %s", st, raw)
	}
	if d := scCheck(t, founder, child, map[string]any{"userId": admin.Sub, "action": "members:create"}); !d.Allowed {
		t.Errorf("parent admin disabled in the child: %+v, want allowed (rule 5)", d)
	}
	if st, raw := admin.Do(t, "GET", childBase+"/members", nil); st != http.StatusOK {
		t.Errorf("parent admin disabled in the child lists members: %d %s", st, raw)
	}

	// Read-only above is read-only below (rule 3 with rule 5).
	if st, raw := founder.Do(t, "PATCH", rootBase+"/members/"+admin.Sub, map[string]any{"readonly": true}); st != http.StatusOK {
		t.Fatalf("make the parent admin read-only: %d %s", st, raw)
	}
	if d := scCheck(t, founder, child, map[string]any{"userId": admin.Sub, "action": "members:create"}); d.Allowed || d.Reason != authz.ReasonReadonly {
		t.Errorf("read-only parent admin writes in the child: %+v, want not allowed, reason readonly", d)
	}
	if d := scCheck(t, founder, child, map[string]any{"userId": admin.Sub, "action": "members:read"}); !d.Allowed {
		t.Errorf("read-only parent admin reads in the child: %+v, want allowed", d)
	}
	r := admin.DoRaw(t, "POST", childBase+"/members", mustJSON(t, map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}, "password": defaultPassword}), nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonReadonly)
	r = admin.DoRaw(t, "PUT", childBase+"/limits", mustJSON(t, map[string]any{"maxMembers": 1000}), nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonReadonly)
	if st, raw := admin.Do(t, "GET", childBase+"/members", nil); st != http.StatusOK {
		t.Errorf("read-only parent admin reads the child's members: %d %s", st, raw)
	}
}

// TestSecurityCheckAPIHidesMissingResources: to a caller that cannot see
// every resource of the type, a missing resource and one it may not see get
// the same answer (no_resource_access): the check API is no oracle of what
// exists.
func TestSecurityCheckAPIHidesMissingResources(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	rsRegister(t, owner, org, "device", "hidden-1")
	viewer := mbMember(t, owner, org, "viewer")
	dev := mbMember(t, owner, org, "developer")
	for _, asker := range []*Client{viewer, dev} {
		hidden := scCheck(t, asker, org, map[string]any{"action": "read", "resource": map[string]any{"type": "device", "id": "hidden-1"}})
		missing := scCheck(t, asker, org, map[string]any{"action": "read", "resource": map[string]any{"type": "device", "id": "missing-1"}})
		if hidden != missing || hidden.Reason != authz.ReasonNoAccess {
			t.Errorf("%s: hidden %+v, missing %+v; want both not allowed, %s", asker.Email, hidden, missing, authz.ReasonNoAccess)
		}
	}
	// The owner sees every device: to it a missing one is missing.
	if d := scCheck(t, owner, org, map[string]any{"action": "read", "resource": map[string]any{"type": "device", "id": "missing-1"}}); d.Reason != resources.ReasonResourceNotFound {
		t.Errorf("owner asks about a missing device: %+v, want %s", d, resources.ReasonResourceNotFound)
	}
}

// TestSecuritySubOrgOwnershipEndsWithItsCreator: an admin whose membership
// expires creates a sub-org; owning it ends when its membership in the
// parent does (rule 8), not never.
func TestSecuritySubOrgOwnershipEndsWithItsCreator(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	admin, ceiling := expiringAdmin(t, owner, org)
	sub := rsSubOrg(t, admin, org, "created by an expiring admin")
	m, err := stack().Store().Membership(context.Background(), sub, admin.Sub)
	if err != nil {
		t.Fatalf("the creator's membership of its sub-org: %v", err)
	}
	if !m.HasRole(authz.RoleOwner) || m.ExpiresAt == nil || !m.ExpiresAt.Equal(ceiling) {
		t.Fatalf("creator's membership %v expires %v, want owner until %v", m.Roles, m.ExpiresAt, ceiling)
	}
	// And it cannot lift that expiry itself.
	st, raw := admin.Do(t, "PATCH", "/v1/orgs/"+sub+"/members/"+admin.Sub, map[string]any{"expiresAt": nil})
	scRequireForbidden(t, "creator clears its own expiry in the sub-org", st, raw, gatehouse.ReasonExpiryCeiling)
}

// TestSecuritySubOrgCannotLockOutParentAdmins: a sub-org owner adds a
// parent admin to the child and then disables or flags that membership;
// the parent admin still acts as admin there (rule 5).
func TestSecuritySubOrgCannotLockOutParentAdmins(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		patch map[string]any
	}{
		{"disabled", map[string]any{"enabled": false}},
		{"read-only", map[string]any{"readonly": true}},
		{"resources read-only and expiring", map[string]any{"resourceReadonly": true, "expiresAt": time.Now().Add(2 * time.Second).UTC()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			founder := newUser(t)
			root := mbOrg(t, founder)
			child := rsSubOrg(t, founder, root, "child")
			childOwner := mbMember(t, founder, child, "owner")
			parentAdmin := mbMember(t, founder, root, "admin")
			scJoin(t, childOwner, child, parentAdmin, "viewer")
			childBase := "/v1/orgs/" + child
			if st, raw := childOwner.Do(t, "PATCH", childBase+"/members/"+parentAdmin.Sub, tc.patch); st != http.StatusOK {
				t.Fatalf("the child's owner flags the parent admin: %d %s", st, raw)
			}
			if _, ok := tc.patch["expiresAt"]; ok {
				time.Sleep(2500 * time.Millisecond)
			}
			// Still admin: it creates members and acts on them.
			res := mbCreate(t, parentAdmin, child, uniqueEmail(t), "developer")
			if st, raw := parentAdmin.Do(t, "PATCH", childBase+"/members/"+res.Member.UserID, map[string]any{"readonly": true}); st != http.StatusOK {
				t.Errorf("parent admin updates a child member: %d %s", st, raw)
			}
			var me struct {
				Roles       []string `json:"roles"`
				Permissions []string `json:"permissions"`
			}
			if st := parentAdmin.DoJSON(t, "GET", childBase+"/me", nil, &me); st != http.StatusOK || !slices.Contains(me.Roles, authz.RoleAdmin) || !slices.Contains(me.Permissions, "device:create") {
				t.Errorf("parent admin's access in the child: %d %+v, want admin with device:create", st, me)
			}
		})
	}
}

// TestSecurityTokenInURL: a URL leaks into logs and referrers, so ?token=
// takes only an API token that can only read (section 5); any other token
// and every JWT are refused there, before any handler runs.
func TestSecurityTokenInURL(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	path := "/v1/orgs/" + org
	_, full := rsToken(t, owner, org, map[string]any{"name": "full"})
	_, narrowWrite := rsToken(t, owner, org, map[string]any{"name": "one write", "permissions": []string{"org:read", "device:create"}})
	_, readonly := rsToken(t, owner, org, map[string]any{"name": "read-only", "readonly": true})
	_, reads := rsToken(t, owner, org, map[string]any{"name": "reads", "permissions": []string{"org:read", "device:read"}})

	for _, tok := range []struct{ name, secret string }{{"full", full}, {"narrowed with a write", narrowWrite}} {
		r := anonymous().DoRaw(t, "GET", path+"?token="+url.QueryEscape(tok.secret), nil, nil)
		requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonTokenInURL)
		// The same token works in the header.
		if r := owner.WithBearer(tok.secret).DoRaw(t, "GET", path, nil, nil); r.Status != http.StatusOK {
			t.Errorf("%s token in the header: %d %s", tok.name, r.Status, r.Body)
		}
	}
	for _, secret := range []string{readonly, reads} {
		if r := anonymous().DoRaw(t, "GET", path+"?token="+url.QueryEscape(secret), nil, nil); r.Status != http.StatusOK {
			t.Errorf("read-only token in the URL: %d %s, want 200", r.Status, r.Body)
		}
	}
	// A read-only token in the URL still cannot write, even on a route
	// that takes no body permission at the gate.
	r := anonymous().DoRaw(t, "POST", path+"/resources?token="+url.QueryEscape(readonly), []byte(`{"type":"device","id":"x"}`), nil)
	requireRefusal(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated, "")

	// An API token is bound to its org: it opens no route outside one, so
	// it accepts no invite (rule 11: joining is the account's own act).
	for _, rt := range []struct{ method, path string }{{"POST", "/v1/invites/accept"}, {"GET", "/v1/me"}, {"POST", "/v1/orgs"}} {
		r := owner.WithBearer(full).DoRaw(t, rt.method, rt.path, []byte(`{"token":"ghi_x","name":"x"}`), nil)
		requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonNotMember)
	}

	// Every JWT in the URL is refused, with or without a header beside it.
	for _, jwt := range []string{owner.AccessToken, owner.IDToken} {
		r := anonymous().DoRaw(t, "GET", path+"?token="+url.QueryEscape(jwt), nil, nil)
		requireRefusal(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated, "")
		r = owner.DoRaw(t, "GET", path+"?token="+url.QueryEscape(jwt), nil, nil)
		requireRefusal(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated, "")
	}
}

// TestSecurityManagerReadsOnlyWhomItManages: a manager lists and reads the
// members it manages and itself (rule 7); to it everyone else does not
// exist.
func TestSecurityManagerReadsOnlyWhomItManages(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	base := "/v1/orgs/" + org
	manager := mbMember(t, owner, org, "manager")
	if st, raw := owner.Do(t, "PUT", base+"/members/"+manager.Sub+"/limits", map[string]any{"userLimit": 3, "resourceLimit": 3}); st != http.StatusOK {
		t.Fatalf("limits: %d %s", st, raw)
	}
	managed := mbCreate(t, manager, org, uniqueEmail(t), "viewer").Member.UserID
	other := mbCreate(t, owner, org, uniqueEmail(t), "viewer").Member.UserID
	peer := mbMember(t, owner, org, "manager").Sub

	var page apigw.Page[members.Member]
	if st := manager.DoJSON(t, "GET", base+"/members", nil, &page); st != http.StatusOK {
		t.Fatalf("manager lists: %d", st)
	}
	var seen []string
	for _, m := range page.Items {
		seen = append(seen, m.UserID)
	}
	slices.Sort(seen)
	want := []string{manager.Sub, managed}
	slices.Sort(want)
	if !slices.Equal(seen, want) {
		t.Errorf("manager lists %v, want only itself and its managed member %v", seen, want)
	}
	for _, id := range []string{manager.Sub, managed} {
		if st, raw := manager.Do(t, "GET", base+"/members/"+id, nil); st != http.StatusOK {
			t.Errorf("manager reads %s: %d %s", id, st, raw)
		}
	}
	for _, id := range []string{other, peer, owner.Sub, "user_nobody"} {
		st, raw := manager.Do(t, "GET", base+"/members/"+id, nil)
		requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	}
	// Inviting its own address is a conflict (it is a member already),
	// not a 500 from a transaction that names its membership twice.
	st, raw := manager.Do(t, "POST", base+"/invites", map[string]any{"email": manager.Email, "roles": []string{"viewer"}})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
	// The owner still reads everyone.
	if st := owner.DoJSON(t, "GET", base+"/members", nil, &page); st != http.StatusOK || len(page.Items) != 5 {
		t.Errorf("owner lists %d members, want 5", len(page.Items))
	}
}

// TestSecurityInviteCheckedAtAcceptance: an invite gives what its inviter
// holds when it is accepted, not when it was sent (rule 6): demoted or
// removed in between, the invite is refused and nothing is written.
func TestSecurityInviteCheckedAtAcceptance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		roles  []string
		demote func(t *testing.T, owner *Client, org, inviter string)
	}{
		{"inviter demoted", []string{"admin"}, func(t *testing.T, owner *Client, org, inviter string) {
			if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+org+"/members/"+inviter+"/roles", map[string]any{"roles": []string{"viewer"}}); st != http.StatusOK {
				t.Fatalf("demote: %d %s", st, raw)
			}
		}},
		{"inviter made read-only", []string{"developer"}, func(t *testing.T, owner *Client, org, inviter string) {
			if st, raw := owner.Do(t, "PATCH", "/v1/orgs/"+org+"/members/"+inviter, map[string]any{"readonly": true}); st != http.StatusOK {
				t.Fatalf("flag: %d %s", st, raw)
			}
		}},
		{"inviter removed", []string{"developer"}, func(t *testing.T, owner *Client, org, inviter string) {
			if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+org+"/members/"+inviter, nil); st != http.StatusNoContent {
				t.Fatalf("remove: %d %s", st, raw)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			owner := newUser(t)
			org := mbOrg(t, owner)
			inviter := mbMember(t, owner, org, "admin")
			email := mbOther(t)
			token := tokenOf(t, mbInvite(t, inviter, org, email, tc.roles...).AcceptURL)
			tc.demote(t, owner, org, inviter.Sub)
			invitee := signUp(t, email, defaultPassword)
			before := mbSnapshot(t, org)
			st, raw := invitee.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": token})
			if st != http.StatusForbidden && st != http.StatusConflict {
				t.Fatalf("accept: %d %s, want refused (403 escalation, or 409 when the invite was revoked with its inviter)", st, raw)
			}
			mbRequireUnchanged(t, org, before)
			if _, err := stack().Store().Membership(context.Background(), org, invitee.Sub); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
				t.Errorf("the invitee's membership after a refused accept: %v, want none", err)
			}
		})
	}
}

// TestSecurityRefusalContract walks the whole route table: without a
// credential every route (but the public ones) answers 401 problem+json
// unauthenticated; a stranger (signed in, with only its personal org) gets
// 403 with a reason on every org and platform-admin route. Either way no
// handler runs, and DynamoDB sees nothing but the authorizer's one read
// (docs/security.md, the refusal contract). Not parallel: the call counter
// is the stack's.
func TestSecurityRefusalContract(t *testing.T) {
	calls := stack().DynamoDBCalls
	if calls == nil {
		t.Fatal("the local stack counts no DynamoDB calls")
	}
	founder := newUser(t)
	org := mbOrg(t, founder)
	stranger := newUser(t)
	params := map[string]string{
		"orgId": org, "userId": founder.Sub, "inviteId": "inv_none", "roleId": "role_none", "groupId": "grp_none",
		"type": "device", "resourceId": "none", "tokenId": "tok_none",
	}
	funcs := stack().Functions().HTTP
	checked := 0
	for _, route := range routes.Table {
		if route.Access == routes.Public {
			continue
		}
		if _, ok := funcs[route.Function]; !ok {
			t.Errorf("%s: its function %s is not in the local stack", route.Key(), route.Function)
			continue
		}
		path := route.Path
		for k, v := range params {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		var body []byte
		if route.Method == "POST" || route.Method == "PUT" || route.Method == "PATCH" {
			body = []byte(`{}`)
		}
		t.Run(route.Key(), func(t *testing.T) {
			calls.Reset()
			r := anonymous().DoRaw(t, route.Method, path, body, nil)
			if scimProtocol(route) { // SCIM answers SCIM errors (scim_test.go)
				requireScimRefusal(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated, "")
			} else {
				requireRefusal(t, r, http.StatusUnauthorized, gatehouse.CodeUnauthenticated, "")
			}
			if got := calls.Counts(); len(got) != 0 {
				t.Errorf("no credential: DynamoDB calls %v, want none", got)
			}
			if route.Access == routes.SignedIn {
				return // any signed-in user passes: nothing to refuse a stranger
			}
			calls.Reset()
			r = stranger.DoRaw(t, route.Method, path, body, nil)
			var p apigw.Problem
			if scimProtocol(route) {
				p = requireScimRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, "")
			} else {
				p = requireProblemResponse(t, r, http.StatusForbidden, gatehouse.CodeForbidden)
			}
			want := gatehouse.ReasonNotMember
			if route.Access == routes.PlatformAdmin {
				want = gatehouse.ReasonNotPlatformAdmin
			}
			if p.Reason != want {
				t.Errorf("stranger: reason %q, want %q", p.Reason, want)
			}
			requireHandlerNotRun(t, r)
			if got := calls.Counts(); len(got) != 1 || got["BatchGetItem"] != 1 {
				t.Errorf("stranger: DynamoDB calls %v, want the authorizer's one BatchGetItem", got)
			}
		})
		checked++
	}
	if checked < 40 {
		t.Errorf("checked %d routes; the table has more", checked)
	}
}

// mustJSON encodes v for DoRaw.
func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSecurityControlCharactersAreRefused: every stored string is printable
// text (docs/rules.md, text): ESC, NUL, CR and LF in member names, emails,
// role names and descriptions, group names, resource names and invite
// messages are refused with 400 on the field, and nothing is stored.
func TestSecurityControlCharactersAreRefused(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	base := "/v1/orgs/" + org
	for _, bad := range []string{"\x1b[31mred", "nul\x00byte", "carriage\rreturn", "line\nfeed"} {
		tests := []struct {
			path  string
			body  map[string]any
			field string
		}{
			{"/members", map[string]any{"email": uniqueEmail(t), "name": bad, "roles": []string{"viewer"}}, "name"},
			{"/members", map[string]any{"email": "x" + bad + "@e2e.gatehouse.test", "roles": []string{"viewer"}}, "email"},
			{"/invites", map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}, "message": bad}, "message"},
			{"/roles", map[string]any{"name": bad, "permissions": []string{"org:read"}}, "name"},
			{"/roles", map[string]any{"name": "Ops", "description": bad, "permissions": []string{"org:read"}}, "description"},
			{"/groups", map[string]any{"name": bad}, "name"},
			{"/resources", map[string]any{"type": "device", "id": "d1", "name": bad}, "name"},
		}
		for _, tt := range tests {
			before := mbSnapshot(t, org)
			st, raw := owner.Do(t, "POST", base+tt.path, tt.body)
			p := requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
			if len(p.Errors) == 0 || p.Errors[0].Field != tt.field {
				t.Errorf("POST %s with %q: errors %+v, want field %q", tt.path, bad, p.Errors, tt.field)
			}
			mbRequireUnchanged(t, org, before)
		}
	}
}

// TestSecurityManagerUserLimitCountsSubtree: a manager's userLimit counts
// its whole managed subtree, members and pending invites alike (rule 7):
// handing limits down to sub-managers never multiplies seats, and
// removing a sub-manager gives back its whole subtree.
func TestSecurityManagerUserLimitCountsSubtree(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	base := "/v1/orgs/" + org
	limits := func(by *Client, user string, ul int) {
		t.Helper()
		if st, raw := by.Do(t, "PUT", base+"/members/"+user+"/limits", map[string]any{"userLimit": ul, "resourceLimit": 1}); st != http.StatusOK {
			t.Fatalf("limits of %s: %d %s", user, st, raw)
		}
	}
	slots := func(user string, wantMembers, wantInvites int) {
		t.Helper()
		m, err := stack().Store().Membership(context.Background(), org, user)
		if err != nil || m.ManagedCount != wantMembers || m.PendingInvites != wantInvites {
			t.Fatalf("membership of %s: %+v %v; want %d managed members and %d pending invites in its subtree", user, m, err, wantMembers, wantInvites)
		}
	}
	manager := mbMember(t, owner, org, "manager")
	limits(owner, manager.Sub, 2)
	sub := mbCreate(t, manager, org, uniqueEmail(t), "manager").Member
	limits(manager, sub.UserID, 2) // as much as the manager has: it must not double it
	subClient := signIn(t, sub.Email, defaultPassword)
	leaf := mbCreate(t, subClient, org, uniqueEmail(t), "viewer").Member
	slots(manager.Sub, 2, 0)
	slots(sub.UserID, 1, 0)

	// The sub-manager has room of its own, its manager has none.
	before := mbSnapshot(t, org)
	for _, path := range []string{"/members", "/invites"} {
		st, raw := subClient.Do(t, "POST", base+path, map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}})
		p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded)
		if p.Limit != "userLimit" {
			t.Errorf("POST %s: limit %q, want userLimit (the manager's subtree is full)", path, p.Limit)
		}
	}
	mbRequireUnchanged(t, org, before)

	// Removing the leaf frees a slot on both; a pending invite takes it
	// on both.
	if st, raw := manager.Do(t, "DELETE", base+"/members/"+leaf.UserID, nil); st != http.StatusNoContent {
		t.Fatalf("remove leaf: %d %s", st, raw)
	}
	slots(manager.Sub, 1, 0)
	slots(sub.UserID, 0, 0)
	if st, raw := subClient.Do(t, "POST", base+"/invites", map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}}); st != http.StatusCreated {
		t.Fatalf("invite by the sub-manager: %d %s", st, raw)
	}
	slots(manager.Sub, 1, 1)
	slots(sub.UserID, 0, 1)

	// Removing the sub-manager revokes its invite and gives back its
	// whole subtree: the manager manages nobody any more.
	if st, raw := manager.Do(t, "DELETE", base+"/members/"+sub.UserID, nil); st != http.StatusNoContent {
		t.Fatalf("remove sub-manager: %d %s", st, raw)
	}
	slots(manager.Sub, 0, 0)
	mbCreate(t, manager, org, uniqueEmail(t), "viewer")
	mbCreate(t, manager, org, uniqueEmail(t), "viewer")
	slots(manager.Sub, 2, 0)
}

// Rule 7 meets a move (issue 17): moving a sub-manager to another org
// takes it and its whole managed subtree out of its manager's userLimit,
// as removing it does.
func TestSecurityMovedSubManagerFreesItsManagersSlots(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	child := rsSubOrg(t, owner, org, "child")
	base := "/v1/orgs/" + org
	manager := mbMember(t, owner, org, "manager")
	if st, raw := owner.Do(t, "PUT", base+"/members/"+manager.Sub+"/limits", map[string]any{"userLimit": 2, "resourceLimit": 0}); st != http.StatusOK {
		t.Fatalf("limits: %d %s", st, raw)
	}
	sub := mbCreate(t, manager, org, uniqueEmail(t), "manager").Member
	if st, raw := manager.Do(t, "PUT", base+"/members/"+sub.UserID+"/limits", map[string]any{"userLimit": 1, "resourceLimit": 0}); st != http.StatusOK {
		t.Fatalf("sub-manager limits: %d %s", st, raw)
	}
	mbCreate(t, signIn(t, sub.Email, defaultPassword), org, uniqueEmail(t), "viewer")
	slots := func(want int) {
		t.Helper()
		m, err := stack().Store().Membership(context.Background(), org, manager.Sub)
		if err != nil || m.ManagedCount != want || m.PendingInvites != 0 {
			t.Fatalf("manager: %+v %v; want %d managed in its subtree", m, err, want)
		}
	}
	slots(2)
	if st, raw := olMove(t, owner, org, sub.UserID, map[string]any{"to": child, "roles": []string{"viewer"}}); st != http.StatusOK {
		t.Fatalf("move the sub-manager: %d %s", st, raw)
	}
	slots(0)
	mbCreate(t, manager, org, uniqueEmail(t), "viewer")
	mbCreate(t, manager, org, uniqueEmail(t), "viewer")
	slots(2)
}
