package authz_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// TestGivesAtCreation: an import row's groups and limits need the permissions
// their own routes need.
func TestGivesAtCreation(t *testing.T) {
	creator := &gatehouse.Caller{Permissions: []string{"members:create"}}
	all := &gatehouse.Caller{Permissions: []string{"members:create", "groups:manage", "members:limits"}}
	for _, tc := range []struct {
		name           string
		c              *gatehouse.Caller
		groups, limits bool
		want           string
	}{
		{"plain row", creator, false, false, ""},
		{"groups without groups:manage", creator, true, false, "forbidden/missing_permission"},
		{"limits without members:limits", creator, false, true, "forbidden/missing_permission"},
		{"groups and limits with both", all, true, true, ""},
	} {
		if got := reasonOf(authz.GivesAtCreation(tc.c, tc.groups, tc.limits)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
