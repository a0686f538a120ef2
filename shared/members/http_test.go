package members_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/audit"
	"github.com/gatehouse-dev/gatehouse/shared/events"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/members"
	"github.com/gatehouse-dev/gatehouse/shared/roles"
)

// TestMuxesServeEveryRouteOfTheirFunction fails when a route of the table
// for members, invites, roles or audit has no handler.
func TestMuxesServeEveryRouteOfTheirFunction(t *testing.T) {
	// The audit function serves the event stream too (shared/wiring/audit).
	auditMux := audit.NewMux(nil, nil)
	events.Register(auditMux, nil, nil)
	for name, missing := range map[string][]string{
		"members": members.NewMux(nil, nil).Missing(),
		"invites": invites.NewMux(nil, nil).Missing(),
		"roles":   roles.NewMux(nil, nil).Missing(),
		"audit":   auditMux.Missing(),
	} {
		if len(missing) != 0 {
			t.Errorf("%s: routes without a handler: %v", name, missing)
		}
	}
}
