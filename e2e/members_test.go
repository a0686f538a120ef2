package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/members"
)

// Helpers of the membership tests (members, invites, roles) are prefixed
// with mb.

// mbOrg creates a fresh org owned by owner and returns its id.
func mbOrg(t testing.TB, owner *Client) string {
	t.Helper()
	var o struct {
		ID string `json:"id"`
	}
	if st := owner.DoJSON(t, "POST", "/v1/orgs", map[string]any{"name": "org of " + t.Name()}, &o); st != http.StatusCreated || o.ID == "" {
		t.Fatalf("create org: %d %+v", st, o)
	}
	return o.ID
}

// mbCreate creates a member directly and activates it as its invitee
// would: the org has verified no domain, so the activation link goes to the
// mailbox (rule 11); the test reads it from the local outbox and sets the
// password. The member can then sign in with defaultPassword.
func mbCreate(t testing.TB, by *Client, orgID, email string, roles ...string) members.CreateResult {
	t.Helper()
	var res members.CreateResult
	st, raw := by.Do(t, "POST", "/v1/orgs/"+orgID+"/members", map[string]any{
		"email": email, "name": "Member", "roles": roles,
	})
	if st != http.StatusCreated {
		t.Fatalf("create member %s: %d %s", email, st, raw)
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if res.Member == nil || !res.ActivationSent {
		t.Fatalf("create member %s: %s, want a new member with its activation emailed", email, raw)
	}
	activateFromMailbox(t, email)
	return res
}

// activateFromMailbox activates a pending account with defaultPassword,
// from the activation link in its mailbox (the local outbox).
func activateFromMailbox(t testing.TB, email string) {
	t.Helper()
	token := tokenFromMailbox(t, email, "ghv_")
	if st, raw := anonymous().Do(t, "POST", "/v1/activate", map[string]any{"token": token, "password": defaultPassword}); st != http.StatusOK {
		t.Fatalf("activate %s: %d %s", email, st, raw)
	}
}

// acceptFromMailbox accepts, as u, the newest invite in u's mailbox (rule
// 11: an existing account joins by its own act).
func acceptFromMailbox(t testing.TB, u *Client) {
	t.Helper()
	token := tokenFromMailbox(t, u.Email, "ghi_")
	if st, raw := u.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": token}); st != http.StatusOK {
		t.Fatalf("accept as %s: %d %s", u.Email, st, raw)
	}
}

// tokenFromMailbox is the newest link token of a kind (ghv_ activation,
// ghi_ invite) in the local outbox's emails to email.
func tokenFromMailbox(t testing.TB, email, prefix string) string {
	t.Helper()
	for _, m := range emailsTo(t, email) {
		if i := strings.Index(m.Text, "token="+prefix); i >= 0 {
			return strings.Fields(m.Text[i+len("token="):])[0]
		}
	}
	t.Fatalf("no %s link in the mailbox of %s", prefix, email)
	return ""
}

// mbMember creates a member with a password and signs it in.
func mbMember(t testing.TB, by *Client, orgID string, roles ...string) *Client {
	t.Helper()
	email := uniqueEmail(t)
	mbCreate(t, by, orgID, email, roles...)
	return signIn(t, email, defaultPassword)
}

// mbState is what a refused request must leave unchanged: the org's
// counters and policy, its members and its audit log.
type mbState struct {
	Members, Owners, Version int64
	CustomRoles              string
	MemberRows               []string
	AuditEvents              int
}

func mbSnapshot(t testing.TB, orgID string) mbState {
	t.Helper()
	ctx := context.Background()
	st := stack().Store()
	o, err := st.Org(ctx, orgID)
	if err != nil {
		t.Fatalf("read org: %v", err)
	}
	cr, _ := json.Marshal(o.CustomRoles)
	s := mbState{Members: int64(o.Usage.Members), Owners: int64(o.Usage.Owners), Version: o.Version, CustomRoles: string(cr)}
	ms, _, err := st.MembersPage(ctx, orgID, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		s.MemberRows = append(s.MemberRows, fmt.Sprintf("%s %v %s %v %d %d v%d", m.UserID, m.Roles, m.Status, m.ExpiresAt, m.UserLimit, m.ManagedCount, m.Version))
	}
	cursor := ""
	for {
		evs, next, err := st.AuditPage(ctx, orgID, dynamo.AuditFilter{}, 100, cursor)
		if err != nil {
			t.Fatal(err)
		}
		s.AuditEvents += len(evs)
		if next == "" {
			break
		}
		cursor = next
	}
	return s
}

