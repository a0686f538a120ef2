package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/members"
)

// Org lifecycle (issue 17): moving a member between the orgs of one tree
// ("change owner") and deleting orgs, sub-orgs through their parent
// (docs/membership.md, "Moving a member", "Deleting an org").

// olOrg reads an org straight from the table.
func olOrg(t testing.TB, id string) *gatehouse.Org {
	t.Helper()
	o, err := stack().Store().Org(context.Background(), id)
	if err != nil {
		t.Fatalf("read org %s: %v", id, err)
	}
	return o
}

// olMove calls the move route and returns the status and body.
func olMove(t testing.TB, by *Client, from, userID string, body map[string]any) (int, []byte) {
	t.Helper()
	return by.Do(t, "POST", "/v1/orgs/"+from+"/members/"+userID+"/move", body)
}

// olHasAudit reports whether an org's log holds an event with that action
// on that target, and returns it.
func olHasAudit(t testing.TB, orgID, action, target string) (gatehouse.AuditEvent, bool) {
	t.Helper()
	evs, _, err := stack().Store().AuditPage(context.Background(), orgID, dynamo.AuditFilter{}, 100, "")
	if err != nil {
		t.Fatalf("audit of %s: %v", orgID, err)
	}
	for _, e := range evs {
		if e.Action == action && e.Target == target {
			return e, true
		}
	}
	return gatehouse.AuditEvent{}, false
}

