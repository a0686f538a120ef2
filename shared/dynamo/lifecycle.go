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

// Resource lifecycle (issue 17, docs/resources.md "Lifecycle"): renaming,
// metadata and moving one resource to another owner, each one transaction
// with its audit event.

// UpdateResource stores a resource's new name and metadata (before as
// read: its version guards the change).
func (s *Store) UpdateResource(ctx context.Context, before, after *gatehouse.Resource, actor gatehouse.Actor) error {
	after.Version = before.Version + 1
	after.UpdatedAt = s.Now()
	t := s.tx()
	t.put(resourceItem(after), "#v = :v", gatehouse.Errorf(gatehouse.CodeConflict, "the resource changed meanwhile; retry"),
		map[string]string{"#v": attrVersion}, map[string]types.AttributeValue{":v": num(before.Version)})
	t.audit(s.NewAudit(actor, after.OrgID, "resource.update", after.Type+"/"+after.ID,
		map[string]any{"name": before.Name, "metadata": before.Metadata},
		map[string]any{"name": after.Name, "metadata": after.Metadata}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("update resource %s/%s: %w", after.Type, after.ID, err)
	}
	return nil
}

// TransferResource gives one resource (r as read) to another member: the
// owner, its owner index entry and "counted" change, and the counters move
// from the memberships r counted against (those that still exist) to
// counted (the new owner, then its managers), as a registration by the new
// owner would count them: within their resourceLimit (409
// limit_exceeded), the new owner active. Unlike the bulk
// TransferOwnedResources of an account deletion, a transfer asked for one
// resource respects the recipient's limits (docs/rules.md, Limits).
func (s *Store) TransferResource(ctx context.Context, r *gatehouse.Resource, counted []string, actor gatehouse.Actor) (*gatehouse.Resource, error) {
	if len(counted) == 0 {
		return nil, fmt.Errorf("transfer resource %s: counted must start with the new owner", r.ID)
	}
	toID := counted[0]
	changed := gatehouse.Errorf(gatehouse.CodeConflict, "the resource or a membership changed meanwhile; retry")
	keys := make([]Key, len(r.Counted))
	for i, uid := range r.Counted {
		keys[i] = memberKey(r.OrgID, uid)
	}
	present, err := s.batchGetAll(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("transfer resource %s/%s: %w", r.Type, r.ID, err)
	}
	delta := map[string]int64{}
	var order []string
	bump := func(uid string, d int64) {
		if _, ok := delta[uid]; !ok {
			order = append(order, uid)
		}
		delta[uid] += d
	}
	for _, uid := range counted {
		bump(uid, 1)
	}
	for _, uid := range r.Counted {
		if _, ok := present[memberKey(r.OrgID, uid)]; ok {
			bump(uid, -1)
		}
	}
	now := s.Now()
	after := *r
	after.OwnerID, after.Counted, after.Version, after.UpdatedAt = toID, slices.Clone(counted), r.Version+1, now
	inv := ownerInverse(r.OrgID, toID, r.Type, r.ID)
	t := s.tx()
	t.update(resourceKey(r.OrgID, r.Type, r.ID),
		"SET #o = :to, #c = :c, #g1pk = :g1pk, #u = :now ADD #v :one",
		"#v = :v AND #o = :from", changed,
		map[string]string{"#o": "ownerId", "#c": "counted", "#g1pk": tabledef.GSI1PK, "#u": attrUpdated, "#v": attrVersion},
		map[string]types.AttributeValue{
			":to": str(toID), ":from": str(r.OwnerID), ":c": strList(counted), ":g1pk": str(inv.PK),
			":now": str(now.Format(time.RFC3339Nano)), ":one": num(1), ":v": num(r.Version),
		})
	for _, uid := range order {
		d := delta[uid]
		if d == 0 && uid != toID {
			continue
		}
		names := map[string]string{"#pk": tabledef.PK, "#rc": "resourceCount"}
		values := map[string]types.AttributeValue{":d": num(d)}
		cond, onFail := "attribute_exists(#pk)", error(changed)
		if d > 0 {
			// The same limit conditions as a registration's.
			cond += " AND (#rl < :zero OR #rc < #rl)"
			names["#rl"] = "resourceLimit"
			values[":zero"] = num(0)
			onFail = gatehouse.LimitExceeded("resourceLimit", "the resource limit of the new owner's manager is reached")
		}
		if uid == toID {
			cond += " AND #st = :active"
			names["#st"] = attrStatus
			values[":active"] = str(string(gatehouse.StatusActive))
			onFail = gatehouse.Errorf(gatehouse.CodeConflict, "the new owner is no longer an active member")
			if d > 0 {
				onFail = gatehouse.LimitExceeded("resourceLimit", "the new owner's resource limit is reached (or it is no longer an active member)")
			}
		}
		t.update(memberKey(r.OrgID, uid), "ADD #rc :d", cond, onFail, names, values)
	}
	t.audit(s.NewAudit(actor, r.OrgID, "resource.transfer", r.Type+"/"+r.ID,
		map[string]any{"ownerId": r.OwnerID, "counted": r.Counted},
		map[string]any{"ownerId": toID, "counted": counted}))
	if err := t.commit(ctx); err != nil {
		return nil, fmt.Errorf("transfer resource %s/%s: %w", r.Type, r.ID, err)
	}
	return &after, nil
}
