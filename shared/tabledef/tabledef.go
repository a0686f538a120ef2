// Package tabledef describes Gatehouse's single DynamoDB table: its key
// attributes, its global secondary indexes and its TTL attribute.
//
// It is plain data with no SDK imports so that the store (table creation for
// local runs) and the CDK stack (infra/) declare the very same table. The key
// formats that fill these attributes live in shared/dynamo/keys.go and are
// documented in docs/data-model.md.
package tabledef

// Attribute names of the base table and its indexes. Every key attribute is a
// string.
const (
	PK = "PK"
	SK = "SK"

	// InverseIndex answers the reverse lookups: the memberships of a user, the
	// sub-orgs of an org, users by email prefix. Sparse: only items that need
	// a reverse lookup carry GSI1PK.
	InverseIndex = "GSI1"
	GSI1PK       = "GSI1PK"
	GSI1SK       = "GSI1SK"

	// ExpiryIndex is the sparse, time-bucketed index the expiration sweep
	// reads: only items with a pending expiry carry GSI2PK (the hour bucket)
	// and GSI2SK (the exact time, then the item's identity). Items leave the
	// index when they are expired or their expiry is cleared.
	ExpiryIndex = "GSI2"
	GSI2PK      = "GSI2PK"
	GSI2SK      = "GSI2SK"

	// TTLAttribute holds an epoch-seconds time after which DynamoDB may
	// delete the item (spent invites, activation secrets).
	TTLAttribute = "ttl"
)

// Index is one global secondary index, projecting all attributes.
type Index struct {
	Name         string
	PartitionKey string
	SortKey      string
}

// Indexes lists every GSI of the table.
var Indexes = []Index{
	{Name: InverseIndex, PartitionKey: GSI1PK, SortKey: GSI1SK},
	{Name: ExpiryIndex, PartitionKey: GSI2PK, SortKey: GSI2SK},
}

// DefaultTableName is the table name used by the local stack.
const DefaultTableName = "gatehouse"