func mbRequireUnchanged(t testing.TB, orgID string, before mbState) {
	t.Helper()
	after := mbSnapshot(t, orgID)
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	if string(a) != string(b) {
		t.Fatalf("the refused request changed the table:\nbefore %s\nafter  %s", b, a)
	}
}

// mbCognitoUser reports whether cognito-local has an account for email.
func mbCognitoUser(t testing.TB, email string) bool {
	t.Helper()
	_, err := stack().Cognito().AdminGetUser(context.Background(), &cip.AdminGetUserInput{
		UserPoolId: aws.String(stack().Info.UserPoolID), Username: aws.String(email)})
	if err == nil {
		return true
	}
	if strings.Contains(err.Error(), "UserNotFound") {
		return false
	}
	t.Fatalf("AdminGetUser %s: %v", email, err)
	return false
}

// mbNoAccount checks that neither Cognito nor the table holds an account
// for email.
func mbNoAccount(t testing.TB, email string) {
	t.Helper()
	if mbCognitoUser(t, email) {
		t.Errorf("Cognito user %s exists", email)
	}
	if id, err := stack().Store().UserIDByEmail(context.Background(), email); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("email %s reserved in the table (user %q, err %v)", email, id, err)
	}
}

// mbAudit lists an org's audit events (newest first) through the API.
func mbAudit(t testing.TB, c *Client, orgID, query string) []gatehouse.AuditEvent {
	t.Helper()
	var page struct {
		Items      []gatehouse.AuditEvent `json:"items"`
		NextCursor string                 `json:"nextCursor"`
	}
	if st := c.DoJSON(t, "GET", "/v1/orgs/"+orgID+"/audit"+query, nil, &page); st != http.StatusOK {
		t.Fatalf("audit: %d", st)
	}
	return page.Items
}

func TestMembersCreateWithPasswordAndManage(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	email := uniqueEmail(t)
	res := mbCreate(t, owner, org, strings.ToUpper(email[:1])+email[1:], "developer")
	if !res.AccountCreated || res.Member.UserID == "" || res.ActivationURL != "" {
		t.Fatalf("create result %+v", res)
	}
	dev := signIn(t, email, defaultPassword)
	if dev.Sub != res.Member.UserID {
		t.Fatalf("token sub %s, member %s", dev.Sub, res.Member.UserID)
	}
	// The new member uses its role at once.
	if st, raw := dev.Do(t, "GET", "/v1/orgs/"+org+"/members", nil); st != http.StatusOK {
		t.Fatalf("developer lists members: %d %s", st, raw)
	}
	var got members.Member
	if st := owner.DoJSON(t, "GET", "/v1/orgs/"+org+"/members/"+dev.Sub, nil, &got); st != http.StatusOK ||
		!strings.EqualFold(got.Email, email) || got.Roles[0] != "developer" || got.Status != gatehouse.StatusActive {
		t.Fatalf("GET member: %d %+v", st, got)
	}

	// PATCH changes only what is sent.
	path := "/v1/orgs/" + org + "/members/" + dev.Sub
	if st := owner.DoJSON(t, "PATCH", path, map[string]any{"readonly": true}, &got); st != http.StatusOK || !got.Readonly || got.Status != gatehouse.StatusActive {
		t.Fatalf("PATCH readonly: %d %+v", st, got)
	}
	exp := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	if st := owner.DoJSON(t, "PATCH", path, map[string]any{"expiresAt": exp}, &got); st != http.StatusOK || !got.Readonly || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("PATCH expiresAt: %d %+v", st, got)
	}
	got = members.Member{} // a fresh decode: an absent expiresAt must read as none
	if st := owner.DoJSON(t, "PATCH", path, map[string]any{"expiresAt": nil, "enabled": false}, &got); st != http.StatusOK || got.ExpiresAt != nil || got.Status != gatehouse.StatusDisabled || !got.Readonly {
		t.Fatalf("PATCH clear expiry, disable: %d %+v", st, got)
	}
	// Disabled: cut off at its next request.
	if st, _ := dev.Do(t, "GET", "/v1/orgs/"+org+"/members", nil); st != http.StatusForbidden {
		t.Fatalf("disabled member lists members: %d, want 403", st)
	}
	// Roles and limits.
	if st := owner.DoJSON(t, "PUT", path+"/roles", map[string]any{"roles": []string{"manager"}}, &got); st != http.StatusOK || got.Roles[0] != "manager" {
		t.Fatalf("PUT roles: %d %+v", st, got)
	}
	if st := owner.DoJSON(t, "PUT", path+"/limits", map[string]any{"userLimit": 3, "resourceLimit": 10}, &got); st != http.StatusOK || got.UserLimit != 3 || got.ResourceLimit != 10 {
		t.Fatalf("PUT limits: %d %+v", st, got)
	}
	// Audit: every change, newest first, with before/after and request ids.
	evs := mbAudit(t, owner, org, "?target="+dev.Sub)
	var actions []string
	for _, e := range evs {
		if e.Action == "account.activate" {
			continue // the member's own act, from its mailbox
		}
		actions = append(actions, e.Action)
		if e.ActorID != owner.Sub || e.RequestID == "" || e.SourceIP == "" {
			t.Errorf("event %+v: want actor, request id and source IP", e)
		}
	}
	want := "member.limits member.roles member.update member.update member.update member.create"
	if strings.Join(actions, " ") != want {
		t.Fatalf("audit actions %v, want %s", actions, want)
	}
	if evs[1].Before["roles"] == nil || evs[1].After["roles"] == nil {
		t.Errorf("role change event without before/after: %+v", evs[1])
	}
	// Remove: the member is gone; the user had no other org, so it gets a
	// personal org.
	before := mbSnapshot(t, org)
	if st, raw := owner.Do(t, "DELETE", path, nil); st != http.StatusNoContent {
		t.Fatalf("DELETE member: %d %s", st, raw)
	}
	after := mbSnapshot(t, org)
	if after.Members != before.Members-1 {
		t.Errorf("memberCount %d -> %d", before.Members, after.Members)
	}
	views, err := stack().Store().MembershipsOfUser(context.Background(), dev.Sub)
	if err != nil || len(views) != 1 || !views[0].HasRole("owner") || views[0].OrgID == org {
		t.Fatalf("memberships after removal from last org: %+v %v; want a personal org", views, err)
	}
}

