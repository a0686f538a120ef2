package dynamo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// evFixture is an org whose audit events are written one second apart
// from t0 (org.create at t0, then roles at t0+1s, +2s, +3s).
func evFixture(t *testing.T) (*dynamo.Store, string, time.Time, []string) {
	t.Helper()
	env := dynamotest.New(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := env.Store.WithClock(func() time.Time { return t0 })
	u := newUser("owner", "owner@example.com", t0)
	org := dynamo.NewPersonalOrg(u, t0)
	if err := s.CreateAccount(ctx, u, org, gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		si := env.Store.WithClock(func() time.Time { return at })
		o, err := si.Org(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The event is built a minute before it commits: its time is the
		// commit's.
		ev := env.Store.WithClock(func() time.Time { return at.Add(-time.Minute) }).
			NewAudit(gatehouse.Actor{UserID: u.ID}, org.ID, "role.create", "r", nil, nil)
		if err := si.SaveCustomRoles(ctx, dynamo.RoleChange{Org: o, Roles: map[string]gatehouse.Role{}, Audit: ev}); err != nil {
			t.Fatal(err)
		}
	}
	all, _, err := s.EventsPage(ctx, org.ID, "", t0.Add(time.Hour), 100, "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ev := range all {
		ids = append(ids, dynamo.EventID(ev))
	}
	return s, org.ID, t0, ids
}

// TestEventsPage: oldest first, resumed after an id, paged by cursor, and
// nothing later than the settle horizon; the event time is the commit's.
func TestEventsPage(t *testing.T) {
	t.Parallel()
	s, org, t0, all := evFixture(t)
	ctx := context.Background()
	if len(all) != 4 {
		t.Fatalf("%d events, want 4 (org.create and three role.create)", len(all))
	}
	if !slices.IsSorted(all) {
		t.Errorf("ids %v: want them sorted, as the stream is", all)
	}
	evs, _, _ := s.EventsPage(ctx, org, "", t0.Add(time.Hour), 100, "")
	for i, ev := range evs[1:] {
		if want := t0.Add(time.Duration(i+1) * time.Second); !ev.Time.Equal(want) {
			t.Errorf("event %d time %s, want the commit's %s, not the build's", i+1, ev.Time, want)
		}
	}

	tests := []struct {
		name  string
		after string
		until time.Time
		limit int
		want  []string
		next  bool
	}{
		{"all", "", t0.Add(time.Hour), 50, all, false},
		{"after the first", all[0], t0.Add(time.Hour), 50, all[1:], false},
		{"after the last", all[3], t0.Add(time.Hour), 50, nil, false},
		{"a page of two", "", t0.Add(time.Hour), 2, all[:2], true},
		{"after, a page of one", all[1], t0.Add(time.Hour), 1, all[2:3], true},
		{"up to the horizon", "", t0.Add(2500 * time.Millisecond), 50, all[:3], false},
		// The page cannot tell that what follows it has not settled: its
		// cursor reads an empty page until it has (docs/events.md).
		{"a full page before the horizon", "", t0.Add(1500 * time.Millisecond), 2, all[:2], true},
		{"a page cut by the horizon has no next", "", t0.Add(1500 * time.Millisecond), 3, all[:2], false},
		{"the horizon exactly at an event keeps it", all[0], t0.Add(2 * time.Second), 50, all[1:3], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, next, err := s.EventsPage(ctx, org, tt.after, tt.until, tt.limit, "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ev := range evs {
				got = append(got, dynamo.EventID(ev))
			}
			if !slices.Equal(got, tt.want) || (next != "") != tt.next {
				t.Errorf("got %v (next %q), want %v (next: %v)", got, next, tt.want, tt.next)
			}
		})
	}

	// The cursor of a page continues it.
	_, next, _ := s.EventsPage(ctx, org, "", t0.Add(time.Hour), 2, "")
	evs, _, err := s.EventsPage(ctx, org, "", t0.Add(time.Hour), 2, next)
	if err != nil || len(evs) != 2 || dynamo.EventID(evs[0]) != all[2] {
		t.Errorf("next page: %v, %v; want %v", evs, err, all[2:])
	}
	// Refused: no event id; after and cursor together; another list's
	// cursor is no cursor here.
	for _, bad := range []struct{ after, cursor string }{{"x", ""}, {"123-evt_a", ""}, {all[0], next}} {
		if _, _, err := s.EventsPage(ctx, org, bad.after, t0.Add(time.Hour), 2, bad.cursor); gatehouse.ErrorCode(err) != gatehouse.CodeValidation {
			t.Errorf("after %q cursor %q: %v, want validation_failed", bad.after, bad.cursor, err)
		}
	}
	_, auditNext, _ := s.AuditPage(ctx, org, dynamo.AuditFilter{}, 1, "")
	if _, _, err := s.EventsPage(ctx, org, "", t0.Add(time.Hour), 2, auditNext); gatehouse.ErrorCode(err) != gatehouse.CodeValidation {
		t.Errorf("an audit cursor on the events: %v, want validation_failed", err)
	}
}

// TestEventsPageOrgIsolation: another org's event id names a position in
// the caller's own stream only.
func TestEventsPageOrgIsolation(t *testing.T) {
	t.Parallel()
	s, org, t0, all := evFixture(t)
	ctx := context.Background()
	u := newUser("other", "other@example.com", t0)
	other := dynamo.NewPersonalOrg(u, t0)
	if err := s.CreateAccount(ctx, u, other, gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	evs, _, err := s.EventsPage(ctx, other.ID, all[0], t0.Add(time.Hour), 50, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.OrgID != other.ID {
			t.Errorf("org %s read %s of org %s", other.ID, ev.ID, ev.OrgID)
		}
	}
	_ = org
}

// TestStreamFilterMatchesTheCodec: the stream filter (tabledef, used by
// the CDK and the local stack) selects exactly what the store writes as an
// org's audit item, and AuditFromImage reads it back.
func TestStreamFilterMatchesTheCodec(t *testing.T) {
	f := tabledef.StreamFilter
	ev := gatehouse.AuditEvent{ID: "evt_a", OrgID: "org_a", Time: time.Now().UTC(), ActorID: "u", Action: "member.roles"}
	items, _ := dynamo.ItemsOf(&ev)
	it := items[0]
	if got := attrS(it, f.KindAttribute); got != f.AuditKind {
		t.Errorf("audit item %s = %q, want the filter's %q", f.KindAttribute, got, f.AuditKind)
	}
	if got := attrS(it, tabledef.PK); len(got) < len(f.OrgPartitionPrefix) || got[:len(f.OrgPartitionPrefix)] != f.OrgPartitionPrefix {
		t.Errorf("audit item PK %q, want it under the filter's %q", got, f.OrgPartitionPrefix)
	}
	back, ok := dynamo.AuditFromImage(it)
	if !ok || back.ID != ev.ID || !back.Time.Equal(ev.Time) {
		t.Errorf("read back %+v (%v), want %+v", back, ok, ev)
	}
	platform := ev
	platform.OrgID = ""
	items, _ = dynamo.ItemsOf(&platform)
	if _, ok := dynamo.AuditFromImage(items[0]); ok {
		t.Errorf("a platform audit event read as an org's event")
	}
}

func attrS(it map[string]types.AttributeValue, name string) string {
	if s, ok := it[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
