package authz

import "github.com/gatehouse-dev/gatehouse/shared/gatehouse"

// PolicyOf is an org's policy as the evaluator takes it: its custom roles,
// its groups' roles and its default resource access.
func PolicyOf(cat *Catalogue, o *gatehouse.Org) *OrgPolicy {
	p := &OrgPolicy{
		Catalogue:             cat,
		CustomRoles:           make(map[string][]string, len(o.CustomRoles)),
		GroupRoles:            o.GroupRoles,
		DefaultResourceAccess: o.Settings.DefaultResourceAccess,
	}
	for id, r := range o.CustomRoles {
		p.CustomRoles[id] = r.Permissions
	}
	return p
}
