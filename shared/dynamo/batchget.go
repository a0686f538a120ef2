package dynamo

import (
	"context"
	"maps"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Reading only what a decision needs (docs/performance.md, "Check
// batches"): a BatchGetItem answers with whole items unless it names the
// attributes it wants, and most of a batch's time, in DynamoDB and in the
// SDK, is spent per attribute returned. One projection applies to every key
// of a call, so the resources of a large check batch are read in calls of
// their own, in parallel with the rest of the snapshot.

// projection is a ProjectionExpression and its attribute names.
type projection struct {
	expr  string
	names map[string]string
}

// newProjection projects attrs, each through a placeholder (several of
// them, like "type" and "name", are DynamoDB reserved words). The item's
// key attributes are always included: batchGet files items by key.
func newProjection(attrs ...string) *projection {
	p := &projection{names: map[string]string{}}
	var parts []string
	for i, a := range append([]string{tabledef.PK, tabledef.SK}, attrs...) {
		ph := "#p" + strconv.Itoa(i)
		p.names[ph] = a
		parts = append(parts, ph)
	}
	p.expr = strings.Join(parts, ", ")
	return p
}

// resourceForEvaluation is what the evaluator reads of a resource
// (authz.ResourceOf) beyond its identity, which the key already gives: its
// owner and grants. decodeResource leaves the other fields zero;
// LoadSnapshot fills in the identity.
var resourceForEvaluation = newProjection("ownerId", "grants")

// batchGroup is keys read with one projection (whole items when nil).
type batchGroup struct {
	keys []Key
	proj *projection
}

// batchGetSnapshot reads a snapshot's keys: the first head keys (org,
// accounts, memberships) whole, the next nRes resource keys, then the
// rest (type grants). When everything fits one call it is one call of
// whole items; otherwise the resources are read with resourceForEvaluation
// in calls of their own, all calls in parallel. A batch of 100 checks is
// then 2 calls: the head and type grants, and the 100 resources.
func (s *Store) batchGetSnapshot(ctx context.Context, keys []Key, head, nRes int) (map[Key]item, error) {
	keys = keys[:len(keys):len(keys)]
	if len(uniqueKeys(keys)) <= 100 || nRes == 0 {
		return s.batchGetGroups(ctx, batchGroup{keys: keys})
	}
	whole := append(keys[:head:head], keys[head+nRes:]...)
	return s.batchGetGroups(ctx, batchGroup{keys: whole}, batchGroup{keys: keys[head : head+nRes], proj: resourceForEvaluation})
}

// batchGetGroups reads every group, 100 keys per BatchGetItem, all the
// calls in parallel (one round trip of latency).
func (s *Store) batchGetGroups(ctx context.Context, groups ...batchGroup) (map[Key]item, error) {
	type call struct {
		keys []Key
		proj *projection
	}
	var calls []call
	total := 0
	for _, g := range groups {
		keys := uniqueKeys(g.keys)
		total += len(keys)
		for start := 0; start < len(keys); start += 100 {
			calls = append(calls, call{keys[start:min(start+100, len(keys))], g.proj})
		}
	}
	if len(calls) == 1 {
		return s.batchGetProjected(ctx, calls[0].keys, calls[0].proj)
	}
	type result struct {
		got map[Key]item
		err error
	}
	results := make(chan result, len(calls))
	for _, c := range calls {
		go func() {
			got, err := s.batchGetProjected(ctx, c.keys, c.proj)
			results <- result{got, err}
		}()
	}
	out := make(map[Key]item, total)
	var firstErr error
	for range calls {
		r := <-results
		if r.err != nil && firstErr == nil {
			firstErr = r.err
		}
		maps.Copy(out, r.got)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}