func TestMoveMemberBetweenOrgAndSubOrg(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	parent := mbOrg(t, owner)
	child := rsSubOrg(t, owner, parent, "customer")
	dev := mbMember(t, owner, parent, "developer")
	rsRegister(t, dev, parent, "device", "mv-1")
	rsRegister(t, dev, parent, "device", "mv-2")

	p0, c0 := olOrg(t, parent), olOrg(t, child)

	// Down: tenant -> customer, resources moved with the member.
	var moved members.Moved
	st := owner.DoJSON(t, "POST", "/v1/orgs/"+parent+"/members/"+dev.Sub+"/move",
		map[string]any{"to": child, "roles": []string{"developer"}, "resources": "move"}, &moved)
	if st != http.StatusOK {
		_, raw := olMove(t, owner, parent, dev.Sub, nil)
		t.Fatalf("move down: %d %s", st, raw)
	}
	if moved.Member.OrgID != child || !slices.Equal(moved.Member.Roles, []string{"developer"}) || len(moved.Resources) != 2 || moved.Member.ResourceCount != 2 {
		t.Fatalf("moved = %+v, want a developer of %s with its 2 devices", moved, child)
	}
	p1, c1 := olOrg(t, parent), olOrg(t, child)
	if p1.Usage.Members != p0.Usage.Members-1 || c1.Usage.Members != c0.Usage.Members+1 {
		t.Errorf("members: parent %d -> %d, child %d -> %d; want -1 and +1", p0.Usage.Members, p1.Usage.Members, c0.Usage.Members, c1.Usage.Members)
	}
	if p1.Usage.SubtreeSeats != p0.Usage.SubtreeSeats {
		t.Errorf("the parent's subtree seats moved %d -> %d: the seat stayed in its subtree", p0.Usage.SubtreeSeats, p1.Usage.SubtreeSeats)
	}
	if c1.Usage.SubtreeSeats != c0.Usage.SubtreeSeats+1 {
		t.Errorf("the child's subtree seats %d -> %d, want +1", c0.Usage.SubtreeSeats, c1.Usage.SubtreeSeats)
	}
	if p1.Usage.Resources["device"] != 0 || c1.Usage.Resources["device"] != 2 {
		t.Errorf("device counts: parent %d, child %d; want 0 and 2", p1.Usage.Resources["device"], c1.Usage.Resources["device"])
	}
	// At its next request the member is out of the parent and in the
	// child, with its devices.
	if r := dev.DoRaw(t, "GET", "/v1/orgs/"+parent, nil, nil); r.Status != http.StatusForbidden {
		t.Errorf("the moved member reads the parent: %d, want 403", r.Status)
	}
	if got := rsList(t, dev, child); !slices.Equal(got, []string{"device/mv-1", "device/mv-2"}) {
		t.Errorf("the moved member sees %v in the child, want its two devices", got)
	}
	// Audited in both orgs; the child's log does not name the parent.
	if _, ok := olHasAudit(t, parent, "member.move_out", dev.Sub); !ok {
		t.Error("no member.move_out in the parent's log")
	}
	if ev, ok := olHasAudit(t, child, "member.move_in", dev.Sub); !ok {
		t.Error("no member.move_in in the child's log")
	} else if b, _ := json.Marshal(ev); strings.Contains(string(b), parent) {
		t.Errorf("the child's log names the parent: %s", b)
	}

	// Up: customer -> tenant, the devices transferred to a member of the
	// customer (the owner, who created it).
	st = owner.DoJSON(t, "POST", "/v1/orgs/"+child+"/members/"+dev.Sub+"/move",
		map[string]any{"to": parent, "roles": []string{"viewer"}, "resources": "transfer", "transferTo": owner.Sub}, &moved)
	if st != http.StatusOK {
		t.Fatalf("move up: %d", st)
	}
	if moved.Member.OrgID != parent || moved.Member.ResourceCount != 0 {
		t.Errorf("moved up = %+v", moved.Member)
	}
	for _, id := range []string{"mv-1", "mv-2"} {
		r, err := stack().Store().Resource(context.Background(), child, gatehouse.Ref{Type: "device", ID: id})
		if err != nil || r.OwnerID != owner.Sub {
			t.Errorf("device %s after the transfer: %+v %v, want it in the child owned by %s", id, r, err, owner.Sub)
		}
	}
	// The new owner counts them (it may go over its resourceLimit: an
	// administrative act), and the customer's device count did not move.
	if m, err := stack().Store().Membership(context.Background(), child, owner.Sub); err != nil || m.ResourceCount != 2 {
		t.Errorf("the new owner's resourceCount: %+v %v, want 2", m, err)
	}
	p2, c2 := olOrg(t, parent), olOrg(t, child)
	if p2.Usage.Members != p0.Usage.Members || c2.Usage.Members != c0.Usage.Members || p2.Usage.SubtreeSeats != p0.Usage.SubtreeSeats || c2.Usage.SubtreeSeats != c0.Usage.SubtreeSeats {
		t.Errorf("after the round trip: parent %+v child %+v, want the usage of the start %+v %+v", p2.Usage, c2.Usage, p0.Usage, c0.Usage)
	}
	if r := dev.DoRaw(t, "GET", "/v1/orgs/"+child, nil, nil); r.Status != http.StatusForbidden {
		t.Errorf("the member moved up still reads the child: %d", r.Status)
	}
	if r := dev.DoRaw(t, "GET", "/v1/orgs/"+parent, nil, nil); r.Status != http.StatusOK {
		t.Errorf("the member moved up cannot read the parent: %d %s", r.Status, r.Body)
	}
}

