package tabledef

// The table's stream and the event source that publishes the event stream
// from it (docs/events.md): plain data, so that the CDK stack declares the
// stream, the event source mapping and its filter, and the local stack
// emulates them, from the same values.

// StreamViewType is what each stream record carries: the item as written.
// Audit items are only ever inserted, so the new image is the whole event.
const StreamViewType = "NEW_IMAGE"

// StreamFilter selects the records the event publisher receives: inserts
// of audit items (attribute KindAttribute = AuditKind) in org partitions
// (PK begins with OrgPartitionPrefix). shared/dynamo pins these to its
// codec (events_test.go).
var StreamFilter = struct {
	EventName          string
	KindAttribute      string
	AuditKind          string
	OrgPartitionPrefix string
}{EventName: "INSERT", KindAttribute: "kind", AuditKind: "audit", OrgPartitionPrefix: "ORG#"}

// FilterPattern is StreamFilter as a Lambda event filter pattern (JSON).
func FilterPattern() string {
	f := StreamFilter
	return `{"eventName":["` + f.EventName + `"],"dynamodb":{"Keys":{"` + PK + `":{"S":[{"prefix":"` + f.OrgPartitionPrefix +
		`"}]}},"NewImage":{"` + f.KindAttribute + `":{"S":["` + f.AuditKind + `"]}}}}`
}

// The event source mapping of the event publisher. Records of one org
// share a partition key, and with ParallelizationFactor 1 a shard is
// processed one batch at a time, in order (docs/events.md).
const (
	// PublisherBatchSize is the most records one invocation receives.
	PublisherBatchSize = 100
	// PublisherMaxRetries is how many times a failing batch is retried
	// before its records go to the on-failure destination.
	PublisherMaxRetries = 10
	// PublisherMaxRecordAgeSeconds drops records older than this to the
	// on-failure destination (the stream keeps records for 24 hours).
	PublisherMaxRecordAgeSeconds = 6 * 60 * 60
)
