package routes

// Reliability (docs/reliability.md): the creating POST routes that honour
// an Idempotency-Key header (apigw.Mux does it around the handler), each
// with the fields of its answer that hold a secret shown only once. A
// replay never shows such a secret again: when the first answer held one,
// the replay is 409 conflict, reason already_done.
var idempotent = map[string][]string{
	"POST /v1/orgs":              nil,
	"POST " + org + "/suborgs":   nil,
	"POST " + org + "/members":   {"activationUrl", "invite.acceptUrl"},
	"POST " + org + "/invites":   {"acceptUrl"},
	"POST " + org + "/resources": nil,
	"POST " + org + "/tokens":    {"secret"},
	"POST " + org + "/groups":    nil,
	"POST " + org + "/roles":     nil,
}

// Idempotent reports whether the route honours an Idempotency-Key.
func (r Route) Idempotent() bool {
	_, ok := idempotent[r.Key()]
	return ok
}

// SecretFields lists the answer's fields (dotted paths) that hold a secret
// shown once.
func (r Route) SecretFields() []string { return idempotent[r.Key()] }
