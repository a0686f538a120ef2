package dynamotest

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
)

// SeedResources writes resources and their grantee items with
// BatchWriteItem from a few goroutines, without counters, conditions or
// audit: the benchmarks fill orgs of 100,000 resources this way, which one
// transaction per resource would take most of an hour to do.
func (e *Env) SeedResources(ctx context.Context, rs []*dynamo.Resource, workers int) error {
	var items []map[string]types.AttributeValue
	for _, r := range rs {
		items = append(items, dynamo.ResourceItems(r)...)
	}
	chunks := make(chan []map[string]types.AttributeValue)
	errs := make(chan error, max(workers, 1))
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range chunks {
				reqs := make([]types.WriteRequest, len(chunk))
				for i, it := range chunk {
					reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
				}
				for len(reqs) > 0 {
					out, err := e.Client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{Table: reqs}})
					if err != nil {
						errs <- fmt.Errorf("seed resources: %w", err)
						return
					}
					reqs = out.UnprocessedItems[Table]
				}
			}
		}()
	}
	go func() { wg.Wait(); close(errs) }()
	for start := 0; start < len(items); start += 25 {
		select {
		case chunks <- items[start:min(start+25, len(items))]:
		case err := <-errs:
			close(chunks)
			return err
		}
	}
	close(chunks)
	for err := range errs {
		return err
	}
	return nil
}
