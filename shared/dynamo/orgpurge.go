package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Deleting an org is a tombstone and a drain (docs/membership.md,
// "Deleting an org"). An org holds more items than one transaction takes
// (100): members, invites, resources, grants, tokens, audit events. So the
// one transaction of DeleteOrg removes what makes the org reachable (its
// item: the authorizer refuses every request naming it, no membership can
// be created in it, no invite accepted) and writes a tombstone; the
// partition left behind, with the secrets of its tokens and invites, is
// then drained in batches by the request itself and, should it end first,
// by the sweep (DrainOrgPurges), which removes the tombstone when the
// partition is empty. Nothing left behind meanwhile is reachable.

const kindOrgPurge = "orgpurge"

func orgPurgeItem(orgID string, now time.Time) item {
	return newItem(orgPurgeKey(orgID)).setS(attrKind, kindOrgPurge).setS("orgId", orgID).setTime(attrCreated, now)
}

// finishOrgPurge drains a deleted org's partition, then its tombstone.
func (s *Store) finishOrgPurge(ctx context.Context, orgID string) error {
	if err := s.purgePartition(ctx, orgPartition(orgID)); err != nil {
		return fmt.Errorf("purge org %s (the sweep finishes it): %w", orgID, err)
	}
	return s.batchDelete(ctx, []Key{orgPurgeKey(orgID)})
}

// PendingOrgPurges lists the orgs deleted whose partitions are not drained
// yet (their tombstones), at most limit.
func (s *Store) PendingOrgPurges(ctx context.Context, limit int) ([]string, error) {
	in := queryRange(orgPurgesRange())
	in.Limit = aws.Int32(int32(max(limit, 1)))
	out, err := s.query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("pending org purges: %w", err)
	}
	ids := make([]string, 0, len(out.Items))
	for _, raw := range out.Items {
		ids = append(ids, item(raw).getS("orgId"))
	}
	return ids, nil
}

// DrainOrgPurges drains the partitions of deleted orgs, deleting at most
// budget items (one page of the partition at a time), and removes each
// tombstone whose partition is empty. It returns the items deleted and
// whether work is left. Idempotent: deleting an item twice is harmless.
func (s *Store) DrainOrgPurges(ctx context.Context, budget int) (deleted int, more bool, err error) {
	ids, err := s.PendingOrgPurges(ctx, 10)
	if err != nil {
		return 0, false, err
	}
	for _, id := range ids {
		if deleted >= budget {
			return deleted, true, nil
		}
		n, done, err := s.purgeSome(ctx, id, budget-deleted)
		deleted += n
		if err != nil {
			return deleted, true, fmt.Errorf("drain org %s: %w", id, err)
		}
		if !done {
			return deleted, true, nil
		}
		if err := s.batchDelete(ctx, []Key{orgPurgeKey(id)}); err != nil {
			return deleted, true, err
		}
	}
	return deleted, len(ids) == 10, nil
}

// purgeSome deletes up to limit items of a deleted org's partition (and
// the secrets they point to); done when the partition is empty.
func (s *Store) purgeSome(ctx context.Context, orgID string, limit int) (int, bool, error) {
	in := queryRange(orgPartition(orgID))
	in.Limit = aws.Int32(int32(max(limit, 1)))
	page, err := s.query(ctx, in)
	if err != nil {
		return 0, false, err
	}
	var keys []Key
	for _, raw := range page.Items {
		it := item(raw)
		if it.key() == orgKey(orgID) {
			// Never drain an org that exists (ids are never reused, and
			// the org item and its tombstone change in one transaction:
			// this is a guard, not a path).
			return 0, false, gatehouse.Errorf(gatehouse.CodeConflict, "org %s exists; its tombstone is stale", orgID)
		}
		keys = append(keys, it.key())
		for _, a := range []string{"secretHash", "tokenHash"} {
			if h := it.getS(a); h != "" {
				keys = append(keys, secretKey(h))
			}
		}
	}
	if err := s.batchDelete(ctx, keys); err != nil {
		return 0, false, err
	}
	return len(page.Items), len(page.LastEvaluatedKey) == 0 && len(page.Items) < limit, nil
}

// ErrHasSubOrgs refuses to delete an org that still has sub-orgs when
// cascade was not asked for.
func errHasSubOrgs(n int) error {
	return &gatehouse.Error{Code: gatehouse.CodeConflict, Reason: gatehouse.ReasonHasSubOrgs,
		Message: fmt.Sprintf("the org has %d sub-orgs: delete them first, or ask for cascade", n)}
}

// DeleteOrgTree deletes an org and, with cascade, every org below it.
// Without cascade an org with sub-orgs is refused (409 conflict,
// has_suborgs). With it, the descendants are deleted deepest first, each
// by DeleteOrg (one transaction each, with its audit events and seat
// counters): a failure part way leaves a smaller tree, every org of it
// whole, and repeating the request finishes it. It returns the ids
// deleted, the org itself last.
func (s *Store) DeleteOrgTree(ctx context.Context, orgID string, cascade bool, actor gatehouse.Actor) ([]string, error) {
	o, err := s.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if o.Usage.SubOrgCount > 0 && !cascade {
		return nil, errHasSubOrgs(o.Usage.SubOrgCount)
	}
	order := []string{orgID} // breadth first: every org before its children
	for i := 0; i < len(order); i++ {
		cursor := ""
		for {
			kids, next, err := s.SubOrgsPage(ctx, order[i], 100, cursor)
			if err != nil {
				return nil, fmt.Errorf("delete org tree %s: %w", orgID, err)
			}
			for _, k := range kids {
				order = append(order, k.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	var deleted []string
	for i := len(order) - 1; i >= 0; i-- {
		err := s.DeleteOrg(ctx, order[i], actor)
		if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound && i > 0 {
			continue // the child index lags a deletion already done
		}
		if err != nil {
			return deleted, err
		}
		deleted = append(deleted, order[i])
	}
	return deleted, nil
}
