// Package wiring is the one table from each Lambda function of the route
// table (routes.AllFunctions) to its constructor.
//
// Each constructor is in its own package, shared/wiring/<function>, which
// imports only what that function uses: functions/<function>/main.go is the
// single line app.Start(<function>.New), so a binary links and initialises
// its own use cases and clients and no other's (cold start and size, see
// docs/performance.md). The local stack builds every function through
// Constructors. Use cases and adapters never import the wiring: it imports
// them and hands each constructor its dependencies explicitly.
package wiring

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/activate"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/admin"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/audit"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/authorizer"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/domains"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/eventpublisher"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/groups"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/imports"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/invites"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/limits"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/me"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/members"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/notfound"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/orgs"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/resources"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/roles"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/scim"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/sweeper"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/tokens"
	"github.com/gatehouse-dev/gatehouse/shared/wiring/triggers"
)

// Constructors maps every function of the route table to its constructor.
func Constructors() map[string]app.Constructor {
	return map[string]app.Constructor{
		routes.FnAuthorizer: authorizer.New,
		routes.FnTriggers:   triggers.New,
		routes.FnSweeper:    sweeper.New,
		routes.FnMe:         me.New,
		routes.FnOrgs:       orgs.New,
		routes.FnMembers:    members.New,
		routes.FnInvites:    invites.New,
		routes.FnActivate:   activate.New,
		routes.FnRoles:      roles.New,
		routes.FnGroups:     groups.New,
		routes.FnResources:  resources.New,
		routes.FnTokens:     tokens.New,
		routes.FnLimits:     limits.New,
		routes.FnAudit:      audit.New,
		routes.FnAdmin:      admin.New,
		routes.FnNotFound:   notfound.New,
		// SCIM (docs/scim.md).
		routes.FnScim: scim.New,
		// The event stream (docs/events.md).
		routes.FnEventPublisher: eventpublisher.New,
		// Verified domains, bulk import.
		routes.FnDomains: domains.New,
		routes.FnImports: imports.New,
	}
}

// Build builds every function of the route table from one set of
// dependencies, as the local stack runs them.
func Build(d *app.Deps) (map[string]app.Function, error) {
	out := map[string]app.Function{}
	cons := Constructors()
	for _, name := range routes.AllFunctions {
		build, ok := cons[name]
		if !ok {
			return nil, fmt.Errorf("function %s has no constructor in the wiring table", name)
		}
		f, err := build(d)
		if err != nil {
			return nil, fmt.Errorf("build function %s: %w", name, err)
		}
		out[name] = f
	}
	return out, nil
}
