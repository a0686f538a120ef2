package authz_test

import (
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// callerAs compiles the caller a subject makes in a plain org.
func callerAs(cat *authz.Catalogue, sub authz.Subject, actor gatehouse.Actor) *gatehouse.Caller {
	org := &gatehouse.Org{ID: "org_1"}
	c := authz.CallerOf(actor, org.ID, authz.Compile(authz.PolicyOf(cat, org), sub), nil)
	return &c
}

// Rule 9's exception: only a platform admin signed in, or a parent org's
// owner/admin acting with inherited authority (rule 5), may give an org's
// last usable owner an expiry; and through ActOnExpiry, only such a caller
// gives an owner an expiry without being able to make an owner.
func TestMayExpireLastOwner(t *testing.T) {
	cat := authz.NewCatalogue([]string{"device"})
	owner := &gatehouse.Membership{UserID: "u_owner", Roles: []string{authz.RoleOwner}, Status: gatehouse.StatusActive}
	tests := []struct {
		name        string
		sub         authz.Subject
		actor       gatehouse.Actor
		mayExpire   bool
		actsOnOwner bool // ActOnExpiry lets it give the owner an expiry
	}{
		{"owner of the org", authz.Subject{UserID: "u", Roles: []string{authz.RoleOwner}}, gatehouse.Actor{UserID: "u"}, false, true},
		{"admin of the org", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}, gatehouse.Actor{UserID: "u"}, false, false},
		{"admin of a parent org", authz.Subject{UserID: "u", InheritedAdmin: true}, gatehouse.Actor{UserID: "u"}, true, true},
		{"read-only admin of a parent org", authz.Subject{UserID: "u", InheritedAdmin: true, InheritedReadonly: true}, gatehouse.Actor{UserID: "u"}, true, false},
		{"platform admin signed in, admin here", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}, gatehouse.Actor{UserID: "u", PlatformAdmin: true}, true, true},
		{"platform admin with an API token", authz.Subject{UserID: "u", Roles: []string{authz.RoleAdmin}}, gatehouse.Actor{UserID: "u", PlatformAdmin: true, TokenID: "tok"}, false, false},
		{"manager", authz.Subject{UserID: "u", Roles: []string{authz.RoleManager}}, gatehouse.Actor{UserID: "u"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := callerAs(cat, tt.sub, tt.actor)
			if got := authz.MayExpireLastOwner(c); got != tt.mayExpire {
				t.Errorf("MayExpireLastOwner = %v, want %v", got, tt.mayExpire)
			}
			soon := time.Now().Add(24 * time.Hour)
			err := authz.ActOnExpiry(c, authz.PolicyOf(cat, &gatehouse.Org{ID: "org_1"}), owner, nil, &soon)
			if got := err == nil; got != tt.actsOnOwner {
				t.Errorf("ActOnExpiry on an owner: %v, want allowed %v", err, tt.actsOnOwner)
			}
			// Extending or clearing gives access back: only whoever could
			// give the owner role may (rule 6), never by rule 9's exception.
			expiring := *owner
			expiring.ExpiresAt = &soon
			later := soon.Add(24 * time.Hour)
			for _, exp := range []*time.Time{&later, nil} {
				err := authz.ActOnExpiry(c, authz.PolicyOf(cat, &gatehouse.Org{ID: "org_1"}), &expiring, nil, exp)
				if want := authz.ActOn(c, authz.PolicyOf(cat, &gatehouse.Org{ID: "org_1"}), &expiring, nil); (err == nil) != (want == nil) {
					t.Errorf("extending/clearing an owner's expiry to %v: %v, want as ActOn: %v", exp, err, want)
				}
			}
		})
	}
}
