package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// The org event stream (docs/events.md): GET /v1/orgs/{orgId}/events in
// order and resumable, and the local EventBridge bus that the event
// publisher fills from the table's (emulated) stream.

// evEvent is an event as the API returns it, with its raw JSON.
type evEvent struct {
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	OrgID  string          `json:"orgId"`
	Actor  string          `json:"actor"`
	Target string          `json:"target"`
	Raw    json.RawMessage `json:"-"`
}

// evPage reads one page of an org's events as c.
func evPage(t testing.TB, c *Client, orgID string, q url.Values) ([]evEvent, string) {
	t.Helper()
	path := "/v1/orgs/" + orgID + "/events"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var page struct {
		Items      []json.RawMessage `json:"items"`
		NextCursor string            `json:"nextCursor"`
	}
	if st := c.DoJSON(t, "GET", path, nil, &page); st != http.StatusOK {
		_, raw := c.Do(t, "GET", path, nil)
		t.Fatalf("GET %s: %d %s", path, st, raw)
	}
	out := make([]evEvent, len(page.Items))
	for i, raw := range page.Items {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatal(err)
		}
		out[i].Raw = raw
	}
	return out, page.NextCursor
}

// evAll reads an org's whole stream, a page of limit at a time, following
// the cursors.
func evAll(t testing.TB, c *Client, orgID string, limit int) []evEvent {
	t.Helper()
	var all []evEvent
	q := url.Values{"limit": {itoa(limit)}}
	for range 100 {
		page, next := evPage(t, c, orgID, q)
		all = append(all, page...)
		if next == "" {
			return all
		}
		q.Set("cursor", next)
	}
	t.Fatalf("more than 100 pages of events")
	return nil
}

