package dynamo

import (
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Every key format of the single table lives in this file and is pinned by
// keys_test.go; docs/data-model.md describes the same layout for people.
// Ids never contain '#', so the separators are unambiguous.

const (
	skProfile      = "PROFILE"
	skTombstone    = "TOMBSTONE"
	skEmail        = "EMAIL"
	skMeta         = "META"
	skSignupPolicy = "SIGNUP_POLICY"
	skSecret       = "SECRET"

	prefixUser        = "USER#"
	prefixEmail       = "EMAIL#"
	prefixOrg         = "ORG#"
	prefixMember      = "MEMBER#"
	prefixAudit       = "AUDIT#"
	prefixInvite      = "INVITE#"
	prefixGroup       = "GROUP#"
	prefixGroupMember = "GROUPMEMBER#"
	prefixResource    = "RES#"
	prefixTypeGrants  = "RESTYPE#"
	prefixToken       = "APITOKEN#"
	prefixSecret      = "SECRET#"
	prefixChildren    = "CHILDREN#"
	prefixOwner       = "OWNER#"
	prefixGrantee     = "GRANTEE#"
	prefixExpiry      = "EXP#"

	pkPlatform = "PLATFORM"
	// gsiEmails is the inverse-index partition of every profile, sorted by
	// lower-case email, for the platform admin's prefix search.
	gsiEmails = "EMAILS"
)

// Key is a primary key of the table.
type Key struct{ PK, SK string }

func userKey(userID string) Key { return Key{prefixUser + userID, skProfile} }

// tombstoneKey marks a deleted account for good (rule 12): no profile is
// ever created again for its id.
func tombstoneKey(userID string) Key { return Key{prefixUser + userID, skTombstone} }

// emailKey reserves a lower-case email for one account (uniqueness).
func emailKey(email string) Key { return Key{prefixEmail + NormalizeEmail(email), skEmail} }

func orgKey(orgID string) Key { return Key{prefixOrg + orgID, skMeta} }

func memberKey(orgID, userID string) Key { return Key{prefixOrg + orgID, prefixMember + userID} }

// memberInverse indexes a membership under its user: the orgs of a user.
func memberInverse(orgID, userID string) Key { return Key{prefixUser + userID, prefixOrg + orgID} }

// childInverse indexes an org under its parent: the sub-orgs of an org.
func childInverse(parentID, orgID string) Key {
	return Key{prefixChildren + parentID, prefixOrg + orgID}
}

func signupPolicyKey() Key { return Key{pkPlatform, skSignupPolicy} }

// pendingInviteInverse indexes an invite under its lower-case email across
// orgs (the invite_only sign-up check): GSI1PK INVITED#<email>.
func pendingInviteInverse(email, orgID, inviteID string) Key {
	return Key{"INVITED#" + NormalizeEmail(email), prefixOrg + orgID + "#" + prefixInvite + inviteID}
}

// sweepCursorKey holds the expiration sweep's progress: the first expiry
// bucket that may still hold unprocessed entries.
func sweepCursorKey() Key { return Key{pkPlatform, "SWEEP_CURSOR"} }

// auditKey sorts an org's audit events by time; ids break ties.
func auditKey(orgID string, t time.Time, id string) Key {
	return Key{prefixOrg + orgID, prefixAudit + t.UTC().Format(sortableTime) + "#" + id}
}

func inviteKey(orgID, inviteID string) Key { return Key{prefixOrg + orgID, prefixInvite + inviteID} }

// inviteEmailKey marks the live invite of an email in an org (one pending
// invite per email; an expired or spent one is replaced).
func inviteEmailKey(orgID, email string) Key {
	return Key{prefixOrg + orgID, "INVITEEMAIL#" + NormalizeEmail(email)}
}

func groupKey(orgID, groupID string) Key { return Key{prefixOrg + orgID, prefixGroup + groupID} }

func groupMemberKey(orgID, groupID, userID string) Key {
	return Key{prefixOrg + orgID, prefixGroupMember + groupID + "#" + userID}
}

func resourceKey(orgID, typ, id string) Key {
	return Key{prefixOrg + orgID, prefixResource + typ + "#" + id}
}

// ownerInverse indexes a resource under its owner in its org.
func ownerInverse(orgID, ownerID, typ, id string) Key {
	return Key{prefixOwner + orgID + "#" + ownerID, prefixResource + typ + "#" + id}
}

func typeGrantsKey(orgID, typ string) Key { return Key{prefixOrg + orgID, prefixTypeGrants + typ} }

func tokenKey(orgID, tokenID string) Key { return Key{prefixOrg + orgID, prefixToken + tokenID} }

// granteeKey indexes one grant under its principal in the org's partition,
// so that a user's (or group's) granted resources are one range query.
func granteeKey(orgID, principal, typ, id string) Key {
	return Key{prefixOrg + orgID, prefixGrantee + principal + "#" + typ + "#" + id}
}

// secretKey finds a hashed secret (invite, activation, API token) by its hash.
func secretKey(hash string) Key { return Key{prefixSecret + hash, skSecret} }

// sortableTime is RFC 3339 with fixed-width nanoseconds, so that string order
// is time order.
const sortableTime = "2006-01-02T15:04:05.000000000Z"

// expiryBucketFormat cuts time into hour buckets for the sparse expiry index.
const expiryBucketFormat = "2006-01-02T15"

// expiryIndexKey places an item with a pending expiry in the expiry index:
// the hour bucket, then the exact time and the item's own key so entries
// are unique and carry what the sweep needs to find the item.
func expiryIndexKey(at time.Time, kind string, k Key) Key {
	at = at.UTC()
	return Key{
		prefixExpiry + at.Format(expiryBucketFormat),
		at.Format(sortableTime) + "#" + kind + "#" + k.PK + "#" + k.SK,
	}
}

// ExpiryBucket is the bucket partition for an instant.
func ExpiryBucket(at time.Time) string { return prefixExpiry + at.UTC().Format(expiryBucketFormat) }

// keyRange is a range of one partition of the table or of an index: the
// items whose sort key begins with prefix. Every list and range query reads
// one, built by the functions below, so a query's bounds, like its keys,
// come from this file only.
type keyRange struct {
	index  string // "" for the table, else the index name
	pk     string
	prefix string
}

// The ranges of the table's partitions.

// membersRange is an org's memberships, in user-id order.
func membersRange(orgID string) keyRange { return keyRange{"", prefixOrg + orgID, prefixMember} }

// invitesRange is an org's invites, in invite-id order.
func invitesRange(orgID string) keyRange { return keyRange{"", prefixOrg + orgID, prefixInvite} }

// auditRange is an org's audit events, in time order.
func auditRange(orgID string) keyRange { return keyRange{"", prefixOrg + orgID, prefixAudit} }

// platformAuditRange is the audit events that belong to no org.
func platformAuditRange() keyRange { return keyRange{"", platformAuditPK, prefixAudit} }

// groupsRange is an org's stored groups, in group-id order.
func groupsRange(orgID string) keyRange { return keyRange{"", prefixOrg + orgID, prefixGroup} }

// groupMembersRange is the member items of one group.
func groupMembersRange(orgID, groupID string) keyRange {
	return keyRange{"", prefixOrg + orgID, prefixGroupMember + groupID + "#"}
}

// tokensRange is an org's API tokens, in token-id order.
func tokensRange(orgID string) keyRange { return keyRange{"", prefixOrg + orgID, prefixToken} }

// resourcesRange is an org's resources ("" for every type), in type#id order.
func resourcesRange(orgID, typ string) keyRange {
	return keyRange{"", prefixOrg + orgID, prefixResource + typeSegment(typ)}
}

// granteeRange is the grants of one principal in an org (of one type, or
// every type for ""), in type#id order.
func granteeRange(orgID, principal, typ string) keyRange {
	return keyRange{"", prefixOrg + orgID, prefixGrantee + principal + "#" + typeSegment(typ)}
}

// inviteMarkersRange is an org's live-invite email markers (one per
// pending invite), in email order.
func inviteMarkersRange(orgID string) keyRange {
	return keyRange{"", prefixOrg + orgID, inviteEmailKey(orgID, "").SK}
}

// orgPartition is every item of an org's partition.
func orgPartition(orgID string) keyRange { return keyRange{"", prefixOrg + orgID, ""} }

// The ranges of the inverse index.

// orgsOfUserRange is a user's memberships, in org-id order.
func orgsOfUserRange(userID string) keyRange {
	return keyRange{tabledef.InverseIndex, prefixUser + userID, prefixOrg}
}

// subOrgsRange is the children of an org, in org-id order.
func subOrgsRange(parentID string) keyRange {
	return keyRange{tabledef.InverseIndex, prefixChildren + parentID, prefixOrg}
}

// ownedRange is the resources a user owns in an org (of one type, or every
// type for ""), in type#id order.
func ownedRange(orgID, ownerID, typ string) keyRange {
	return keyRange{tabledef.InverseIndex, prefixOwner + orgID + "#" + ownerID, prefixResource + typeSegment(typ)}
}

// usersByEmailRange is the accounts whose lower-case email starts with
// prefix, in email order.
func usersByEmailRange(prefix string) keyRange {
	return keyRange{tabledef.InverseIndex, gsiEmails, NormalizeEmail(prefix)}
}

// pendingInvitesRange is the invites of an email across orgs.
func pendingInvitesRange(email string) keyRange {
	return keyRange{tabledef.InverseIndex, pendingInviteInverse(email, "", "").PK, ""}
}

// typeSegment is the sort-key segment of a resource type ("" for all).
func typeSegment(typ string) string {
	if typ == "" {
		return ""
	}
	return typ + "#"
}

// NormalizeEmail is the canonical form of an email for uniqueness and
// matching: trimmed and lower-case.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func trimPrefix(s, prefix string) string { return strings.TrimPrefix(s, prefix) }

// Collections (issue 17, docs/resources.md "Collections").

// collectionKey is a collection of an org: name, description, version.
func collectionKey(orgID, collID string) Key {
	return Key{prefixOrg + orgID, "COLL#" + collID}
}

// collectionMemberKey files one resource in a collection, so that a
// collection's resources are a range query in type#id order.
func collectionMemberKey(orgID, collID, typ, id string) Key {
	return Key{prefixOrg + orgID, "COLLRES#" + collID + "#" + typ + "#" + id}
}

// collectionGrantsKey is the one item holding the grants of every
// collection of an org (one attribute per collection), read in the same
// BatchGetItem as the rest of the evaluator's snapshot.
func collectionGrantsKey(orgID string) Key { return Key{prefixOrg + orgID, "COLLGRANTS"} }

// collectionsRange is an org's collections, in id order.
func collectionsRange(orgID string) keyRange { return keyRange{"", prefixOrg + orgID, "COLL#"} }

// collectionMembersRange is the resources of one collection (of one type,
// or every type for ""), in type#id order.
func collectionMembersRange(orgID, collID, typ string) keyRange {
	return keyRange{"", prefixOrg + orgID, "COLLRES#" + collID + "#" + typeSegment(typ)}
}

// SCIM (docs/scim.md): an org's SCIM tokens, listed under the org; each
// token's secret item is a secretKey like the API tokens'.
const prefixScimToken = "SCIMTOKEN#"

func scimTokenKey(orgID, tokenID string) Key {
	return Key{prefixOrg + orgID, prefixScimToken + tokenID}
}

// scimTokensRange is an org's SCIM tokens, by id.
func scimTokensRange(orgID string) keyRange { return keyRange{"", prefixOrg + orgID, prefixScimToken} }

// Org deletion (issue 17, customer lifecycle; docs/membership.md, "Deleting
// an org"): the tombstone of a deleted org whose partition is still being
// drained, in the platform partition, and their range for the sweep.
const prefixOrgPurge = "ORGPURGE#"

func orgPurgeKey(orgID string) Key { return Key{pkPlatform, prefixOrgPurge + orgID} }

func orgPurgesRange() keyRange { return keyRange{"", pkPlatform, prefixOrgPurge} }

// Impersonation sessions and the audit views of issue 17 (items 1 and 5).

const prefixImpersonation = "IMPERSONATION#"

// impersonationKey is an impersonation session under its org (its secret
// item is secretKey of the secret's hash, as for API tokens).
func impersonationKey(orgID, id string) Key {
	return Key{prefixOrg + orgID, prefixImpersonation + id}
}

// impersonationsRange is an org's impersonation sessions, in id order.
func impersonationsRange(orgID string) keyRange {
	return keyRange{"", prefixOrg + orgID, prefixImpersonation}
}

// userAuditKey is a copy of an audit event in the account's own partition:
// what the account's own audit view lists (changes made as it through an
// impersonation session, and sessions started or ended on it).
func userAuditKey(userID string, t time.Time, id string) Key {
	return Key{prefixUser + userID, prefixAudit + t.UTC().Format(sortableTime) + "#" + id}
}

// userAuditRange is an account's own audit events, in time order.
func userAuditRange(userID string) keyRange { return keyRange{"", prefixUser + userID, prefixAudit} }

// Reliability (docs/reliability.md): intents and idempotency keys.

// intentKey is the pending intent of a change that spans Cognito and the
// table, one per lower-case email: it reserves the email while the change
// is under way.
func intentKey(email string) Key { return Key{"INTENT#" + NormalizeEmail(email), "INTENT"} }

// idempotencyKey is the record of one Idempotency-Key, under a scope (the
// caller and route) already hashed by the caller of the store.
func idempotencyKey(scope string) Key { return Key{"IDEM#" + scope, "IDEM"} }

// Verified domains (docs/domains.md): an org's domains in its partition,
// and one claim item per verified domain, which makes a domain belong to at
// most one org (created with a condition) and answers the sign-up hook's
// lookup by email domain in one GetItem.
const (
	prefixDomain = "DOMAIN#"
	skClaim      = "CLAIM"
)

func domainKey(orgID, domain string) Key { return Key{prefixOrg + orgID, prefixDomain + domain} }

func domainClaimKey(domain string) Key { return Key{prefixDomain + domain, skClaim} }

// domainsRange is an org's domains, in domain order.
func domainsRange(orgID string) keyRange { return keyRange{"", prefixOrg + orgID, prefixDomain} }

// Bulk imports (docs/imports.md): a job item with its counters, and its
// rows' results in chunks, in the org's partition.
const (
	prefixImport        = "IMPORT#"
	prefixImportResults = "IMPORTRES#"
)

func importKey(orgID, importID string) Key { return Key{prefixOrg + orgID, prefixImport + importID} }

func importResultsKey(orgID, importID string, chunk int) Key {
	return Key{prefixOrg + orgID, prefixImportResults + importID + "#" + fmt.Sprintf("%04d", chunk)}
}

// importResultsRange is the result chunks of one import, in row order.
func importResultsRange(orgID, importID string) keyRange {
	return keyRange{"", prefixOrg + orgID, prefixImportResults + importID + "#"}
}

// importsRange is an org's import jobs, in id order.
func importsRange(orgID string) keyRange { return keyRange{"", prefixOrg + orgID, prefixImport} }