func TestMembersListPaginatesWithCursorsScopedToTheOrg(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	for i := 0; i < 3; i++ {
		mbCreate(t, owner, org, uniqueEmail(t), "viewer")
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		var page apigw.Page[members.Member]
		if st := owner.DoJSON(t, "GET", "/v1/orgs/"+org+"/members?limit=2&cursor="+cursor, nil, &page); st != http.StatusOK {
			t.Fatalf("page %d: %d", pages, st)
		}
		for _, m := range page.Items {
			if seen[m.UserID] {
				t.Fatalf("member %s listed twice", m.UserID)
			}
			seen[m.UserID] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(seen) != 4 {
		t.Fatalf("listed %d members, want 4", len(seen))
	}
	// A cursor of this org does not open another org's list.
	other := newUser(t)
	otherOrg := mbOrg(t, other)
	mbCreate(t, other, otherOrg, uniqueEmail(t), "viewer")
	var page apigw.Page[members.Member]
	if st := other.DoJSON(t, "GET", "/v1/orgs/"+otherOrg+"/members?limit=1", nil, &page); st != http.StatusOK || page.NextCursor == "" {
		t.Fatalf("other org page: %d %+v", st, page)
	}
	st, raw := owner.Do(t, "GET", "/v1/orgs/"+org+"/members?limit=1&cursor="+page.NextCursor, nil)
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	st, raw = owner.Do(t, "GET", "/v1/orgs/"+org+"/members?cursor=garbage!", nil)
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	st, raw = owner.Do(t, "GET", "/v1/orgs/"+org+"/members?limit=500", nil)
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
}

func TestMembersActivationLink(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)

	t.Run("display", func(t *testing.T) {
		email := uniqueEmail(t)
		// An org that has verified no domain cannot see the link (rule 11);
		// a platform admin can.
		st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{
			"email": email, "roles": []string{"viewer"}, "activation": "display"})
		if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonDomainNotVerified {
			t.Fatalf("reason %q, want %q", p.Reason, gatehouse.ReasonDomainNotVerified)
		}
		admin := adminClient(t)
		adminOrg := mbOrg(t, admin)
		var res members.CreateResult
		if st := admin.DoJSON(t, "POST", "/v1/orgs/"+adminOrg+"/members", map[string]any{
			"email": email, "roles": []string{"viewer"}, "activation": "display"}, &res); st != http.StatusCreated {
			t.Fatalf("create: %d", st)
		}
		if !strings.Contains(res.ActivationURL, "/activate?token=ghv_") || res.Member.AccountStatus != gatehouse.StatusPending {
			t.Fatalf("result %+v", res)
		}
		token := res.ActivationURL[strings.Index(res.ActivationURL, "token=")+6:]
		// The token never reaches the audit log.
		for _, e := range mbAudit(t, admin, adminOrg, "") {
			if b, _ := json.Marshal(e); strings.Contains(string(b), token) || strings.Contains(string(b), "ghv_") {
				t.Fatalf("audit event holds the activation token: %s", b)
			}
		}
		if _, err := trySignIn(email, defaultPassword); err == nil {
			t.Fatal("pending account signed in before activation")
		}
		st, raw = anonymous().Do(t, "POST", "/v1/activate", map[string]any{"token": token, "password": "short1"})
		requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
		st, raw = anonymous().Do(t, "POST", "/v1/activate", map[string]any{"token": token, "password": "lettersonly"})
		requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
		if st, raw := anonymous().Do(t, "POST", "/v1/activate", map[string]any{"token": token, "password": defaultPassword}); st != http.StatusOK {
			t.Fatalf("activate: %d %s", st, raw)
		}
		u, err := stack().Store().User(context.Background(), res.Member.UserID)
		if err != nil || u.Status != gatehouse.StatusActive {
			t.Fatalf("account after activation: %+v %v", u, err)
		}
		signIn(t, email, defaultPassword)
		st, raw = anonymous().Do(t, "POST", "/v1/activate", map[string]any{"token": token, "password": "another-pass-9"})
		requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
		st, raw = anonymous().Do(t, "POST", "/v1/activate", map[string]any{"token": "ghv_unknown", "password": "another-pass-9"})
		requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	})

	t.Run("email", func(t *testing.T) {
		email := uniqueEmail(t)
		var res members.CreateResult
		if st := owner.DoJSON(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{
			"email": email, "roles": []string{"viewer"}, "activation": "email"}, &res); st != http.StatusCreated {
			t.Fatalf("create: %d", st)
		}
		if !res.ActivationSent || res.ActivationURL != "" {
			t.Fatalf("result %+v", res)
		}
		var mails []Email
		eventually(t, 5*time.Second, func() bool { mails = emailsTo(t, email); return len(mails) == 1 })
		i := strings.Index(mails[0].Text, "token=")
		if i < 0 {
			t.Fatalf("email without link: %s", mails[0].Text)
		}
		token := strings.Fields(mails[0].Text[i+6:])[0]
		if st, raw := anonymous().Do(t, "POST", "/v1/activate", map[string]any{"token": token, "password": defaultPassword}); st != http.StatusOK {
			t.Fatalf("activate: %d %s", st, raw)
		}
		signIn(t, email, defaultPassword)
	})
}

