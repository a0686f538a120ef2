package dynamo

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

// ResourceItems returns the items the store writes for a resource: the
// resource item and one grantee item per principal of its grants. Like
// ItemOf it exists for seeding a table (shared/dynamo/dynamotest: the
// benchmarks' orgs of 100,000 resources); services register resources
// through the store, which keeps the counters, conditions and audit.
func ResourceItems(r *Resource) []map[string]types.AttributeValue {
	out := []map[string]types.AttributeValue{resourceItem(r)}
	for _, p := range principalsOf(r.Grants) {
		out = append(out, granteeItem(r.OrgID, p, r.Ref()))
	}
	return out
}