// TestMoveMemberRevokesWhatItHeld: a move is a removal from the source
// (rule 6): the member's API tokens and pending invites there end for good.
// TestMoveMemberBetweenSiblings: between two customers of one tenant, the
// seat stays in the tenant's subtree and moves from one customer to the
// other.
func TestMoveMemberBetweenSiblings(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	parent := mbOrg(t, owner)
	a := rsSubOrg(t, owner, parent, "customer a")
	b := rsSubOrg(t, owner, parent, "customer b")
	v := mbMember(t, owner, a, "viewer")
	p0, a0, b0 := olOrg(t, parent), olOrg(t, a), olOrg(t, b)
	if st, raw := olMove(t, owner, a, v.Sub, map[string]any{"to": b, "roles": []string{"viewer"}}); st != http.StatusOK {
		t.Fatalf("move a -> b: %d %s", st, raw)
	}
	p1, a1, b1 := olOrg(t, parent), olOrg(t, a), olOrg(t, b)
	if p1.Usage.SubtreeSeats != p0.Usage.SubtreeSeats || a1.Usage.SubtreeSeats != a0.Usage.SubtreeSeats-1 || b1.Usage.SubtreeSeats != b0.Usage.SubtreeSeats+1 {
		t.Errorf("subtree seats: tenant %d -> %d, a %d -> %d, b %d -> %d; want =, -1, +1",
			p0.Usage.SubtreeSeats, p1.Usage.SubtreeSeats, a0.Usage.SubtreeSeats, a1.Usage.SubtreeSeats, b0.Usage.SubtreeSeats, b1.Usage.SubtreeSeats)
	}
	// Neither is above the other: each log names the other org.
	if ev, ok := olHasAudit(t, b, "member.move_in", v.Sub); !ok || ev.Before["from"] != a {
		t.Errorf("b's log: %+v, want member.move_in from %s", ev, a)
	}
	if r := v.DoRaw(t, "GET", "/v1/orgs/"+b, nil, nil); r.Status != http.StatusOK {
		t.Errorf("the moved member reads b: %d", r.Status)
	}
}

func TestMoveMemberRevokesWhatItHeld(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	parent := mbOrg(t, owner)
	child := rsSubOrg(t, owner, parent, "customer")
	adm := mbMember(t, owner, parent, "admin")
	_, secret := rsToken(t, adm, parent, map[string]any{"name": "ci"})
	sent := mbInvite(t, adm, parent, mbOther(t), "viewer")
	if r := adm.WithBearer(secret).DoRaw(t, "GET", "/v1/orgs/"+parent, nil, nil); r.Status != http.StatusOK {
		t.Fatalf("the token works before the move: %d", r.Status)
	}
	p0 := olOrg(t, parent)
	var moved members.Moved
	if st := owner.DoJSON(t, "POST", "/v1/orgs/"+parent+"/members/"+adm.Sub+"/move",
		map[string]any{"to": child, "roles": []string{"admin"}}, &moved); st != http.StatusOK {
		t.Fatalf("move: %d", st)
	}
	if moved.Revoked != 2 {
		t.Errorf("revoked %d, want the token and the invite", moved.Revoked)
	}
	if r := adm.WithBearer(secret).DoRaw(t, "GET", "/v1/orgs/"+parent, nil, nil); r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
		t.Errorf("the moved member's token still works: %d", r.Status)
	}
	inv, err := stack().Store().Invite(context.Background(), parent, sent.Invite.ID)
	if err != nil || inv.Status != gatehouse.StatusRevoked {
		t.Errorf("the moved member's invite: %+v %v, want revoked", inv, err)
	}
	// Its seat and the invite's left the parent; the subtree keeps the
	// member's seat (it is in the child now) but not the invite's.
	p1 := olOrg(t, parent)
	if p1.Usage.Seats() != p0.Usage.Seats()-2 || p1.Usage.SubtreeSeats != p0.Usage.SubtreeSeats-1 {
		t.Errorf("parent seats %d -> %d (subtree %d -> %d), want -2 (subtree -1)", p0.Usage.Seats(), p1.Usage.Seats(), p0.Usage.SubtreeSeats, p1.Usage.SubtreeSeats)
	}
}

