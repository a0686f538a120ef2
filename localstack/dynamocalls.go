package localstack

import (
	"maps"
	"net/http"
	"strings"
	"sync"
)

// CallCounts counts the DynamoDB API calls that reach the stack's
// in-process minidyn, by operation (GetItem, BatchGetItem, Query,
// TransactWriteItems...), whoever makes them: the authorizer, the
// functions, the triggers. Each HTTP request is one round trip, so SDK
// retries count too. The round-trips test and make bench read it.
type CallCounts struct {
	mu     sync.Mutex
	counts map[string]int
}

// Reset clears the counts.
func (c *CallCounts) Reset() {
	c.mu.Lock()
	c.counts = map[string]int{}
	c.mu.Unlock()
}

// Counts returns a copy of the counts by operation.
func (c *CallCounts) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

// Total is the number of calls of all operations.
func (c *CallCounts) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}

// countDynamoDB returns h counting every call into s.DynamoDBCalls.
func (s *Stack) countDynamoDB(h http.Handler) http.Handler {
	s.DynamoDBCalls = &CallCounts{counts: map[string]int{}}
	c := s.DynamoDBCalls
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// X-Amz-Target: DynamoDB_20120810.<Operation>
		target := r.Header.Get("X-Amz-Target")
		op := target[strings.LastIndexByte(target, '.')+1:]
		c.mu.Lock()
		c.counts[op]++
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}
