package dynamotest

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws/middleware"
	smithymw "github.com/aws/smithy-go/middleware"
)

// CallCounter counts DynamoDB API calls by operation name. Install
// Middleware in the client's APIOptions; tests and benchmarks use it to show
// how many round trips a request costs.
type CallCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

// NewCallCounter returns an empty counter.
func NewCallCounter() *CallCounter { return &CallCounter{counts: map[string]int{}} }

// Middleware adds the counting step to a client's middleware stack.
func (c *CallCounter) Middleware(stack *smithymw.Stack) error {
	return stack.Initialize.Add(smithymw.InitializeMiddlewareFunc("gatehouseCallCounter",
		func(ctx context.Context, in smithymw.InitializeInput, next smithymw.InitializeHandler) (smithymw.InitializeOutput, smithymw.Metadata, error) {
			c.Add(middleware.GetOperationName(ctx))
			return next.HandleInitialize(ctx, in)
		}), smithymw.After)
}

// Add counts one call of an operation (for counters outside the SDK, such
// as one in front of a DynamoDB endpoint).
func (c *CallCounter) Add(op string) {
	c.mu.Lock()
	c.counts[op]++
	c.mu.Unlock()
}

// Reset clears the counts.
func (c *CallCounter) Reset() {
	c.mu.Lock()
	c.counts = map[string]int{}
	c.mu.Unlock()
}

// Counts returns a copy of the counts by operation.
func (c *CallCounter) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// Total is the number of calls of all operations.
func (c *CallCounter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}
