package localstack

// What the local stack does that AWS does not, in one place (also listed in
// docs/local-stack.md). Everything else it does, it does as AWS does: the
// HTTP API (routes, $default, the authorizer, payload 2.0 events, API
// Gateway's own answers), Lambda (the same constructors and handlers as
// functions/<name>/main.go, the Invoke API for Cognito's triggers), the
// EventBridge schedule of the sweep, DynamoDB (minidyn) and Cognito
// (cognito-local).
//
//   - Emails are written as files to an outbox (mail.Outbox, with
//     GATEHOUSE_OUTBOX_DIR) instead of being sent by SES, and served at
//     GET /local/outbox.
//   - Paths under LocalOnlyPrefix (/local/) are the stack's own, answered
//     before any route of the API: no Gatehouse route starts with it.
//   - Sign-up confirmation codes are read from a file rather than from an
//     inbox (Stack.ConfirmationCodeOf): cognitolocal_preload.js, preloaded
//     into cognito-local, appends each code it stores on a user.
//   - The same script makes cognito-local write its pool file at most every
//     second, whole, and when it stops, instead of after every change; its
//     answers are the same, from memory.
//   - A platform admin is bootstrapped with a password (stack.json).
//   - The web console is served from web/dist at /console (with its
//     config.json, and the /invites/accept and /activate pages): in AWS
//     CloudFront serves it (infra/console.go).
//   - The event stream's EventBridge bus is emulated in process
//     (eventbridge.go: PutEvents only, no rules or targets) and what it
//     received is listed at GET /local/events; the table's DynamoDB stream
//     and its event source mapping are emulated from the functions' own
//     writes (stream.go).
//   - Domain verification's TXT records are served by the stack's own DNS
//     server (dns.go, GATEHOUSE_DNS_RESOLVER), set by Stack.DNS().SetTXT,
//     instead of the public DNS.
//   - make run keeps the table and cognito-local's pool under .local/
//     between runs (persist.go); make reset starts fresh.

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// LocalOnlyPrefix starts the paths that only the local stack serves.
const LocalOnlyPrefix = "/local/"

// serveLocalOnly answers the local-only paths; any other under the prefix
// is API Gateway's plain 404.
func (g *gateway) serveLocalOnly(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case LocalOnlyPrefix + "outbox":
		g.serveOutbox(w, r)
	case LocalOnlyPrefix + "events":
		g.serveBusEvents(w, r)
	default:
		gatewayMessage(w, http.StatusNotFound, "Not Found")
	}
}

// serveOutbox lists the emails of the local outbox as a JSON array, newest
// first; ?to= keeps those to one address. Local only: not part of the API.
func (g *gateway) serveOutbox(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		gatewayMessage(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	msgs, err := readOutbox(g.outboxDir)
	if err != nil {
		g.log.Error("read outbox", "dir", g.outboxDir, "error", err)
		gatewayMessage(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	if to := r.URL.Query().Get("to"); to != "" {
		kept := []json.RawMessage{}
		for _, m := range msgs {
			var e struct {
				To string `json:"to"`
			}
			if json.Unmarshal(m, &e) == nil && strings.EqualFold(e.To, to) {
				kept = append(kept, m)
			}
		}
		msgs = kept
	}
	b, _ := json.Marshal(msgs)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// readOutbox reads every *.json file of dir, newest first (by modification
// time, then name). A missing dir is an empty outbox; a file being written
// (not yet valid JSON) is skipped.
func readOutbox(dir string) ([]json.RawMessage, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return []json.RawMessage{}, nil
	}
	if err != nil {
		return nil, err
	}
	type file struct {
		name string
		mod  time.Time
	}
	var files []file
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".json" {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		files = append(files, file{e.Name(), info.ModTime()})
	}
	sort.Slice(files, func(i, j int) bool {
		if !files[i].mod.Equal(files[j].mod) {
			return files[i].mod.After(files[j].mod)
		}
		return files[i].name > files[j].name
	})
	out := []json.RawMessage{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil || !json.Valid(b) {
			continue
		}
		out = append(out, json.RawMessage(b))
	}
	return out, nil
}

// serveBusEvents lists what the local EventBridge bus accepted, oldest
// first, as EventBridge hands events to targets; ?source= and ?type=
// (detail-type) keep some. Local only: not part of the API.
func (g *gateway) serveBusEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		gatewayMessage(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	out := []BusEvent{}
	if g.bus != nil {
		for _, e := range g.bus.Events() {
			if src := r.URL.Query().Get("source"); src != "" && e.Source != src {
				continue
			}
			if typ := r.URL.Query().Get("type"); typ != "" && e.DetailType != typ {
				continue
			}
			out = append(out, e)
		}
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}
