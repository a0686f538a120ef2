package authz

import "github.com/gatehouse-dev/gatehouse/shared/gatehouse"

// GivesAtCreation decides what a member's creation (one member, or a row of
// a bulk import, docs/imports.md) may give beyond roles: the creation
// routes need members:create only, and what their own routes need more
// the creation needs too: groups:manage to put the member in groups,
// members:limits to set its limits. Rule 6 then applies to what the
// groups give, rule 7 to a manager's limits (SetsLimits).
func GivesAtCreation(c *gatehouse.Caller, groups, limits bool) error {
	if groups && !c.Has("groups:manage") {
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "putting members in groups needs groups:manage")
	}
	if limits && !c.Has("members:limits") {
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "setting members' limits needs members:limits")
	}
	return nil
}
