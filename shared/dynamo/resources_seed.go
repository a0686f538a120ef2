package dynamo

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// SeedResourcesForTest writes resources and their grantee items with
// BatchWriteItem from a few goroutines, without counters, conditions or
// audit: benchmarks use it to fill an org with 100,000 resources, which
// one transaction per resource would take most of an hour to do against
// minidyn. No service calls it.
func SeedResourcesForTest(ctx context.Context, s *Store, rs []*Resource, workers int) error {
	var items []item
	for _, r := range rs {
		items = append(items, resourceItem(r))
		for _, p := range principalsOf(r.Grants) {
			items = append(items, granteeItem(r.OrgID, p, r.Ref()))
		}
	}
	chunks := make(chan []item)
	errs := make(chan error, workers)
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
					out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.table: reqs}})
					if err != nil {
						errs <- fmt.Errorf("seed resources: %w", err)
						return
					}
					reqs = out.UnprocessedItems[s.table]
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