func TestMoveMemberRefusals(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	parent := mbOrg(t, owner)
	child := rsSubOrg(t, owner, parent, "customer")
	viewer := mbMember(t, owner, parent, "viewer")
	dev := mbMember(t, owner, parent, "developer")
	parentAdmin := mbMember(t, owner, parent, "admin")
	subAdmin := mbMember(t, owner, child, "admin")
	childViewer := mbMember(t, owner, child, "viewer")

	unchanged := func(t *testing.T, before []mbState, orgs ...string) {
		t.Helper()
		for i, o := range orgs {
			mbRequireUnchanged(t, o, before[i])
		}
	}
	snap := func(orgs ...string) []mbState {
		var out []mbState
		for _, o := range orgs {
			out = append(out, mbSnapshot(t, o))
		}
		return out
	}

	t.Run("past the destination's quota", func(t *testing.T) {
		c := olOrg(t, child)
		if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+child+"/limits", map[string]any{"maxMembers": c.Usage.SubtreeSeats}); st != http.StatusOK {
			t.Fatalf("fill the child's quota: %d %s", st, raw)
		}
		t.Cleanup(func() { owner.Do(t, "PUT", "/v1/orgs/"+child+"/limits", map[string]any{"maxMembers": -1}) })
		before := snap(parent, child)
		st, raw := olMove(t, owner, parent, viewer.Sub, map[string]any{"to": child, "roles": []string{"viewer"}})
		if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded); p.Limit != "maxMembers" {
			t.Errorf("limit %q, want maxMembers", p.Limit)
		}
		unchanged(t, before, parent, child)
	})
	t.Run("past the destination's resource quota", func(t *testing.T) {
		dev := mbMember(t, owner, parent, "developer")
		rsRegister(t, dev, parent, "device", "q-1")
		if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+child+"/limits", map[string]any{"maxResources": map[string]int{"device": 0}}); st != http.StatusOK {
			t.Fatalf("set the child's device quota: %d %s", st, raw)
		}
		before := snap(parent, child)
		st, raw := olMove(t, owner, parent, dev.Sub, map[string]any{"to": child, "roles": []string{"developer"}, "resources": "move"})
		if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLimitExceeded); p.Limit != "maxResources.device" {
			t.Errorf("limit %q, want maxResources.device", p.Limit)
		}
		unchanged(t, before, parent, child)
	})
	t.Run("a sub-org admin moving into the parent", func(t *testing.T) {
		before := snap(parent, child)
		st, raw := olMove(t, subAdmin, child, childViewer.Sub, map[string]any{"to": parent, "roles": []string{"viewer"}})
		if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonMissingPerm {
			t.Errorf("reason %q, want %s", p.Reason, gatehouse.ReasonMissingPerm)
		}
		unchanged(t, before, parent, child)
	})
	t.Run("a non-admin moving", func(t *testing.T) {
		r := dev.DoRaw(t, "POST", "/v1/orgs/"+parent+"/members/"+viewer.Sub+"/move", []byte(`{"to":"`+child+`","roles":["viewer"]}`), nil)
		requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	})
	t.Run("a parent admin giving owner in the child", func(t *testing.T) {
		before := snap(parent, child)
		st, raw := olMove(t, parentAdmin, parent, viewer.Sub, map[string]any{"to": child, "roles": []string{"owner"}})
		if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonEscalation {
			t.Errorf("reason %q, want escalation", p.Reason)
		}
		unchanged(t, before, parent, child)
	})
	t.Run("the last usable owner of the source", func(t *testing.T) {
		// A parent admin creates a sub-org: it is that org's only owner,
		// and moves itself out of it (only an owner acts on an owner).
		other := rsSubOrg(t, parentAdmin, parent, "second customer")
		before := snap(parent, child, other)
		st, raw := olMove(t, parentAdmin, other, parentAdmin.Sub, map[string]any{"to": child, "roles": []string{"viewer"}})
		requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeLastOwner)
		unchanged(t, before, parent, child, other)
	})
	t.Run("across top-level orgs", func(t *testing.T) {
		elsewhere := mbOrg(t, owner)
		before := snap(parent, elsewhere)
		st, raw := olMove(t, owner, parent, viewer.Sub, map[string]any{"to": elsewhere, "roles": []string{"viewer"}})
		requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
		unchanged(t, before, parent, elsewhere)
	})
	t.Run("with an API token", func(t *testing.T) {
		_, secret := rsToken(t, owner, parent, map[string]any{"name": "mover"})
		before := snap(parent, child)
		st, raw := olMove(t, owner.WithBearer(secret), parent, viewer.Sub, map[string]any{"to": child, "roles": []string{"viewer"}})
		if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonTokenNarrowing {
			t.Errorf("reason %q, want token_narrowing", p.Reason)
		}
		unchanged(t, before, parent, child)
	})
	t.Run("bad input", func(t *testing.T) {
		for _, body := range []map[string]any{
			{"roles": []string{"viewer"}},
			{"to": child},
			{"to": child, "roles": []string{"viewer"}, "resources": "burn"},
			{"to": child, "roles": []string{"viewer"}, "resources": "transfer"},
			{"to": child, "roles": []string{"viewer"}, "transferTo": owner.Sub},
		} {
			before := snap(parent, child)
			st, raw := olMove(t, owner, parent, viewer.Sub, body)
			requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
			unchanged(t, before, parent, child)
		}
	})
}

