package members_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/audit"
	"github.com/gatehouse-dev/gatehouse/shared/events"
	"github.com/gatehouse-dev/gatehouse/shared/impersonation"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/members"
	"github.com/gatehouse-dev/gatehouse/shared/roles"
)

// TestMuxesServeEveryRouteOfTheirFunction fails when a route of the table
// for members, invites, roles or audit has no handler.
func TestMuxesServeEveryRouteOfTheirFunction(t *testing.T) {
	withMove := members.NewMux(nil, nil)
	members.RegisterMove(withMove, nil) // the move route (issue 17), wired beside
	// The audit function serves the event stream too (shared/wiring/audit).
	auditMux := audit.NewMux(nil, nil)
	events.Register(auditMux, nil, nil)
	for name, missing := range map[string][]string{
		"members": withImpersonation(withMove).Missing(),
		"invites": invites.NewMux(nil, nil).Missing(),
		"roles":   roles.NewMux(nil, nil).Missing(),
		"audit":   auditMux.Missing(),
	} {
		if len(missing) != 0 {
			t.Errorf("%s: routes without a handler: %v", name, missing)
		}
	}
}

// withImpersonation adds the impersonation routes the members function
// serves too (shared/wiring/members).
func withImpersonation(m *apigw.Mux) *apigw.Mux {
	impersonation.RegisterOrg(m, nil)
	return m
}
