package dynamo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// TransferBatch is the most resources one transaction of
// TransferOwnedResources moves. Each resource is its update and its audit
// event; the counters of the memberships involved are summed per batch
// (a transaction may touch an item once), at most maxManagerChain+1 for the
// new owner's chain and as many for each old "counted" list, so five
// resources stay well under DynamoDB's 100 items.
const TransferBatch = 5

// TransferOwnedResources moves every resource fromID owns in an org to
// toID, an active member of the org: the owner, the owner index (GSI1) and
// the "counted" list change, and the resourceCount counters move from the
// memberships the resource counted against (those that still exist) to the
// new owner and its managers now, as a registration by toID would count
// them. TransferBatch resources per transaction, each with its
// resource.transfer audit event, each guarded by its version and its owner
// still being fromID; the new owner's membership must still be active.
//
// The new owner's (and its managers') resourceLimit is NOT a condition: a
// transfer is an administrative act (a platform admin deleting an account)
// and may leave them over their limit, like a lowered limit does: what they
// own stays, new registrations are refused until they are back under it.
//
// It is idempotent and resumable: moved resources leave fromID's owner
// index, and each candidate is read again (consistently) before it moves,
// so a rerun after a partial failure moves what is left and nothing twice.
// It returns the number of resources moved by this call. Errors: conflict
// (toID is not an active member; a concurrent change, retry).
func (s *Store) TransferOwnedResources(ctx context.Context, orgID, fromID, toID string, actor gatehouse.Actor) (int, error) {
	if fromID == toID {
		return 0, gatehouse.Invalid(gatehouse.FieldError{Field: "transferTo", Message: "is the current owner"})
	}
	to, err := s.Membership(ctx, orgID, toID)
	if gatehouse.ErrorCode(err) == gatehouse.CodeNotFound {
		return 0, gatehouse.Errorf(gatehouse.CodeConflict, "%s is not a member of org %s", toID, orgID)
	}
	if err != nil {
		return 0, fmt.Errorf("transfer resources of %s in %s: %w", fromID, orgID, err)
	}
	if !to.Usable(s.Now()) {
		return 0, gatehouse.Errorf(gatehouse.CodeConflict, "%s is not an active member of org %s", toID, orgID)
	}
	chain, err := s.ManagerChain(ctx, orgID, to)
	if err != nil {
		return 0, fmt.Errorf("transfer resources of %s in %s: %w", fromID, orgID, err)
	}
	counted := []string{toID}
	for _, m := range chain {
		counted = append(counted, m.UserID)
	}
	moved, after := 0, ""
	for {
		page, err := s.OwnedResourcesAfter(ctx, orgID, fromID, "", after, TransferBatch)
		if err != nil {
			return moved, fmt.Errorf("transfer resources of %s in %s: %w", fromID, orgID, err)
		}
		// The owner index is eventually consistent: read the resources
		// themselves and move only those fromID still owns.
		refs := make([]gatehouse.Ref, len(page.Resources))
		for i, r := range page.Resources {
			refs[i] = r.Ref()
		}
		fresh, err := s.ResourcesByRef(ctx, orgID, refs)
		if err != nil {
			return moved, fmt.Errorf("transfer resources of %s in %s: %w", fromID, orgID, err)
		}
		var batch []*gatehouse.Resource
		for _, ref := range refs {
			if r := fresh[ref]; r != nil && r.OwnerID == fromID {
				batch = append(batch, r)
			}
		}
		if len(batch) > 0 {
			if err := s.transferBatch(ctx, orgID, batch, toID, counted, actor); err != nil {
				return moved, fmt.Errorf("transfer resources of %s in %s to %s: %w", fromID, orgID, toID, err)
			}
			moved += len(batch)
		}
		if !page.More || page.Last == "" {
			return moved, nil
		}
		after = page.Last
	}
}

// transferBatch moves a few resources to a new owner in one transaction.
func (s *Store) transferBatch(ctx context.Context, orgID string, batch []*gatehouse.Resource, toID string, counted []string, actor gatehouse.Actor) error {
	changed := gatehouse.Errorf(gatehouse.CodeConflict, "a resource or a membership changed meanwhile; retry")
	now := s.Now()
	delta := map[string]int64{}
	var order []string // memberships in a stable order
	bump := func(uid string, d int64) {
		if _, ok := delta[uid]; !ok {
			order = append(order, uid)
		}
		delta[uid] += d
	}
	for _, uid := range counted {
		bump(uid, int64(len(batch)))
	}
	var gone []Key
	for _, r := range batch {
		for _, uid := range r.Counted {
			bump(uid, -1)
			gone = append(gone, memberKey(orgID, uid))
		}
	}
	// A membership removed since registration has no counter to give back
	// to (as in UnregisterResource).
	present, err := s.batchGetAll(ctx, gone)
	if err != nil {
		return err
	}
	t := s.tx()
	for _, r := range batch {
		inv := ownerInverse(orgID, toID, r.Type, r.ID)
		t.update(resourceKey(orgID, r.Type, r.ID),
			"SET #o = :to, #c = :c, #g1pk = :g1pk, #u = :now ADD #v :one",
			"#v = :v AND #o = :from", changed,
			map[string]string{"#o": "ownerId", "#c": "counted", "#g1pk": tabledef.GSI1PK, "#u": attrUpdated, "#v": attrVersion},
			map[string]types.AttributeValue{
				":to": str(toID), ":from": str(r.OwnerID), ":c": strList(counted), ":g1pk": str(inv.PK),
				":now": str(now.Format(time.RFC3339Nano)), ":one": num(1), ":v": num(r.Version),
			})
		t.audit(s.NewAudit(actor, orgID, "resource.transfer", r.Type+"/"+r.ID,
			map[string]any{"ownerId": r.OwnerID, "counted": r.Counted},
			map[string]any{"ownerId": toID, "counted": counted}))
	}
	for _, uid := range order {
		d := delta[uid]
		k := memberKey(orgID, uid)
		isNew := slices.Contains(counted, uid)
		if _, ok := present[k]; !ok && !isNew {
			continue
		}
		if d == 0 && uid != toID {
			continue
		}
		cond := "attribute_exists(#pk)"
		names := map[string]string{"#pk": tabledef.PK, "#rc": "resourceCount"}
		values := map[string]types.AttributeValue{":d": num(d)}
		onFail := changed
		if uid == toID {
			// The new owner must still be an active member; its limit is
			// not a condition (see TransferOwnedResources).
			cond += " AND #st = :active"
			names["#st"] = attrStatus
			values[":active"] = str(string(gatehouse.StatusActive))
			onFail = gatehouse.Errorf(gatehouse.CodeConflict, "%s is no longer an active member of org %s", toID, orgID)
		}
		t.update(k, "ADD #rc :d", cond, onFail, names, values)
	}
	return t.commit(ctx)
}