// TestDeleteSubOrgThroughParent: a parent's owner deletes a customer with
// a member, a pending invite, an API token and a sub-org of its own: refused
// without cascade, refused to the customer's own members, then done; the
// members lose access at their next request, the token stops working, the
// invite cannot be accepted, the parent gets its seats back and records it.
func TestDeleteSubOrgThroughParent(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	parent := mbOrg(t, owner)
	p0 := olOrg(t, parent)
	child := rsSubOrg(t, owner, parent, "customer")
	grandchild := rsSubOrg(t, owner, child, "customer's customer")
	member := mbMember(t, owner, child, "viewer")
	childAdmin := mbMember(t, owner, child, "admin")
	_, secret := rsToken(t, childAdmin, child, map[string]any{"name": "ci"})
	inviteeEmail := mbOther(t)
	token := tokenOf(t, mbInvite(t, childAdmin, child, inviteeEmail, "viewer").AcceptURL)
	if r := childAdmin.WithBearer(secret).DoRaw(t, "GET", "/v1/orgs/"+child, nil, nil); r.Status != http.StatusOK {
		t.Fatalf("the token works before: %d", r.Status)
	}
	if o := olOrg(t, parent); o.Usage.SubtreeSeats <= p0.Usage.SubtreeSeats {
		t.Fatalf("the parent's subtree seats %d did not count the customer's", o.Usage.SubtreeSeats)
	}

	t.Run("a member of the sub-org without parent rights", func(t *testing.T) {
		r := childAdmin.DoRaw(t, "DELETE", "/v1/orgs/"+parent+"/suborgs/"+child+"?cascade=true", nil, nil)
		requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonNotMember)
		// Made owner of the customer, still no parent rights.
		if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+child+"/members/"+childAdmin.Sub+"/roles", map[string]any{"roles": []string{"owner"}}); st != http.StatusOK {
			t.Fatalf("make the customer's admin its owner: %d %s", st, raw)
		}
		st, raw := childAdmin.Do(t, "DELETE", "/v1/orgs/"+child+"?cascade=true", nil)
		if p := requireProblem(t, st, raw, http.StatusForbidden, gatehouse.CodeForbidden); p.Reason != gatehouse.ReasonMissingPerm {
			t.Errorf("reason %q, want missing_permission", p.Reason)
		}
		if _, err := stack().Store().Org(context.Background(), child); err != nil {
			t.Fatalf("the refused deletion deleted: %v", err)
		}
	})
	t.Run("a parent member without admin standing", func(t *testing.T) {
		dev := mbMember(t, owner, parent, "developer")
		r := dev.DoRaw(t, "DELETE", "/v1/orgs/"+parent+"/suborgs/"+child, nil, nil)
		requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	})
	t.Run("not a child of the route's org", func(t *testing.T) {
		st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+parent+"/suborgs/"+grandchild, nil)
		requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	})
	t.Run("sub-orgs without cascade", func(t *testing.T) {
		st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+parent+"/suborgs/"+child, nil)
		if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict); p.Reason != gatehouse.ReasonHasSubOrgs {
			t.Errorf("reason %q, want has_suborgs", p.Reason)
		}
	})

	if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+parent+"/suborgs/"+child+"?cascade=true", nil); st != http.StatusNoContent {
		t.Fatalf("delete the customer with cascade: %d %s", st, raw)
	}
	for _, id := range []string{child, grandchild} {
		if _, err := stack().Store().Org(context.Background(), id); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
			t.Errorf("org %s after the deletion: %v, want not_found", id, err)
		}
		if ms, _, _ := stack().Store().MembersPage(context.Background(), id, 10, ""); len(ms) != 0 {
			t.Errorf("org %s keeps %d memberships", id, len(ms))
		}
	}
	if ids, _ := stack().Store().PendingOrgPurges(context.Background(), 100); slices.Contains(ids, child) || slices.Contains(ids, grandchild) {
		t.Errorf("tombstones left after a complete request: %v", ids)
	}
	// The next requests.
	for name, c := range map[string]*Client{"the member": member, "the customer's owner": childAdmin} {
		if r := c.DoRaw(t, "GET", "/v1/orgs/"+child, nil, nil); r.Status != http.StatusForbidden {
			t.Errorf("%s reads the deleted org: %d %s", name, r.Status, r.Body)
		}
	}
	if r := childAdmin.WithBearer(secret).DoRaw(t, "GET", "/v1/orgs/"+child, nil, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("the deleted org's token: %d %s, want 401", r.Status, r.Body)
	}
	invitee := signUp(t, inviteeEmail, defaultPassword)
	// Its link went with the org: the same answer as an unknown link.
	st, raw := invitee.Do(t, "POST", "/v1/invites/accept", map[string]any{"token": token})
	requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	// The parent's seats are back, and its log says what happened.
	// (Its own seats: the owner and the developer added above.)
	if o := olOrg(t, parent); o.Usage.SubtreeSeats != o.Usage.Seats() || o.Usage.Seats() != p0.Usage.Seats()+1 || o.Usage.SubOrgCount != 0 {
		t.Errorf("parent usage %+v after the deletion, want subtree seats = its own seats (%d) and no sub-org", o.Usage, p0.Usage.Seats()+1)
	}
	if _, ok := olHasAudit(t, parent, "suborg.delete", child); !ok {
		t.Error("no suborg.delete in the parent's log")
	}
}

