package main

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/routes"
)

// TestTimeoutsFromRouteTable: each Lambda's timeout is the one the local
// gateway and the function's answer deadline use (docs/reliability.md).
func TestTimeoutsFromRouteTable(t *testing.T) {
	for _, fn := range routes.AllFunctions {
		spec, ok := functionSpecs[fn]
		if !ok {
			continue
		}
		if want := routes.Timeout(fn).Seconds(); spec.TimeoutSeconds != want {
			t.Errorf("%s: timeout %v s, want routes.Timeout %v s", fn, spec.TimeoutSeconds, want)
		}
	}
}