// TestMembersExistingAccountIsInvitedNotEnrolled: rule 11. Creating a
// member with the email of an existing account makes an invite; the account
// joins only by accepting it, and its password is untouched.
func TestMembersExistingAccountIsInvitedNotEnrolled(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	existing := newUser(t)
	before := mbSnapshot(t, org)
	var res members.CreateResult
	st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{
		"email": strings.ToUpper(existing.Email), "roles": []string{"viewer"}})
	if st != http.StatusCreated {
		t.Fatalf("add existing: %d %s", st, raw)
	}
	_ = json.Unmarshal(raw, &res)
	if res.AccountCreated || res.Member != nil || res.Invite == nil {
		t.Fatalf("result %s, want an invite and no member", raw)
	}
	st, raw = owner.Do(t, "GET", "/v1/orgs/"+org+"/members/"+existing.Sub, nil)
	requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	if after := mbSnapshot(t, org); after.Members != before.Members {
		t.Errorf("members %d -> %d: the account was enrolled without its consent", before.Members, after.Members)
	}
	// Its password is untouched; it joins by its own act.
	signIn(t, existing.Email, defaultPassword)
	acceptFromMailbox(t, existing)
	if st, raw := owner.Do(t, "GET", "/v1/orgs/"+org+"/members/"+existing.Sub, nil); st != http.StatusOK {
		t.Fatalf("member after accepting: %d %s", st, raw)
	}
}

func TestMembersRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	admin := mbMember(t, owner, org, "admin")
	manager := mbMember(t, owner, org, "manager")
	if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+org+"/members/"+manager.Sub+"/limits", map[string]any{"userLimit": 5, "resourceLimit": 5}); st != http.StatusOK {
		t.Fatalf("limits: %d %s", st, raw)
	}
	dupEmail := uniqueEmail(t)
	mbCreate(t, owner, org, dupEmail, "viewer")
	ownersMember := mbMember(t, owner, org, "viewer") // managed by no one
	otherOrg := mbOrg(t, newUser(t))
	_ = otherOrg

	create := func(extra map[string]any) map[string]any {
		b := map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	cases := []struct {
		name   string
		by     *Client
		method string
		path   string
		body   any
		status int
		code   gatehouse.Code
		reason string
	}{
		{"duplicate email", owner, "POST", "/members", map[string]any{"email": strings.ToUpper(dupEmail), "roles": []string{"viewer"}}, 409, gatehouse.CodeConflict, ""},
		{"weak password", owner, "POST", "/members", create(map[string]any{"password": "abcdefgh"}), 400, gatehouse.CodeValidation, ""},
		{"short password", owner, "POST", "/members", create(map[string]any{"password": "a1"}), 400, gatehouse.CodeValidation, ""},
		{"malformed JSON", owner, "POST", "/members", `{"email": "x@y.z", "roles": [`, 400, gatehouse.CodeValidation, ""},
		{"unknown field", owner, "POST", "/members", create(map[string]any{"isAdmin": true}), 400, gatehouse.CodeValidation, ""},
		{"unknown role", owner, "POST", "/members", create(map[string]any{"roles": []string{"god"}}), 400, gatehouse.CodeValidation, ""},
		{"admin makes an owner", admin, "POST", "/members", create(map[string]any{"roles": []string{"owner"}}), 403, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"manager makes an admin", manager, "POST", "/members", create(map[string]any{"roles": []string{"admin"}}), 403, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"manager promotes itself", manager, "PUT", "/members/" + manager.Sub + "/roles", map[string]any{"roles": []string{"admin"}}, 403, gatehouse.CodeForbidden, gatehouse.ReasonNotManaged},
		{"admin promotes to owner", admin, "PUT", "/members/" + ownersMember.Sub + "/roles", map[string]any{"roles": []string{"owner"}}, 403, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"admin demotes the owner", admin, "PUT", "/members/" + owner.Sub + "/roles", map[string]any{"roles": []string{"viewer"}}, 403, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"admin removes the owner", admin, "DELETE", "/members/" + owner.Sub, nil, 403, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"manager outside its subtree: PATCH", manager, "PATCH", "/members/" + ownersMember.Sub, map[string]any{"readonly": true}, 403, gatehouse.CodeForbidden, gatehouse.ReasonNotManaged},
		{"manager outside its subtree: roles", manager, "PUT", "/members/" + ownersMember.Sub + "/roles", map[string]any{"roles": []string{"developer"}}, 403, gatehouse.CodeForbidden, gatehouse.ReasonNotManaged},
		{"manager outside its subtree: remove", manager, "DELETE", "/members/" + ownersMember.Sub, nil, 403, gatehouse.CodeForbidden, gatehouse.ReasonNotManaged},
		{"manager outside its subtree: limits", manager, "PUT", "/members/" + ownersMember.Sub + "/limits", map[string]any{"userLimit": 1, "resourceLimit": 1}, 403, gatehouse.CodeForbidden, gatehouse.ReasonNotManaged},
		{"last owner demotes itself", owner, "PUT", "/members/" + owner.Sub + "/roles", map[string]any{"roles": []string{"admin"}}, 409, gatehouse.CodeLastOwner, ""},
		{"last owner disables itself", owner, "PATCH", "/members/" + owner.Sub, map[string]any{"enabled": false}, 409, gatehouse.CodeLastOwner, ""},
		{"last owner expires itself", owner, "PATCH", "/members/" + owner.Sub, map[string]any{"expiresAt": time.Now().Add(time.Hour)}, 409, gatehouse.CodeLastOwner, ""},
		{"last owner removes itself", owner, "DELETE", "/members/" + owner.Sub, nil, 409, gatehouse.CodeLastOwner, ""},
		{"last owner leaves", owner, "POST", "/leave", nil, 409, gatehouse.CodeLastOwner, ""},
		{"PATCH unknown field", owner, "PATCH", "/members/" + ownersMember.Sub, map[string]any{"roles": []string{"admin"}}, 400, gatehouse.CodeValidation, ""},
		{"limits below -1", owner, "PUT", "/members/" + manager.Sub + "/limits", map[string]any{"userLimit": -2, "resourceLimit": 1}, 400, gatehouse.CodeValidation, ""},
		{"no such member", owner, "PATCH", "/members/nobody", map[string]any{"readonly": true}, 404, gatehouse.CodeNotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := mbSnapshot(t, org)
			st, raw := tc.by.Do(t, tc.method, "/v1/orgs/"+org+tc.path, tc.body)
			p := requireProblem(t, st, raw, tc.status, tc.code)
			if tc.reason != "" && p.Reason != tc.reason {
				t.Errorf("reason %q, want %q", p.Reason, tc.reason)
			}
			mbRequireUnchanged(t, org, before)
			if m, ok := tc.body.(map[string]any); ok && tc.method == "POST" {
				if e, _ := m["email"].(string); e != "" && !strings.EqualFold(e, dupEmail) {
					mbNoAccount(t, e)
				}
			}
		})
	}
}