// TestDeleteTopLevelOrg: its owner deletes it, its members lose access;
// a platform admin deletes any org without being a member; nobody else.
func TestDeleteTopLevelOrg(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	adm := mbMember(t, owner, org, "admin")
	viewer := mbMember(t, owner, org, "viewer")
	for _, c := range []*Client{adm, viewer} {
		r := c.DoRaw(t, "DELETE", "/v1/orgs/"+org, nil, nil)
		requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	}
	r := owner.DoRaw(t, "DELETE", "/v1/admin/orgs/"+org, nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonNotPlatformAdmin)
	if st, raw := owner.Do(t, "DELETE", "/v1/orgs/"+org, nil); st != http.StatusNoContent {
		t.Fatalf("the owner deletes its org: %d %s", st, raw)
	}
	for _, c := range []*Client{owner, adm, viewer} {
		if r := c.DoRaw(t, "GET", "/v1/orgs/"+org, nil, nil); r.Status != http.StatusForbidden {
			t.Errorf("%s reads the deleted org: %d", c.Email, r.Status)
		}
	}

	// A platform admin, with cascade, on an org it is no member of.
	other := newUser(t)
	top := mbOrg(t, other)
	sub := rsSubOrg(t, other, top, "customer")
	admin := adminClient(t)
	st, raw := admin.Do(t, "DELETE", "/v1/admin/orgs/"+top, nil)
	if p := requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict); p.Reason != gatehouse.ReasonHasSubOrgs {
		t.Errorf("reason %q, want has_suborgs", p.Reason)
	}
	if st, raw := admin.Do(t, "DELETE", "/v1/admin/orgs/"+top+"?cascade=true", nil); st != http.StatusNoContent {
		t.Fatalf("platform admin deletes: %d %s", st, raw)
	}
	for _, id := range []string{top, sub} {
		if r := other.DoRaw(t, "GET", "/v1/orgs/"+id, nil, nil); r.Status != http.StatusForbidden {
			t.Errorf("the owner reads org %s after the platform admin deleted it: %d", id, r.Status)
		}
	}
	if st, raw := admin.Do(t, "DELETE", "/v1/admin/orgs/"+top, nil); st != http.StatusNotFound {
		t.Errorf("deleting it again: %d %s, want 404", st, raw)
	}
}

