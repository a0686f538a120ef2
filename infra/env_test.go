package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/infra/codeactions"
)

// TestEnvironment wants every variable the stack sets, and every variable
// sam-env.json sets, to be one the functions read (shared/app). SAM only
// overrides variables the template declares, so sam-env.json may only set
// variables of the dev template, and must point the SDK clients at local
// endpoints and the mail at the outbox, never at AWS.
func TestEnvironment(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	declared, err := codeactions.EnvVars(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(declared) < 10 {
		t.Fatalf("shared/app declares %v: want its GATEHOUSE_* variables", declared)
	}
	devVars := map[string]bool{}
	for stage, tpl := range templates() {
		for id, fn := range gatehouseFunctions(tpl) {
			for k := range props(fn)["Environment"].(map[string]any)["Variables"].(map[string]any) {
				if !slices.Contains(declared, k) {
					t.Errorf("%s %s sets %s, which no function reads (shared/app)", stage, id, k)
				}
				if stage == "dev" {
					devVars[k] = true
				}
			}
		}
	}

	b, err := os.ReadFile(filepath.Join(root, "infra", "sam-env.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Parameters map[string]string }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("sam-env.json: %v", err)
	}
	for k := range f.Parameters {
		if !devVars[k] {
			t.Errorf("sam-env.json sets %s, which the dev template does not declare: SAM would ignore it", k)
		}
	}
	for _, k := range localOnlyEnv {
		v := f.Parameters[k]
		if v == "" {
			t.Errorf("sam-env.json leaves %s unset: sam local invoke would reach AWS", k)
		}
		if strings.Contains(v, "amazonaws.com") {
			t.Errorf("sam-env.json %s = %s, want a local endpoint", k, v)
		}
	}
}
