package apigw

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// Idempotency-Key (docs/reliability.md): on the creating routes of
// routes.Idempotent, the same key and body from the same caller on the same
// route within a day answer the first answer again (with
// Idempotent-Replayed: true) without doing it twice; the same key with
// another body is 409 idempotency_key_reused; a first answer that held a
// secret shown once (a token's secret, an activation link) is never
// replayed: 409 already_done. Only successful answers are kept: after a
// refusal or a 503 the key is released, and the same request runs again
// (every Cognito-spanning flow resumes its intent).

// IdempotencyHeader is the request header that carries the key.
const IdempotencyHeader = "Idempotency-Key"

// IdempotencyStore keeps the keys: the three store operations as function
// values (IdempotencyFrom), not an interface, so that only the functions
// whose wiring asks for it reach these writes (the least-privilege
// analysis follows interface calls to every implementation).
type IdempotencyStore struct {
	Reserve func(ctx context.Context, scope, bodyHash string, staleAfter time.Duration) (*dynamo.IdempotencyRecord, error)
	Finish  func(ctx context.Context, scope string, rec dynamo.IdempotencyRecord) error
	Release func(ctx context.Context, scope string) error
}

// IdempotencyFrom is the table store's keeping of the keys.
func IdempotencyFrom(s *dynamo.Store) *IdempotencyStore {
	return &IdempotencyStore{Reserve: s.ReserveIdempotencyKey, Finish: s.FinishIdempotencyKey, Release: s.ReleaseIdempotencyKey}
}

// WithIdempotency makes the mux honour Idempotency-Key on its idempotent
// routes, keeping the keys in store.
func (m *Mux) WithIdempotency(store *IdempotencyStore) *Mux {
	m.idem = store
	return m
}

// idempotent runs h under the request's Idempotency-Key, if the route
// honours one and the request sends one.
func (m *Mux) idempotent(ctx context.Context, route routes.Route, h handlerFunc, r *Request) (Response, error) {
	key, sent := header(r.Event.Headers, IdempotencyHeader)
	if m.idem == nil || !route.Idempotent() || !sent {
		return runWithin(ctx, h, r)
	}
	if key == "" || len(key) > 255 || !gatehouse.PrintableText(key, 255) {
		return Response{}, gatehouse.Invalid(gatehouse.FieldError{Field: IdempotencyHeader, Message: "1 to 255 printable characters"})
	}
	body, err := r.Body()
	if err != nil {
		return Response{}, err
	}
	scope := hashOf(r.Caller.UserID, r.Caller.TokenID, route.Key(), r.Param("orgId"), key)
	bodyHash := hashOf(string(body))
	// A first request still pending after its function's timeout died:
	// its key may be taken over by the same request.
	prev, err := m.idem.Reserve(ctx, scope, bodyHash, routes.Timeout(route.Function))
	if err != nil {
		return Response{}, err
	}
	if prev != nil {
		return replay(prev, bodyHash)
	}
	resp, err := runWithin(ctx, h, r)
	bg := context.WithoutCancel(ctx)
	if err != nil || resp.StatusCode >= 300 {
		// Nothing kept: the same request may run again (a refusal changed
		// nothing; a 503 left an intent the retry resumes).
		if rerr := m.idem.Release(bg, scope); rerr != nil {
			m.log.Warn("idempotency key not released", "error", rerr)
		}
		return resp, err
	}
	rec := dynamo.IdempotencyRecord{BodyHash: bodyHash, Done: true, Status: resp.StatusCode, Body: resp.Body,
		Withheld: holdsSecret(resp.Body, route.SecretFields())}
	if ferr := m.idem.Finish(bg, scope, rec); ferr != nil {
		m.log.Error("idempotency key not recorded: a replay will run the request again", "error", ferr)
	}
	return resp, nil
}

// replay answers a key seen before.
func replay(prev *dynamo.IdempotencyRecord, bodyHash string) (Response, error) {
	switch {
	case prev.BodyHash != bodyHash:
		return Response{}, &gatehouse.Error{Code: gatehouse.CodeConflict, Reason: gatehouse.ReasonIdempotencyKeyReused,
			Message: "this Idempotency-Key was already used with another body; use a new key for a new request"}
	case !prev.Done:
		return Response{}, &gatehouse.Error{Code: gatehouse.CodeConflict, Reason: gatehouse.ReasonInProgress,
			Message: "the first request with this Idempotency-Key is still running; retry shortly"}
	case prev.Withheld:
		return Response{}, &gatehouse.Error{Code: gatehouse.CodeConflict, Reason: gatehouse.ReasonAlreadyDone,
			Message: "this request was already done; its answer held a secret that is shown only once"}
	}
	return Response{
		StatusCode: prev.Status,
		Headers:    map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "Idempotent-Replayed": "true"},
		Body:       prev.Body,
	}, nil
}

// holdsSecret reports whether any of the dotted fields is set in the JSON
// answer.
func holdsSecret(body string, fields []string) bool {
	if len(fields) == 0 {
		return false
	}
	var v map[string]any
	if json.Unmarshal([]byte(body), &v) != nil {
		return true // unreadable: never replay it
	}
	for _, f := range fields {
		var cur any = v
		for _, part := range strings.Split(f, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur = m[part]
		}
		if s, ok := cur.(string); (ok && s != "") || (!ok && cur != nil) {
			return true
		}
	}
	return false
}

// header reads a request header; HTTP API lower-cases header names.
func header(h map[string]string, name string) (string, bool) {
	if v, ok := h[strings.ToLower(name)]; ok {
		return strings.TrimSpace(v), true
	}
	v, ok := h[http.CanonicalHeaderKey(name)]
	return strings.TrimSpace(v), ok
}

func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