// evWaitFor reads the org's stream until an event of each wanted type (in
// that order) has settled, within 30 s.
func evWaitFor(t testing.TB, c *Client, orgID string, types ...string) []evEvent {
	t.Helper()
	var all []evEvent
	deadline := time.Now().Add(30 * time.Second)
	eventually(t, time.Minute, func() bool {
		all = evAll(t, c, orgID, 100)
		if time.Now().After(deadline) {
			var got []string
			for _, e := range all {
				got = append(got, e.Type)
			}
			t.Fatalf("org %s's events %v, want %v among them within 30 s", orgID, got, types)
		}
		i := 0
		for _, e := range all {
			if i < len(types) && e.Type == types[i] {
				i++
			}
		}
		return i == len(types)
	})
	return all
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func ids(evs []evEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// TestEventsInOrderAndResumed: an org's changes read back as events oldest
// first, with mapped types; after= resumes right after a given event, and
// paging by cursor reads the same stream.
func TestEventsInOrderAndResumed(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	m := mbMember(t, owner, org, "viewer")
	for _, roles := range [][]string{{"developer"}, {"viewer"}} {
		if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+org+"/members/"+m.Sub+"/roles", map[string]any{"roles": roles}); st != http.StatusOK {
			t.Fatalf("set roles %v: %d %s", roles, st, raw)
		}
	}
	if st, raw := owner.Do(t, "POST", "/v1/orgs/"+org+"/groups", map[string]any{"name": "Installers"}); st != http.StatusCreated {
		t.Fatalf("create group: %d %s", st, raw)
	}
	// The member activates its account from the mailbox: that too is an
	// event of the org.
	want := []string{"org.created", "member.added", "account.activated", "member.role_changed", "member.role_changed", "group.created"}
	all := evWaitFor(t, owner, org, want...)

	var types []string
	for i, e := range all {
		types = append(types, e.Type)
		if e.OrgID != org {
			t.Errorf("event %s of org %s in org %s's stream", e.ID, e.OrgID, org)
		}
		if i > 0 && e.ID <= all[i-1].ID {
			t.Errorf("event %d id %s does not sort after %s: want oldest first", i, e.ID, all[i-1].ID)
		}
	}
	if !slices.Equal(types, want) {
		t.Errorf("types %v, want %v", types, want)
	}
	if rc := all[3]; rc.Type != "member.role_changed" || rc.Target != m.Sub || rc.Actor != owner.Sub {
		t.Errorf("event 3 %s: want member.role_changed with target %s and actor %s", rc.Raw, m.Sub, owner.Sub)
	}

	// Resumed after each event: exactly what follows it.
	for i := range all {
		got, next := evPage(t, owner, org, url.Values{"after": {all[i].ID}})
		if !slices.Equal(ids(got), ids(all[i+1:])) || next != "" {
			t.Errorf("after %s: %v (next %q), want %v", all[i].ID, ids(got), next, ids(all[i+1:]))
		}
	}
	// Page by page (limit 2, cursors): the same stream.
	if got := evAll(t, owner, org, 2); !slices.Equal(ids(got), ids(all)) {
		t.Errorf("paged by 2: %v, want %v", ids(got), ids(all))
	}
	// An id that is no event id is refused, and so is after with a cursor.
	r := owner.DoRaw(t, "GET", "/v1/orgs/"+org+"/events?after=nope", nil, nil)
	requireProblemResponse(t, r, http.StatusBadRequest, gatehouse.CodeValidation)
	_, next := evPage(t, owner, org, url.Values{"limit": {"1"}})
	r = owner.DoRaw(t, "GET", "/v1/orgs/"+org+"/events?after="+url.QueryEscape(all[0].ID)+"&cursor="+url.QueryEscape(next), nil, nil)
	requireProblemResponse(t, r, http.StatusBadRequest, gatehouse.CodeValidation)
}

// busEvent is an event as the local EventBridge bus received it.
type busEvent struct {
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Detail     json.RawMessage `json:"detail"`
}

// busEvents reads what the local bus received (GET /local/events).
func busEvents(t testing.TB) []busEvent {
	t.Helper()
	resp, err := http.Get(stack().Info.EventsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []busEvent
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEventsRoleChangeReachesTheBus: the events of a role change arrive on
// the bus exactly as the API reads them (the detail is the API's item),
// with the event type as detail-type, and the org's events arrive in the
// API's order.
func TestEventsRoleChangeReachesTheBus(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	m := mbMember(t, owner, org, "viewer")
	if st, raw := owner.Do(t, "PUT", "/v1/orgs/"+org+"/members/"+m.Sub+"/roles", map[string]any{"roles": []string{"developer"}}); st != http.StatusOK {
		t.Fatalf("set roles: %d %s", st, raw)
	}
	all := evWaitFor(t, owner, org, "org.created", "member.added", "member.role_changed")
	change := all[len(all)-1]
	var detail struct {
		Data struct {
			Before, After struct{ Roles []string }
		}
	}
	if err := json.Unmarshal(change.Raw, &detail); err != nil || !slices.Equal(detail.Data.Before.Roles, []string{"viewer"}) || !slices.Equal(detail.Data.After.Roles, []string{"developer"}) {
		t.Errorf("role change event %s: want data.before.roles [viewer], data.after.roles [developer]", change.Raw)
	}

	onBus := map[string]busEvent{}
	var order []string
	eventually(t, 30*time.Second, func() bool {
		onBus, order = map[string]busEvent{}, nil
		for _, e := range busEvents(t) {
			var d struct {
				ID    string `json:"id"`
				OrgID string `json:"orgId"`
			}
			if json.Unmarshal(e.Detail, &d) != nil || d.OrgID != org {
				continue
			}
			if _, dup := onBus[d.ID]; !dup {
				order = append(order, d.ID)
			}
			onBus[d.ID] = e
		}
		return len(onBus) >= len(all)
	})
	for _, e := range all {
		b, ok := onBus[e.ID]
		if !ok {
			t.Errorf("event %s (%s) never reached the bus", e.ID, e.Type)
			continue
		}
		var api, bus any
		_ = json.Unmarshal(e.Raw, &api)
		_ = json.Unmarshal(b.Detail, &bus)
		if !reflect.DeepEqual(api, bus) {
			t.Errorf("event %s on the bus:\n%s\nwant it as the API reads it:\n%s", e.ID, b.Detail, e.Raw)
		}
		if b.Source != "gatehouse" || b.DetailType != e.Type {
			t.Errorf("event %s on the bus: source %q, detail-type %q; want gatehouse and %q", e.ID, b.Source, b.DetailType, e.Type)
		}
	}
	if !slices.Equal(order, ids(all)) {
		t.Errorf("the bus received org %s's events in the order %v, want the API's %v", org, order, ids(all))
	}
}

// TestEventsTenantIsolation: an org's events are its own: another org's
// owner is refused, an event id of another org positions nothing but the
// caller's own stream, and a member without events:read is refused.
func TestEventsTenantIsolation(t *testing.T) {
	t.Parallel()
	a, b := newUser(t), newUser(t)
	orgA, orgB := mbOrg(t, a), mbOrg(t, b)
	viewer := mbMember(t, a, orgA, "viewer")
	evB := evWaitFor(t, b, orgB, "org.created")
	evA := evWaitFor(t, a, orgA, "org.created", "member.added")

	r := a.DoRaw(t, "GET", "/v1/orgs/"+orgB+"/events", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonNotMember)
	r = viewer.DoRaw(t, "GET", "/v1/orgs/"+orgA+"/events", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	// An integration's token narrowed to events:read follows the events
	// and reads nothing of the audit log; and it is A's token only.
	_, secret := rsToken(t, a, orgA, map[string]any{"name": "billing sync", "permissions": []string{"events:read"}})
	integration := a.WithBearer(secret)
	if got, _ := evPage(t, integration, orgA, nil); len(got) < 2 {
		t.Errorf("the events:read token read %d events, want A's", len(got))
	}
	r = integration.DoRaw(t, "GET", "/v1/orgs/"+orgA+"/audit", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonTokenNarrowing)
	r = integration.DoRaw(t, "GET", "/v1/orgs/"+orgB+"/events", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, "")

	// B's event id read in A's stream: A's events after that instant only.
	got, _ := evPage(t, a, orgA, url.Values{"after": {evB[0].ID}})
	for _, e := range got {
		if e.OrgID != orgA {
			t.Errorf("after another org's event id, org A read %s of org %s", e.ID, e.OrgID)
		}
	}
	// A's cursor is refused on B's stream by B itself.
	_, next := evPage(t, a, orgA, url.Values{"limit": {"1"}})
	if next == "" {
		t.Fatalf("org A has %d events; want a cursor after the first", len(evA))
	}
	r = b.DoRaw(t, "GET", "/v1/orgs/"+orgB+"/events?cursor="+url.QueryEscape(next), nil, nil)
	requireProblemResponse(t, r, http.StatusBadRequest, gatehouse.CodeValidation)
}