func TestMembersManagerSubtreeAndLimits(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	manager := mbMember(t, owner, org, "manager")
	limits := func(by *Client, user string, ul, rl int) (int, []byte) {
		return by.Do(t, "PUT", "/v1/orgs/"+org+"/members/"+user+"/limits", map[string]any{"userLimit": ul, "resourceLimit": rl})
	}
	// userLimit 0: a manager that may not create users.
	before := mbSnapshot(t, org)
	st, raw := manager.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}})
	p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded)
	if p.Limit != "userLimit" {
		t.Errorf("limit %q, want userLimit", p.Limit)
	}
	mbRequireUnchanged(t, org, before)

	if st, raw := limits(owner, manager.Sub, 2, 10); st != http.StatusOK {
		t.Fatalf("limits: %d %s", st, raw)
	}
	sub := mbCreate(t, manager, org, uniqueEmail(t), "manager").Member // a sub-manager
	if sub.ManagedBy != manager.Sub || sub.UserLimit != 0 || sub.ResourceLimit != 0 {
		t.Fatalf("managed member %+v: want managedBy the manager, limits 0", sub.Membership)
	}
	// Within its own limits only.
	st, raw = limits(manager, sub.UserID, 5, 1)
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	st, raw = limits(manager, sub.UserID, -1, 1)
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	if st, raw := limits(manager, sub.UserID, 1, 5); st != http.StatusOK {
		t.Fatalf("limits within own: %d %s", st, raw)
	}
	subClient := signIn(t, sub.Email, defaultPassword)
	leaf := mbCreate(t, subClient, org, uniqueEmail(t), "viewer").Member
	// Transitively managed: the manager acts on its sub-manager's member.
	if st, raw := manager.Do(t, "PATCH", "/v1/orgs/"+org+"/members/"+leaf.UserID, map[string]any{"readonly": true}); st != http.StatusOK {
		t.Fatalf("manager on transitively managed member: %d %s", st, raw)
	}
	// But the sub-manager cannot act on its own manager.
	st, raw = subClient.Do(t, "PATCH", "/v1/orgs/"+org+"/members/"+manager.Sub, map[string]any{"readonly": true})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	// The sub-manager is at its userLimit of 1.
	before = mbSnapshot(t, org)
	st, raw = subClient.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded)
	mbRequireUnchanged(t, org, before)
	// Removing a managed member frees the manager's seat.
	if st, raw := manager.Do(t, "DELETE", "/v1/orgs/"+org+"/members/"+leaf.UserID, nil); st != http.StatusNoContent {
		t.Fatalf("remove managed: %d %s", st, raw)
	}
	m, err := stack().Store().Membership(context.Background(), org, sub.UserID)
	if err != nil || m.ManagedCount != 0 {
		t.Fatalf("sub-manager after removal: %+v %v; want managedCount 0", m, err)
	}
}

// expiringAdmin creates an admin of org whose membership expires in three
// days, signed in: a caller with an expiry ceiling (rule 8).
func expiringAdmin(t *testing.T, owner *Client, org string) (*Client, time.Time) {
	t.Helper()
	ceiling := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	email := uniqueEmail(t)
	if st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{
		"email": email, "roles": []string{"admin"}, "expiresAt": ceiling}); st != http.StatusCreated {
		t.Fatalf("create expiring admin: %d %s", st, raw)
	}
	activateFromMailbox(t, email)
	return signIn(t, email, defaultPassword), ceiling
}

