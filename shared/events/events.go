// Package events is the org event stream (docs/events.md): every audited
// change of an org is also an event, with a stable id and a type, read in
// order by GET /v1/orgs/{orgId}/events and published to an EventBridge bus
// (shared/eventpub).
//
// Events are not written apart: each is the audit event its change's
// transaction already holds (shared/dynamo, tx.audit), seen through Of.
// A new audited mutation is therefore a new event without further code:
// its action has no entry in Types and its type is the action itself.
package events

import (
	"context"
	"log/slog"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Event is one change of an org, as the API reads it and the bus carries
// it (the detail of the EventBridge event, byte for byte).
type Event struct {
	// ID is stable and sorts as the stream does: pass it as after= to
	// read what follows it, and use it to drop duplicates.
	ID string `json:"id"`
	// Type names the change (Types), e.g. member.role_changed.
	Type  string `json:"type"`
	OrgID string `json:"orgId"`
	Actor string `json:"actor"`
	// Target is what the change is about: a user, group, resource, invite...
	Target string    `json:"target,omitempty"`
	Time   time.Time `json:"time"`
	// Action is the audit action the event is (GET .../audit shows it too).
	Action string `json:"action"`
	// Data is the change: the fields before and after it.
	Data *Data `json:"data,omitempty"`
	// Truncated is set on the bus when Data did not fit in an EventBridge
	// event (256 KB); the API holds the whole event.
	Truncated bool `json:"truncated,omitempty"`
}

// Data is what an event changed.
type Data struct {
	Before map[string]any `json:"before,omitempty"`
	After  map[string]any `json:"after,omitempty"`
}

// Types maps audit actions to event types. Actions missing here keep
// their name as their type (Type), so that the mutations added after this
// table are events too, with no change here; an entry only renames.
var Types = map[string]string{
	"org.create":           "org.created",
	"org.update":           "org.updated",
	"org.delete":           "org.deleted",
	"suborg.create":        "suborg.created",
	"member.create":        "member.added",
	"account.activate":     "account.activated",
	"invite.accept":        "member.added",
	"member.update":        "member.updated",
	"member.roles":         "member.role_changed",
	"member.limits":        "member.limits_changed",
	"member.remove":        "member.removed",
	"member.expire":        "membership.expired",
	"invite.create":        "invite.created",
	"invite.resend":        "invite.resent",
	"invite.revoke":        "invite.revoked",
	"invite.expire":        "invite.expired",
	"role.create":          "role.created",
	"role.update":          "role.updated",
	"role.delete":          "role.deleted",
	"group.create":         "group.created",
	"group.delete":         "group.deleted",
	"group.member_add":     "group.member_added",
	"group.member_remove":  "group.member_removed",
	"group.roles":          "group.roles_changed",
	"resource.register":    "resource.registered",
	"resource.unregister":  "resource.unregistered",
	"resource.transfer":    "resource.transferred",
	"resource.grants":      "grant.changed",
	"resource.type_grants": "grant.changed",
	"token.create":         "token.created",
	"token.revoke":         "token.revoked",
	"token.expire":         "token.expired",
	"limits.update":        "limits.changed",
	// SCIM (docs/scim.md).
	"scim_token.create": "scim_token.created",
	"scim_token.revoke": "scim_token.revoked",
	"group.rename":      "group.renamed",
}

// Type is the event type of an audit action: its entry in Types, or the
// action itself (the generic fallback).
func Type(action string) string {
	if t, ok := Types[action]; ok {
		return t
	}
	return action
}

// Of is the event an audit event of an org is.
func Of(ev gatehouse.AuditEvent) Event {
	e := Event{
		ID:     dynamo.EventID(ev),
		Type:   Type(ev.Action),
		OrgID:  ev.OrgID,
		Actor:  ev.ActorID,
		Target: ev.Target,
		Time:   ev.Time.UTC(),
		Action: ev.Action,
	}
	if len(ev.Before) > 0 || len(ev.After) > 0 {
		e.Data = &Data{Before: ev.Before, After: ev.After}
	}
	return e
}

// Store is what the event stream reads (*dynamo.Store in production).
type Store interface {
	EventsPage(ctx context.Context, orgID, after string, until time.Time, limit int, cursor string) ([]gatehouse.AuditEvent, string, error)
	Now() time.Time
}

// DefaultSettle is how long an event waits before the API shows it
// (docs/events.md, "Order").
const DefaultSettle = 5 * time.Second

// Service reads an org's event stream.
type Service struct {
	store  Store
	settle time.Duration
}

// NewService returns the use case; settle is the settle window (0 for
// DefaultSettle).
func NewService(store Store, settle time.Duration) *Service {
	if settle <= 0 {
		settle = DefaultSettle
	}
	return &Service{store: store, settle: settle}
}

// List returns the org's events after the event id after (or from the
// cursor's position, or from the start), oldest first, up to the settle
// window.
func (s *Service) List(ctx context.Context, orgID, after string, limit int, cursor string) ([]Event, string, error) {
	evs, next, err := s.store.EventsPage(ctx, orgID, after, s.store.Now().Add(-s.settle), limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]Event, len(evs))
	for i, ev := range evs {
		out[i] = Of(ev)
	}
	return out, next, nil
}

// Query is the query of GET /v1/orgs/{orgId}/events.
type Query struct {
	apigw.PageQuery
	// After is the id of the last event the consumer has: the page starts
	// with the event that follows it.
	After string `query:"after"`
}

// Register adds the event stream's route to a mux (the audit function's:
// it reads the same items with the same grants).
func Register(m *apigw.Mux, svc *Service, _ *slog.Logger) {
	apigw.List(m, "GET /v1/orgs/{orgId}/events", func(ctx context.Context, r *apigw.Request, q Query) ([]Event, string, error) {
		return svc.List(ctx, r.Param("orgId"), q.After, q.Limit, q.Cursor)
	})
}
