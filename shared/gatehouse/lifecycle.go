package gatehouse

// Reasons of the org lifecycle refusals (moving a member between orgs,
// deleting a sub-org); docs/errors.md lists them.
const (
	// ReasonHasSubOrgs: a 409 conflict, the org to delete still has
	// sub-orgs and `cascade` was not asked for.
	ReasonHasSubOrgs = "has_suborgs"
	// ReasonTooManyResources: a 409 conflict, the member to move owns more
	// resources than one transaction can transfer or move with it.
	ReasonTooManyResources = "too_many_resources"
)
