package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// OrgChanges are the fields of PATCH /v1/orgs/{orgId}; nil leaves a field.
type OrgChanges struct {
	Name                  *string
	DefaultResourceAccess *string
}

var errOrgChanged = gatehouse.Errorf(gatehouse.CodeConflict, "the org changed meanwhile; retry")

// UpdateOrg renames an org or changes its settings, guarded by its version.
func (s *Store) UpdateOrg(ctx context.Context, orgID string, ch OrgChanges, actor gatehouse.Actor) (*gatehouse.Org, error) {
	o, err := s.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	before, after := map[string]any{}, map[string]any{}
	names := map[string]string{"#v": attrVersion, "#u": attrUpdated}
	values := map[string]types.AttributeValue{":v": num(o.Version), ":one": num(1), ":now": str(s.Now().Format(time.RFC3339Nano))}
	set := "SET #u = :now"
	if ch.Name != nil {
		before["name"], after["name"] = o.Name, *ch.Name
		o.Name = *ch.Name
		names["#n"] = "name"
		values[":n"] = str(o.Name)
		set += ", #n = :n"
	}
	if ch.DefaultResourceAccess != nil {
		before["defaultResourceAccess"], after["defaultResourceAccess"] = o.Settings.DefaultResourceAccess, *ch.DefaultResourceAccess
		o.Settings.DefaultResourceAccess = *ch.DefaultResourceAccess
		names["#s"] = "settings"
		values[":s"] = jsonAV(o.Settings)
		set += ", #s = :s"
	}
	t := s.tx().update(orgKey(orgID), set+" ADD #v :one", "#v = :v", errOrgChanged, names, values)
	t.audit(s.NewAudit(actor, orgID, "org.update", orgID, before, after))
	if err := t.commit(ctx); err != nil {
		return nil, fmt.Errorf("update org %s: %w", orgID, err)
	}
	return s.Org(ctx, orgID)
}

// DeleteOrg deletes an org that has no sub-orgs. The org item goes first, in
// one transaction with the parent's counter and the audit event (kept in the
// platform's audit log, since the org's own goes with it): from then on the
// org is unreachable. The rest of its partition is then removed in batches;
// anything left by a failure there is unreachable garbage, never data that a
// request could see.
func (s *Store) DeleteOrg(ctx context.Context, orgID string, actor gatehouse.Actor) error {
	if err := s.deleteOrgItem(ctx, orgID, actor); err != nil {
		return err
	}
	return s.finishOrgPurge(ctx, orgID)
}

// deleteOrgItem is DeleteOrg's one transaction: the org item, the
// counters of its ancestors, the audit events and the tombstone
// (orgpurge.go).
func (s *Store) deleteOrgItem(ctx context.Context, orgID string, actor gatehouse.Actor) error {
	o, err := s.Org(ctx, orgID)
	if err != nil {
		return err
	}
	if o.Usage.SubOrgCount > 0 {
		return errHasSubOrgs(o.Usage.SubOrgCount)
	}
	t := s.tx().delete(orgKey(orgID), "#v = :v AND (attribute_not_exists(#sc) OR #sc = :zero)", errOrgChanged,
		map[string]string{"#v": attrVersion, "#sc": "subOrgCount"},
		map[string]types.AttributeValue{":v": num(o.Version), ":zero": num(0)})
	// Its seats and resources leave the subtree counts of its ancestors
	// (members.go, resources.go), and the parent counts one sub-org less.
	for _, a := range o.Ancestors {
		names := map[string]string{"#pk": tabledef.PK, "#ts": attrTreeSeats}
		values := map[string]types.AttributeValue{":seats": num(-int64(o.Usage.SubtreeSeats))}
		adds := []string{"#ts :seats"}
		if a == o.ParentID {
			names["#sc"], values[":minus"] = "subOrgCount", num(-1)
			adds = append(adds, "#sc :minus")
		}
		for i, typ := range slices.Sorted(maps.Keys(o.Usage.SubtreeResources)) {
			n := strconv.Itoa(i)
			names["#tr"+n], values[":tr"+n] = attrTreeResPrefix+typ, num(-int64(o.Usage.SubtreeResources[typ]))
			adds = append(adds, "#tr"+n+" :tr"+n)
		}
		t.update(orgKey(a), "ADD "+strings.Join(adds, ", "), "attribute_exists(#pk)", nil, names, values)
	}
	// Verified domains: the org's claims go with it (docs/domains.md).
	for _, d := range o.VerifiedDomains {
		t.releaseClaim(orgID, d)
	}
	ev := s.NewAudit(actor, "", "org.delete", orgID, map[string]any{"name": o.Name, "parentId": o.ParentID}, nil)
	t.audit(ev)
	if o.ParentID != "" {
		// The parent's own log records it too: its admins read that one.
		t.audit(s.NewAudit(actor, o.ParentID, "suborg.delete", orgID, map[string]any{"name": o.Name}, nil))
	}
	// The tombstone: the partition left behind is drained below, and by
	// the sweep should this request end first (orgpurge.go).
	t.create(orgPurgeItem(orgID, s.Now()), gatehouse.Errorf(gatehouse.CodeConflict, "the org is already being deleted"))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("delete org %s: %w", orgID, err)
	}
	return nil
}

// purgePartition deletes every item of a partition, and the secret items its
// API tokens and invites point to.
func (s *Store) purgePartition(ctx context.Context, r keyRange) error {
	in := queryRange(r)
	in.ConsistentRead = nil // a purge needs no consistent read
	for {
		page, err := s.query(ctx, in)
		if err != nil {
			return err
		}
		var keys []Key
		for _, raw := range page.Items {
			it := item(raw)
			keys = append(keys, it.key())
			if h := it.getS("secretHash"); h != "" {
				keys = append(keys, secretKey(h))
			}
			// An invite's link goes with it (its secret would otherwise
			// live until its TTL, pointing at nothing).
			if h := it.getS("tokenHash"); h != "" {
				keys = append(keys, secretKey(h))
			}
		}
		if err := s.batchDelete(ctx, keys); err != nil {
			return err
		}
		if len(page.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// batchDelete deletes items 25 at a time, retrying unprocessed ones.
func (s *Store) batchDelete(ctx context.Context, keys []Key) error {
	for start := 0; start < len(keys); start += 25 {
		var reqs []types.WriteRequest
		for _, k := range keys[start:min(start+25, len(keys))] {
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: keyAV(k)}})
		}
		for attempt := 0; len(reqs) > 0; attempt++ {
			if attempt > 5 {
				return errors.New("batch delete: items left unprocessed")
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.table: reqs}})
			if err != nil {
				return fmt.Errorf("batch delete: %w", err)
			}
			reqs = out.UnprocessedItems[s.table]
			if len(reqs) > 0 {
				if err := pause(ctx, time.Duration(10<<attempt)*time.Millisecond); err != nil {
					return fmt.Errorf("batch delete: %w", err)
				}
			}
		}
	}
	return nil
}