func TestMembersExpiryCeiling(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	admin, ceiling := expiringAdmin(t, owner, org)
	// Members it creates get exactly its expiry by default.
	res := mbCreate(t, admin, org, uniqueEmail(t), "viewer")
	if res.Member.ExpiresAt == nil || !res.Member.ExpiresAt.Equal(ceiling) {
		t.Fatalf("expiry of created member %v, want %v", res.Member.ExpiresAt, ceiling)
	}
	path := "/v1/orgs/" + org + "/members/" + res.Member.UserID
	for _, tc := range []struct {
		name string
		body any
	}{
		{"later than its own", map[string]any{"expiresAt": ceiling.Add(time.Hour)}},
		{"cleared", map[string]any{"expiresAt": nil}},
	} {
		before := mbSnapshot(t, org)
		st, raw := admin.Do(t, "PATCH", path, tc.body)
		p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
		if p.Reason != gatehouse.ReasonExpiryCeiling {
			t.Errorf("%s: reason %q", tc.name, p.Reason)
		}
		mbRequireUnchanged(t, org, before)
	}
	before := mbSnapshot(t, org)
	st, raw := admin.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{"email": uniqueEmail(t), "roles": []string{"viewer"}, "expiresAt": ceiling.Add(time.Minute)})
	requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden)
	mbRequireUnchanged(t, org, before)
	// Earlier is fine, for others and for itself.
	if st, raw := admin.Do(t, "PATCH", path, map[string]any{"expiresAt": ceiling.Add(-time.Hour)}); st != http.StatusOK {
		t.Fatalf("earlier expiry: %d %s", st, raw)
	}
	if st, raw := admin.Do(t, "PATCH", "/v1/orgs/"+org+"/members/"+admin.Sub, map[string]any{"expiresAt": ceiling.Add(-time.Hour)}); st != http.StatusOK {
		t.Fatalf("own earlier expiry: %d %s", st, raw)
	}
}

func TestMembersLeave(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	second := mbMember(t, owner, org, "owner")
	if st, raw := second.Do(t, "POST", "/v1/orgs/"+org+"/leave", nil); st != http.StatusNoContent {
		t.Fatalf("second owner leaves: %d %s", st, raw)
	}
	// It left its only org: a personal org was made in the same write.
	views, err := stack().Store().MembershipsOfUser(context.Background(), second.Sub)
	if err != nil || len(views) != 1 || views[0].OrgID == org || !views[0].HasRole("owner") {
		t.Fatalf("memberships after leaving: %+v %v", views, err)
	}
	o, _ := stack().Store().Org(context.Background(), org)
	if o.Usage.Owners != 1 || o.Usage.Members != 1 {
		t.Fatalf("org usage %+v, want 1 owner, 1 member", o.Usage)
	}
	// The owner has other orgs (its personal one): leaving is refused as
	// last owner, not for lack of another org.
	st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/leave", nil)
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLastOwner)
	// A non-member cannot leave.
	st, raw = second.Do(t, "POST", "/v1/orgs/"+org+"/leave", nil)
	if st != http.StatusForbidden && st != http.StatusNotFound {
		t.Fatalf("non-member leaves: %d %s", st, raw)
	}
}

// TestMembersCognitoDown makes Cognito unreachable for the new member's
// calls: creating the member answers 503 and nothing is written.
func TestMembersCognitoDown(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	email := uniqueEmail(t)
	before := mbSnapshot(t, org)
	body := map[string]any{"email": email, "roles": []string{"viewer"}}
	withCognitoDown(t, []string{email}, func() {
		st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/members", body)
		requireProblem(t, st, raw, http.StatusServiceUnavailable, gatehouse.CodeUnavailable)
		mbRequireUnchanged(t, org, before)
	})
	mbNoAccount(t, email)
	mbRequireUnchanged(t, org, before)
	// And the same request works again once Cognito is back: it resumes
	// the creation's intent (docs/reliability.md).
	if st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/members", body); st != http.StatusCreated {
		t.Fatalf("the same creation after Cognito is back: %d %s, want 201", st, raw)
	}
}

