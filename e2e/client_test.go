package e2e

// The happy paths of members, invites, resources and the check API, driven
// through the generated Go client (client/, generated from the OpenAPI
// document by make generate), as an integrator would. Every exchange also
// goes through the contract check of contract_test.go.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/client"
	oapitypes "github.com/oapi-codegen/runtime/types"
)

// checkedDoer sends the generated client's requests with the harness's
// HTTP client and checks each exchange against the document.
type checkedDoer struct{ t testing.TB }

func (d checkedDoer) Do(req *http.Request) (*http.Response, error) {
	d.t.Helper()
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	ex := checkRequest(d.t, req, body)
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	ex.checkResponse(d.t, resp.StatusCode, resp.Header, raw)
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	return resp, nil
}

// api returns the generated client acting as c.
func api(t testing.TB, c *Client) *client.ClientWithResponses {
	t.Helper()
	cl, err := client.NewClientWithResponses(stack().Info.APIURL,
		client.WithHTTPClient(checkedDoer{t}),
		client.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			if c.Bearer != "" {
				req.Header.Set("Authorization", "Bearer "+c.Bearer)
			}
			return nil
		}))
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return cl
}

// must fails the test unless the call answered want with a decoded body.
func must(t testing.TB, what string, err error, status, want int, body []byte) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if status != want {
		t.Fatalf("%s: status %d, want %d; body %s", what, status, want, body)
	}
}

func ptr[T any](v T) *T { return &v }

// activationToken reads the activation token from the newest activation
// email to addr in the local outbox.
func activationToken(t testing.TB, addr string) string {
	t.Helper()
	for _, m := range emailsTo(t, addr) {
		if i := strings.Index(m.Text, "token=ghv_"); i >= 0 {
			return strings.Fields(m.Text[i+len("token="):])[0]
		}
	}
	t.Fatalf("no activation link in the mailbox of %s", addr)
	return ""
}

// clientOrg creates an org owned by c through the client.
func clientOrg(t *testing.T, c *client.ClientWithResponses) string {
	t.Helper()
	ctx := context.Background()
	r, err := c.PostOrgsWithResponse(ctx, client.OrgInput{Name: ptr("Client Co")})
	must(t, "create org", err, r.StatusCode(), http.StatusCreated, r.Body)
	return r.JSON201.Id
}

func TestClientMembersHappyPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner := api(t, newUser(t))
	org := clientOrg(t, owner)
	email := uniqueEmail(t)

	// The org has verified no domain: the activation link goes to the
	// mailbox (rule 11), and the new account activates itself.
	created, err := owner.PostOrgMembersWithResponse(ctx, org, client.MembersCreateInput{
		Email: oapitypes.Email(email), Name: ptr("Bea"), Roles: []string{"developer"},
	})
	must(t, "create member", err, created.StatusCode(), http.StatusCreated, created.Body)
	if created.JSON201.Member == nil || !created.JSON201.AccountCreated || created.JSON201.ActivationSent == nil || !*created.JSON201.ActivationSent {
		t.Fatalf("created %s, want a new account with its activation emailed", created.Body)
	}
	m := *created.JSON201.Member
	if !slices.Equal(m.Roles, []string{"developer"}) {
		t.Errorf("roles %v, want [developer]", m.Roles)
	}
	activated, err := api(t, anonymous()).PostActivateWithResponse(ctx, client.ActivationInput{
		Token: activationToken(t, email), Password: defaultPassword,
	})
	must(t, "activate", err, activated.StatusCode(), http.StatusOK, activated.Body)
	signIn(t, email, defaultPassword)

	list, err := owner.GetOrgMembersWithResponse(ctx, org, &client.GetOrgMembersParams{Limit: ptr(10)})
	must(t, "list members", err, list.StatusCode(), http.StatusOK, list.Body)
	if !slices.ContainsFunc(list.JSON200.Items, func(x client.Member) bool { return x.UserId == m.UserId }) {
		t.Errorf("list %+v does not have %s", list.JSON200.Items, m.UserId)
	}

	patched, err := owner.PatchOrgMemberWithResponse(ctx, org, m.UserId, client.MembersPatch{Readonly: ptr(true)})
	must(t, "patch member", err, patched.StatusCode(), http.StatusOK, patched.Body)
	if !patched.JSON200.Readonly {
		t.Errorf("after PATCH readonly: %+v", patched.JSON200)
	}

	roles, err := owner.PutOrgMemberRolesWithResponse(ctx, org, m.UserId, client.MembersRolesInput{Roles: []string{"viewer"}})
	must(t, "set roles", err, roles.StatusCode(), http.StatusOK, roles.Body)
	if !slices.Equal(roles.JSON200.Roles, []string{"viewer"}) {
		t.Errorf("roles %v, want [viewer]", roles.JSON200.Roles)
	}

	limits, err := owner.PutOrgMemberLimitsWithResponse(ctx, org, m.UserId, client.MembersLimits{UserLimit: 2, ResourceLimit: 5})
	must(t, "set limits", err, limits.StatusCode(), http.StatusOK, limits.Body)
	if limits.JSON200.UserLimit != 2 || limits.JSON200.ResourceLimit != 5 {
		t.Errorf("limits %d/%d, want 2/5", limits.JSON200.UserLimit, limits.JSON200.ResourceLimit)
	}

	one, err := owner.GetOrgMemberWithResponse(ctx, org, m.UserId)
	must(t, "get member", err, one.StatusCode(), http.StatusOK, one.Body)
	if one.JSON200.UserLimit != 2 || !one.JSON200.Readonly {
		t.Errorf("member %+v, want what was set", one.JSON200)
	}

	del, err := owner.DeleteOrgMemberWithResponse(ctx, org, m.UserId, nil)
	must(t, "remove member", err, del.StatusCode(), http.StatusNoContent, del.Body)
	gone, err := owner.GetOrgMemberWithResponse(ctx, org, m.UserId)
	must(t, "get removed member", err, gone.StatusCode(), http.StatusNotFound, gone.Body)
	if gone.ApplicationproblemJSON404 == nil || gone.ApplicationproblemJSON404.Code != client.ErrorCodeNotFound {
		t.Errorf("removed member: %s, want a not_found problem", gone.Body)
	}
}

func TestClientInvitesHappyPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner := api(t, signUp(t, uniqueEmailAt(t, "acme.test"), defaultPassword))
	org := clientOrg(t, owner)

	// Another domain: the accept link comes back to the inviter.
	email := uniqueEmailAt(t, "elsewhere.test")
	sent, err := owner.PostOrgInvitesWithResponse(ctx, org, client.InvitesCreateInput{
		Email: oapitypes.Email(email), Roles: []string{"viewer"}, Message: ptr("Welcome aboard"),
	})
	must(t, "invite", err, sent.StatusCode(), http.StatusCreated, sent.Body)
	if sent.JSON201.AcceptUrl == nil || sent.JSON201.Invite.Status != client.StatusPending {
		t.Fatalf("sent %+v, want a pending invite with its link", sent.JSON201)
	}
	inviteID := sent.JSON201.Invite.Id

	list, err := owner.GetOrgInvitesWithResponse(ctx, org, nil)
	must(t, "list invites", err, list.StatusCode(), http.StatusOK, list.Body)
	if !slices.ContainsFunc(list.JSON200.Items, func(v client.InvitesView) bool { return v.Id == inviteID }) {
		t.Errorf("invites %+v do not list %s", list.JSON200.Items, inviteID)
	}

	again, err := owner.PostOrgInviteResendWithResponse(ctx, org, inviteID, client.ResendInput{})
	must(t, "resend", err, again.StatusCode(), http.StatusOK, again.Body)
	if again.JSON200.AcceptUrl == nil || *again.JSON200.AcceptUrl == *sent.JSON201.AcceptUrl {
		t.Fatalf("resent %+v, want a new link", again.JSON200)
	}

	invitee := signUp(t, email, defaultPassword)
	accepted, err := api(t, invitee).PostInvitesAcceptWithResponse(ctx, client.AcceptInput{Token: tokenOf(t, *again.JSON200.AcceptUrl)})
	must(t, "accept", err, accepted.StatusCode(), http.StatusOK, accepted.Body)

	me, err := api(t, invitee).GetMeWithResponse(ctx)
	must(t, "me", err, me.StatusCode(), http.StatusOK, me.Body)
	if !slices.ContainsFunc(me.JSON200.Memberships, func(m client.MembershipView) bool {
		return m.OrgId == org && slices.Equal(m.Roles, []string{"viewer"})
	}) {
		t.Errorf("memberships %+v, want a viewer of %s", me.JSON200.Memberships, org)
	}

	// Another invite, revoked.
	other, err := owner.PostOrgInvitesWithResponse(ctx, org, client.InvitesCreateInput{Email: oapitypes.Email(uniqueEmailAt(t, "elsewhere.test")), Roles: []string{"viewer"}})
	must(t, "second invite", err, other.StatusCode(), http.StatusCreated, other.Body)
	revoked, err := owner.DeleteOrgInviteWithResponse(ctx, org, other.JSON201.Invite.Id)
	must(t, "revoke", err, revoked.StatusCode(), http.StatusNoContent, revoked.Body)
}

func TestClientResourcesAndCheckHappyPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerUser := newUser(t)
	owner := api(t, ownerUser)
	org := clientOrg(t, owner)
	viewer := newUser(t)
	added, err := owner.PostOrgMembersWithResponse(ctx, org, client.MembersCreateInput{Email: oapitypes.Email(viewer.Email), Roles: []string{"viewer"}})
	must(t, "add viewer", err, added.StatusCode(), http.StatusCreated, added.Body)
	if added.JSON201.Invite == nil {
		t.Fatalf("adding an existing account = %s, want an invite (rule 11)", added.Body)
	}
	acceptFromMailbox(t, viewer)

	for _, id := range []string{"thermo-1", "thermo-2"} {
		reg, err := owner.PostOrgResourcesWithResponse(ctx, org, client.RegisterInput{Type: "device", Id: id, Name: ptr("Thermostat " + id)})
		must(t, "register "+id, err, reg.StatusCode(), http.StatusCreated, reg.Body)
		if reg.JSON201.OwnerId == nil || *reg.JSON201.OwnerId != ownerUser.Sub {
			t.Errorf("registered %+v, want it owned by the caller", reg.JSON201)
		}
	}

	grants, err := owner.PutOrgResourceGrantsWithResponse(ctx, org, "device", "thermo-1", client.GrantsInput{
		Grants: []client.Grant{{Principal: "user:" + viewer.Sub, Allow: &[]string{"read"}}},
	})
	must(t, "grant", err, grants.StatusCode(), http.StatusOK, grants.Body)

	seen, err := api(t, viewer).GetOrgResourcesWithResponse(ctx, org, &client.GetOrgResourcesParams{Type: ptr("device")})
	must(t, "viewer lists", err, seen.StatusCode(), http.StatusOK, seen.Body)
	var ids []string
	for _, r := range seen.JSON200.Items {
		ids = append(ids, r.Type+"/"+r.Id)
	}
	if !slices.Equal(ids, []string{"device/thermo-1"}) {
		t.Errorf("the viewer sees %v, want the granted device only", ids)
	}

	// The check API: one check, then a batch, asked by the owner.
	one, err := owner.PostOrgAuthorizeWithResponse(ctx, org, client.CheckInput{
		UserId: ptr(viewer.Sub), Action: ptr("read"), Resource: &client.ResourceRef{Type: "device", Id: "thermo-1"},
	})
	must(t, "check", err, one.StatusCode(), http.StatusOK, one.Body)
	if one.JSON200.Allowed == nil || !*one.JSON200.Allowed {
		t.Errorf("check %s, want allowed", one.Body)
	}
	batch, err := owner.PostOrgAuthorizeWithResponse(ctx, org, client.CheckInput{Checks: &[]client.Check{
		{UserId: ptr(viewer.Sub), Action: ptr("read"), Resource: &client.ResourceRef{Type: "device", Id: "thermo-1"}},
		{UserId: ptr(viewer.Sub), Action: ptr("read"), Resource: &client.ResourceRef{Type: "device", Id: "thermo-2"}},
	}})
	must(t, "batch check", err, batch.StatusCode(), http.StatusOK, batch.Body)
	if batch.JSON200.Results == nil || len(*batch.JSON200.Results) != 2 ||
		!(*batch.JSON200.Results)[0].Allowed || (*batch.JSON200.Results)[1].Allowed {
		t.Errorf("batch %s, want [allowed, refused]", batch.Body)
	}

	del, err := owner.DeleteOrgResourceWithResponse(ctx, org, "device", "thermo-2")
	must(t, "unregister", err, del.StatusCode(), http.StatusNoContent, del.Body)
}