// TestOrgLifecycleRoundTrips: a move is one TransactWriteItems plus its
// reads, deleting a sub-org one TransactWriteItems plus the drain's
// BatchWriteItem calls; no Scan. Not parallel: the call counter is the
// stack's (as TestRoundTrips).
func TestOrgLifecycleRoundTrips(t *testing.T) {
	calls := stack().DynamoDBCalls
	if calls == nil {
		t.Fatal("the local stack counts no DynamoDB calls")
	}
	owner := newUser(t)
	parent := mbOrg(t, owner)
	child := rsSubOrg(t, owner, parent, "customer")
	dev := mbMember(t, owner, parent, "developer")
	rsRegister(t, dev, parent, "device", "rt-1")

	calls.Reset()
	st, raw := olMove(t, owner, parent, dev.Sub, map[string]any{"to": child, "roles": []string{"developer"}, "resources": "move"})
	got := calls.Counts()
	if st != http.StatusOK {
		t.Fatalf("move: %d %s", st, raw)
	}
	t.Logf("POST .../members/{userId}/move (resources: move): %v", rtCalls(got))
	if got["TransactWriteItems"] != 1 || got["Scan"] != 0 || got["BatchWriteItem"] != 0 {
		t.Errorf("move: %v, want exactly one TransactWriteItems and no Scan", rtCalls(got))
	}

	calls.Reset()
	st, raw = owner.Do(t, "DELETE", "/v1/orgs/"+parent+"/suborgs/"+child, nil)
	got = calls.Counts()
	if st != http.StatusNoContent {
		t.Fatalf("delete: %d %s", st, raw)
	}
	t.Logf("DELETE .../suborgs/{subOrgId}: %v", rtCalls(got))
	if got["TransactWriteItems"] != 1 || got["Scan"] != 0 || got["BatchWriteItem"] < 1 {
		t.Errorf("delete: %v, want one TransactWriteItems, the drain's BatchWriteItem, no Scan", rtCalls(got))
	}
}

// TestConcurrentMovesAgainstQuota: moves racing for the destination's last
// seat: exactly one wins (the seat is a condition of each move's one
// transaction).
func TestConcurrentMovesAgainstQuota(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	parent := mbOrg(t, owner)
	child := rsSubOrg(t, owner, parent, "customer")
	var movers []*Client
	for range 4 {
		movers = append(movers, mbMember(t, owner, parent, "viewer"))
	}
	if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+child+"/limits", map[string]any{"maxMembers": olOrg(t, child).Usage.SubtreeSeats + 1}); st != http.StatusOK {
		t.Fatalf("leave one seat in the child: %d %s", st, raw)
	}
	type result struct {
		st  int
		raw []byte
	}
	out := make(chan result, len(movers))
	for _, m := range movers {
		go func() {
			st, raw := olMove(t, owner, parent, m.Sub, map[string]any{"to": child, "roles": []string{"viewer"}})
			out <- result{st, raw}
		}()
	}
	won := 0
	for range movers {
		r := <-out
		switch r.st {
		case http.StatusOK:
			won++
		case http.StatusConflict:
		default:
			t.Errorf("a racing move: %d %s, want 200 or 409", r.st, r.raw)
		}
	}
	c := olOrg(t, child)
	if won != 1 || c.Usage.SubtreeSeats != c.Quotas.MaxMembers {
		t.Errorf("%d moves won, child seats %d of %d: want exactly one, the child full", won, c.Usage.SubtreeSeats, c.Quotas.MaxMembers)
	}
}
