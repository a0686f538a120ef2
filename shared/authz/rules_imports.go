package authz

import "github.com/gatehouse-dev/gatehouse/shared/gatehouse"

// ImportsRow decides what one row of a bulk import may ask beyond creating
// a member (docs/imports.md): the import route needs members:create only,
// and each row's extras go through use cases whose own routes need more,
// so the row needs that too: groups:manage to put the member in groups,
// members:limits to set its limits. The use cases then apply their own
// rules (rule 6 for the groups' roles, rule 7 for limits).
func ImportsRow(c *gatehouse.Caller, groups, limits bool) error {
	if groups && !c.Has("groups:manage") {
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "putting members in groups needs groups:manage")
	}
	if limits && !c.Has("members:limits") {
		return gatehouse.Forbidden(gatehouse.ReasonMissingPerm, "setting members' limits needs members:limits")
	}
	return nil
}
