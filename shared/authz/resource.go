package authz

import "github.com/gatehouse-dev/gatehouse/shared/gatehouse"

// ResourceOf is the evaluator's view of a resource with its type's grants.
func ResourceOf(r *gatehouse.Resource, typeGrants []Grant) *Resource {
	return &Resource{Type: r.Type, ID: r.ID, OwnerID: r.OwnerID, Grants: r.Grants, TypeGrants: typeGrants}
}
