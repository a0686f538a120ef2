package routes

import "testing"

// TestTimeoutsFitAWS: every HTTP function ends before API Gateway gives up
// on it, and the authorizer before HTTP API gives up on an authorizer
// (docs/reliability.md).
func TestTimeoutsFitAWS(t *testing.T) {
	for _, fn := range HTTPFunctions {
		if d := Timeout(fn); d <= 0 || d >= IntegrationTimeout {
			t.Errorf("%s: timeout %v, want more than 0 and under API Gateway's %v", fn, d, IntegrationTimeout)
		}
	}
	if d := Timeout(FnAuthorizer); d >= AuthorizerTimeout {
		t.Errorf("authorizer: timeout %v, want under %v", d, AuthorizerTimeout)
	}
	if d := Timeout(FnTriggers); d > TimeoutTrigger {
		t.Errorf("triggers: timeout %v, want at most Cognito's %v", d, TimeoutTrigger)
	}
}

// TestIdempotentRoutesExist: every route that honours an Idempotency-Key is
// a creating POST of the table.
func TestIdempotentRoutesExist(t *testing.T) {
	if len(idempotent) != 8 {
		t.Errorf("%d idempotent routes, want the 8 creating routes (members, invites, orgs, sub-orgs, resources, tokens, groups, roles)", len(idempotent))
	}
	for key := range idempotent {
		r, ok := ByKey(key)
		if !ok || r.Method != "POST" || !r.Idempotent() {
			t.Errorf("%s: want a POST route of the table", key)
		}
	}
}