// TestMembersDynamoFailureConvergesOnRetry makes the creation's
// transaction fail after its Cognito user was created: it fails with an outcome the
// function cannot know (it may have committed), so nothing is deleted on
// the spot; the creation's intent stays, and the same request retried
// adopts the Cognito user it made and finishes (docs/reliability.md). The
// e2e fault table (TestFaultTable) covers every stop point.
func TestMembersDynamoFailureConvergesOnRetry(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	st := stack()
	email := uniqueEmail(t)
	before := mbSnapshot(t, org)
	// The creation's transaction fails, after its reads and its Cognito
	// user (the intent before it is a PutItem).
	clear := st.DynamoFailsFor(t, "TransactWriteItems", email)
	status, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{"email": email, "roles": []string{"viewer"}})
	clear()
	requireProblem(t, status, raw, http.StatusInternalServerError, gatehouse.CodeInternal)
	if !mbCognitoUser(t, email) {
		t.Fatalf("no Cognito user for %s: the failure hit before Cognito, not between it and the transaction", email)
	}
	mbRequireUnchanged(t, org, before)
	if st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/members", map[string]any{"email": email, "roles": []string{"viewer"}}); st != http.StatusCreated {
		t.Fatalf("the same creation retried: %d %s, want 201 (the Cognito user adopted)", st, raw)
	}
}

// TestMembersConcurrentRoleChangesKeepAnOwner runs 50 role changes and
// removals on one org at once: the org keeps at least one active owner,
// its counters match its members, and every audit event matches exactly
// one committed change.
func TestMembersConcurrentRoleChangesKeepAnOwner(t *testing.T) {
	owner := newUser(t)
	org := mbOrg(t, owner)
	var owners []*Client
	owners = append(owners, owner)
	for i := 0; i < 4; i++ {
		owners = append(owners, mbMember(t, owner, org, "owner"))
	}
	var others []string
	for i := 0; i < 6; i++ {
		others = append(others, mbCreate(t, owner, org, uniqueEmail(t), "viewer").Member.UserID)
	}
	start := time.Now().UTC()
	type result struct {
		status    int
		requestID string
	}
	results := make([]result, 50)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			by := owners[i%len(owners)]
			target := owners[(i+1)%len(owners)].Sub
			var r *Response
			switch i % 5 {
			case 0, 1:
				r = by.DoRaw(t, "PUT", "/v1/orgs/"+org+"/members/"+target+"/roles", []byte(`{"roles":["admin"]}`), nil)
			case 2:
				r = by.DoRaw(t, "PUT", "/v1/orgs/"+org+"/members/"+others[i%len(others)]+"/roles", []byte(`{"roles":["owner"]}`), nil)
			case 3:
				r = by.DoRaw(t, "DELETE", "/v1/orgs/"+org+"/members/"+target, nil, nil)
			case 4:
				r = by.DoRaw(t, "PATCH", "/v1/orgs/"+org+"/members/"+target, []byte(`{"enabled":false}`), nil)
			}
			results[i] = result{r.Status, r.RequestID}
		}(i)
	}
	wg.Wait()

	ctx := context.Background()
	o, err := stack().Store().Org(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	ms, _, err := stack().Store().MembersPage(ctx, org, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	activeOwners := 0
	for _, m := range ms {
		if m.Status == gatehouse.StatusActive && m.HasRole("owner") {
			activeOwners++
		}
	}
	if activeOwners < 1 || o.Usage.Owners != activeOwners || o.Usage.Members != len(ms) {
		t.Fatalf("after the storm: %d active owners, ownerCount %d, memberCount %d, members %d", activeOwners, o.Usage.Owners, o.Usage.Members, len(ms))
	}
	byRequest := map[string]int{}
	cursor := ""
	for {
		evs, next, err := stack().Store().AuditPage(ctx, org, dynamo.AuditFilter{Since: start}, 100, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			byRequest[e.RequestID]++
		}
		if next == "" {
			break
		}
		cursor = next
	}
	committed := 0
	for _, r := range results {
		switch {
		case r.status >= 200 && r.status < 300:
			committed++
			// A no-op change (roles already admin) writes nothing.
			if byRequest[r.requestID] > 1 {
				t.Errorf("request %s has %d audit events", r.requestID, byRequest[r.requestID])
			}
		case r.status == http.StatusConflict, r.status == http.StatusForbidden, r.status == http.StatusNotFound:
			if byRequest[r.requestID] != 0 {
				t.Errorf("refused request %s (%d) has an audit event", r.requestID, r.status)
			}
		default:
			t.Errorf("unexpected status %d", r.status)
		}
		delete(byRequest, r.requestID)
	}
	if len(byRequest) != 0 {
		t.Errorf("audit events of no request of the storm: %v", byRequest)
	}
	t.Logf("%d of 50 changes committed; %d active owners remain", committed, activeOwners)
}
