package admin_test

import (
	"log/slog"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/admin"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/limits"
)

func TestMuxesServeEveryRoute(t *testing.T) {
	env := dynamotest.New(t)
	cat := authz.NewCatalogue(authz.DefaultResourceTypes)
	svc := admin.NewService(env.Store, nil, cat)
	mux := admin.NewMux(svc, slog.New(slog.DiscardHandler))
	admin.RegisterOrgDelete(mux, svc, env.Store) // org deletion (issue 17), wired beside
	admin.RegisterImpersonation(mux, svc, nil)   // as shared/wiring/admin does
	if m := mux.Missing(); len(m) != 0 {
		t.Errorf("admin routes without handler: %v", m)
	}
	if m := limits.NewMux(limits.NewService(env.Store, cat), slog.New(slog.DiscardHandler)).Missing(); len(m) != 0 {
		t.Errorf("limits routes without handler: %v", m)
	}
}
