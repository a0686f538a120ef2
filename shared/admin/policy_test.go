package admin_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/admin"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// TestPolicyInputFillsDefaults: a PUT body that leaves fields out gets the
// policy of a new platform for them, never zero values.
func TestPolicyInputFillsDefaults(t *testing.T) {
	def := gatehouse.DefaultSignupPolicy()
	tests := []struct {
		name string
		body string
		want gatehouse.SignupPolicy
	}{
		{"mode only", `{"mode":"invite_only"}`,
			gatehouse.SignupPolicy{Mode: gatehouse.SignupInviteOnly, DefaultResourceLimit: def.DefaultResourceLimit, PersonalOrg: def.PersonalOrg}},
		{"every field", `{"mode":"allowlist","allowedDomains":["example.com"],"defaultResourceLimit":0,"personalOrg":false}`,
			gatehouse.SignupPolicy{Mode: gatehouse.SignupAllowlist, AllowedDomains: []string{"example.com"}, DefaultResourceLimit: 0, PersonalOrg: false}},
		{"limit only", `{"mode":"open","defaultResourceLimit":5}`,
			gatehouse.SignupPolicy{Mode: gatehouse.SignupOpen, DefaultResourceLimit: 5, PersonalOrg: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in admin.PolicyInput
			dec := json.NewDecoder(strings.NewReader(tt.body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				t.Fatalf("decode %s: %v", tt.body, err)
			}
			if got := in.Policy(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Policy() of %s = %+v, want %+v", tt.body, got, tt.want)
			}
		})
	}
}

// TestPolicyInputDocumentsItsDefaults: the defaults the OpenAPI document
// states (jsonschema tags) are the ones Policy fills in.
func TestPolicyInputDocumentsItsDefaults(t *testing.T) {
	def := gatehouse.DefaultSignupPolicy()
	want := map[string]string{
		"DefaultResourceLimit": "default=-1",
		"PersonalOrg":          "default=true",
	}
	if def.DefaultResourceLimit != -1 || !def.PersonalOrg {
		t.Fatalf("DefaultSignupPolicy() = %+v; update PolicyInput's jsonschema defaults with it", def)
	}
	typ := reflect.TypeFor[admin.PolicyInput]()
	for field, tag := range want {
		f, ok := typ.FieldByName(field)
		if !ok {
			t.Fatalf("PolicyInput has no field %s", field)
		}
		if !strings.Contains(f.Tag.Get("jsonschema"), tag) {
			t.Errorf("PolicyInput.%s jsonschema tag %q, want it to state %s", field, f.Tag.Get("jsonschema"), tag)
		}
	}
}
