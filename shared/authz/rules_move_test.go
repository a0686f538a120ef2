package authz_test

import (
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Moving a member between orgs of one tree (docs/rules.md, "Moving a
// member between orgs"): ActOn in the source, owner/admin standing with
// members:create in the destination, Give for the roles there, a person
// signed in, never across top-level orgs.
func TestMoveMember(t *testing.T) {
	cat := authz.NewCatalogue([]string{"device"})
	top := &gatehouse.Org{ID: "org_top"}
	child := &gatehouse.Org{ID: "org_child", ParentID: "org_top", Ancestors: []string{"org_top"}}
	grand := &gatehouse.Org{ID: "org_grand", ParentID: "org_child", Ancestors: []string{"org_top", "org_child"}}
	other := &gatehouse.Org{ID: "org_other"}
	as := func(org *gatehouse.Org, sub authz.Subject, actor gatehouse.Actor) *gatehouse.Caller {
		c := authz.CallerOf(actor, org.ID, authz.Compile(authz.PolicyOf(cat, org), sub), nil)
		return &c
	}
	me := gatehouse.Actor{UserID: "u"}
	owner := authz.Subject{UserID: "u", Roles: []string{authz.RoleOwner}}
	admin := authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}
	inherited := authz.Subject{UserID: "u", InheritedAdmin: true}
	manager := authz.Subject{UserID: "u", Roles: []string{authz.RoleManager}}
	viewer := &gatehouse.Membership{UserID: "v", Roles: []string{authz.RoleViewer}, Status: gatehouse.StatusActive}
	managed := &gatehouse.Membership{UserID: "v", Roles: []string{authz.RoleViewer}, Status: gatehouse.StatusActive, ManagedBy: "u"}
	anOwner := &gatehouse.Membership{UserID: "v", Roles: []string{authz.RoleOwner}, Status: gatehouse.StatusActive}

	tests := []struct {
		name       string
		from, to   *gatehouse.Org
		src        authz.Subject
		srcActor   gatehouse.Actor
		target     *gatehouse.Membership
		dst        *authz.Subject // nil: no standing in the destination
		roles      []string
		wantCode   gatehouse.Code
		wantReason string
	}{
		{"owner of the tenant down to a customer", top, child, owner, me, viewer, &inherited, []string{"developer"}, "", ""},
		{"parent admin up from a customer", child, top, inherited, me, viewer, &admin, []string{"viewer"}, "", ""},
		{"two levels down", top, grand, admin, me, viewer, &inherited, []string{"admin"}, "", ""},
		{"a customer's admin into the parent", child, top, admin, me, viewer, nil, []string{"viewer"}, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm},
		{"a manager in the destination", child, top, inherited, me, viewer, &manager, []string{"viewer"}, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm},
		{"a manager moving its managed member", top, child, manager, me, managed, &inherited, []string{"viewer"}, "", ""},
		{"a manager moving a member it does not manage", top, child, manager, me, viewer, &inherited, []string{"viewer"}, gatehouse.CodeForbidden, gatehouse.ReasonNotManaged},
		{"an inherited admin making an owner", top, child, owner, me, viewer, &inherited, []string{"owner"}, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"an admin moving an owner", top, child, admin, me, anOwner, &inherited, []string{"viewer"}, gatehouse.CodeForbidden, gatehouse.ReasonEscalation},
		{"across top-level orgs", top, other, owner, me, viewer, &owner, []string{"viewer"}, gatehouse.CodeValidation, ""},
		{"to the same org", top, top, owner, me, viewer, &owner, []string{"viewer"}, gatehouse.CodeValidation, ""},
		{"with an API token", top, child, owner, gatehouse.Actor{UserID: "u", TokenID: "tok"}, viewer, &inherited, []string{"viewer"}, gatehouse.CodeForbidden, gatehouse.ReasonTokenNarrowing},
		{"an unknown role in the destination", top, child, owner, me, viewer, &inherited, []string{"custom_x"}, gatehouse.CodeValidation, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := authz.Move{
				Source: tt.from, Dest: tt.to,
				SourceCaller: as(tt.from, tt.src, tt.srcActor), SourcePolicy: authz.PolicyOf(cat, tt.from),
				Target: tt.target, DestPolicy: authz.PolicyOf(cat, tt.to), Roles: tt.roles,
			}
			if tt.dst != nil {
				m.DestCaller = as(tt.to, *tt.dst, me)
			} else {
				m.DestRefusal = &authz.Refusal{Code: gatehouse.CodeForbidden, Reason: gatehouse.ReasonNotMember}
			}
			err := authz.MoveMember(m)
			if gatehouse.ErrorCode(err) != tt.wantCode && !(tt.wantCode == "" && err == nil) {
				t.Fatalf("MoveMember = %v, want code %q", err, tt.wantCode)
			}
			if tt.wantReason != "" {
				if e, ok := err.(*gatehouse.Error); !ok || e.Reason != tt.wantReason {
					t.Errorf("MoveMember = %v, want reason %s", err, tt.wantReason)
				}
			}
		})
	}
}

// Rule 8 on the membership a move creates: the member's own expiry, never
// later than the caller's ceiling in the destination.
func TestMovedExpiry(t *testing.T) {
	soon, later := time.Now().Add(time.Hour).UTC(), time.Now().Add(48*time.Hour).UTC()
	tests := []struct {
		name         string
		ceiling, own *time.Time
		want         *time.Time
	}{
		{"neither", nil, nil, nil},
		{"the member's own", nil, &soon, &soon},
		{"the caller's ceiling over none", &soon, nil, &soon},
		{"the caller's ceiling over a later one", &soon, &later, &soon},
		{"the member's earlier one", &later, &soon, &soon},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := authz.MovedExpiry(&gatehouse.Caller{ExpiresAt: tt.ceiling}, tt.own)
			if (got == nil) != (tt.want == nil) || (got != nil && !got.Equal(*tt.want)) {
				t.Errorf("MovedExpiry = %v, want %v", got, tt.want)
			}
		})
	}
}
