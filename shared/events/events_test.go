package events_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/events"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// TestType: mapped actions get their event type; any other action, such
// as one a new feature audits, is an event under its own name.
func TestType(t *testing.T) {
	tests := []struct{ action, want string }{
		{"member.create", "member.added"},
		{"invite.accept", "member.added"},
		{"member.roles", "member.role_changed"},
		{"member.expire", "membership.expired"},
		{"resource.grants", "grant.changed"},
		{"resource.type_grants", "grant.changed"},
		{"domain.verify", "domain.verify"}, // not in the table: the fallback
		{"scim.user_replace", "scim.user_replace"},
	}
	for _, tt := range tests {
		if got := events.Type(tt.action); got != tt.want {
			t.Errorf("Type(%q) = %q, want %q", tt.action, got, tt.want)
		}
	}
	for action, typ := range events.Types {
		if !strings.Contains(typ, ".") || !strings.Contains(action, ".") {
			t.Errorf("Types[%q] = %q: want <object>.<verb> on both sides", action, typ)
		}
	}
}

// TestOf: an event is its audit event's id, org, actor, target, time and
// change, without the request id and source address.
func TestOf(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 123, time.UTC)
	ev := gatehouse.AuditEvent{ID: "evt_abc", OrgID: "org_a", Time: at, ActorID: "u1", Action: "member.roles", Target: "u2",
		Before: map[string]any{"roles": []any{"viewer"}}, After: map[string]any{"roles": []any{"admin"}},
		RequestID: "req-1", SourceIP: "192.0.2.1"}
	e := events.Of(ev)
	if e.ID != dynamo.EventID(ev) || e.Type != "member.role_changed" || e.OrgID != "org_a" || e.Actor != "u1" || e.Target != "u2" || !e.Time.Equal(at) || e.Action != "member.roles" {
		t.Errorf("Of = %+v", e)
	}
	b, _ := json.Marshal(e)
	for _, leak := range []string{"req-1", "192.0.2.1"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("event %s carries %q: the audit log's request details stay there", b, leak)
		}
	}
	if e.Data == nil || e.Data.After["roles"] == nil {
		t.Errorf("event data %+v, want the change", e.Data)
	}
	if later := events.Of(gatehouse.AuditEvent{ID: "evt_abd", Time: at.Add(time.Nanosecond)}); later.ID <= e.ID {
		t.Errorf("id %s of a later event does not sort after %s", later.ID, e.ID)
	}
}
