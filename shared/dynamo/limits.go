package dynamo

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Org quotas live on the org item: maxMembers (with memberCount) and one
// top-level attribute per resource type, maxRes_<type> (with
// resCount_<type>). -1 or an absent attribute is unlimited. The membership
// and resource transactions compare the counters with these attributes in
// their conditions; this file only sets the quotas.

// Limit names as they appear in limit_exceeded problems.
const (
	LimitMaxMembers = "maxMembers"
	// LimitMaxResourcesPrefix is followed by the resource type.
	LimitMaxResourcesPrefix = "maxResources."
)

// QuotaChanges are the quotas a PUT /limits names; nil and absent types are
// left as they are. -1 is unlimited.
type QuotaChanges struct {
	MaxMembers   *int
	MaxResources map[string]int
}

// MembershipsIn reads a user's memberships of the given orgs (those that
// exist), in one BatchGetItem: an org's ancestors, for rule 5.
func (s *Store) MembershipsIn(ctx context.Context, userID string, orgIDs []string) ([]*gatehouse.Membership, error) {
	if len(orgIDs) == 0 {
		return nil, nil
	}
	keys := make([]Key, 0, len(orgIDs))
	for _, o := range orgIDs {
		keys = append(keys, memberKey(o, userID))
	}
	got, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("memberships of %s: %w", userID, err)
	}
	var out []*gatehouse.Membership
	for _, k := range keys {
		if it, ok := got[k]; ok {
			out = append(out, decodeMembership(it))
		}
	}
	return out, nil
}

// SetOrgQuotas changes an org's quotas in one transaction with its audit
// event, and returns the org as it is afterwards.
//
// Rules (docs/limits-and-expiry.md):
//   - lowering a finite quota is always allowed, even below current usage:
//     new members or resources are refused, existing ones stay;
//   - raising a sub-org's quota is allowed only up to what its parent has
//     left, parent quota − parent usage; an unlimited (-1) quota under a
//     limited parent is refused. The parent's quota and a bound on its usage
//     are conditions of the transaction, so the decision holds at commit.
//
// Exceeding the parent's remainder fails with limit_exceeded naming the
// limit (maxMembers or maxResources.<type>), and nothing is written.
func (s *Store) SetOrgQuotas(ctx context.Context, orgID string, ch QuotaChanges, actor gatehouse.Actor) (*gatehouse.Org, error) {
	org, err := s.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var parent *gatehouse.Org
	if org.ParentID != "" {
		if parent, err = s.Org(ctx, org.ParentID); err != nil {
			return nil, fmt.Errorf("parent of %s: %w", orgID, err)
		}
	}

	now := s.Now()
	conflict := gatehouse.Errorf(gatehouse.CodeConflict, "the org's limits changed meanwhile; retry")
	names := map[string]string{"#pk": tabledef.PK, "#v": attrVersion, "#u": attrUpdated}
	values := map[string]types.AttributeValue{":one": num(1), ":now": str(now.Format(time.RFC3339Nano))}
	set := []string{"#u = :now"}
	cond := []string{"attribute_exists(#pk)"}

	var pnames map[string]string
	var pvalues map[string]types.AttributeValue
	var pcond []string
	if parent != nil {
		pnames = map[string]string{}
		pvalues = map[string]types.AttributeValue{}
	}
	before, after := map[string]any{}, map[string]any{}

	// dim handles one quota: its attribute names on the org, the old and
	// new values and the parent's quota and usage.
	dim := func(i int, limit, maxAttr, countAttr string, old, q, pmax, pused int) error {
		n := strconv.Itoa(i)
		names["#m"+n] = maxAttr
		values[":q"+n] = num(int64(q))
		set = append(set, "#m"+n+" = :q"+n)
		// The org's current value is a condition: "lowering" must still
		// be lowering at commit.
		if old == -1 {
			values[":neg"] = num(-1)
			cond = append(cond, "(attribute_not_exists(#m"+n+") OR #m"+n+" = :neg)")
		} else {
			values[":o"+n] = num(int64(old))
			cond = append(cond, "#m"+n+" = :o"+n)
		}
		before[limit], after[limit] = old, q
		// Lowering a finite quota is always allowed; leaving "unlimited"
		// under a limited parent is bounded like raising.
		lowering := old != -1 && q != -1 && q <= old
		if parent == nil || lowering {
			return nil
		}
		if pmax == -1 {
			pnames["#pm"+n] = maxAttr
			pvalues[":neg"] = num(-1)
			pcond = append(pcond, "(attribute_not_exists(#pm"+n+") OR #pm"+n+" = :neg)")
			return nil
		}
		left := max(pmax-pused, 0)
		if q == -1 || q > left {
			return gatehouse.LimitExceeded(limit, "%s cannot exceed what the parent org has left (%d)", limit, left)
		}
		pnames["#pm"+n], pnames["#pc"+n] = maxAttr, countAttr
		pvalues[":pm"+n], pvalues[":pb"+n] = num(int64(pmax)), num(int64(pmax-q))
		pcond = append(pcond, "#pm"+n+" = :pm"+n+" AND (attribute_not_exists(#pc"+n+") OR #pc"+n+" <= :pb"+n+")")
		return nil
	}

	i := 0
	if ch.MaxMembers != nil {
		pmax, pused := -1, 0
		if parent != nil {
			// The parent's seats: members and pending invites (memberCount).
			pmax, pused = parent.Quotas.MaxMembers, parent.Usage.Seats()
		}
		if err := dim(i, LimitMaxMembers, "maxMembers", attrMemberCount, org.Quotas.MaxMembers, *ch.MaxMembers, pmax, pused); err != nil {
			return nil, err
		}
		org.Quotas.MaxMembers = *ch.MaxMembers
		i++
	}
	kinds := make([]string, 0, len(ch.MaxResources))
	for t := range ch.MaxResources {
		kinds = append(kinds, t)
	}
	sort.Strings(kinds)
	for _, t := range kinds {
		q := ch.MaxResources[t]
		old := quotaOfType(org.Quotas.MaxResources, t)
		pmax, pused := -1, 0
		if parent != nil {
			pmax, pused = quotaOfType(parent.Quotas.MaxResources, t), parent.Usage.Resources[t]
		}
		if err := dim(i, LimitMaxResourcesPrefix+t, attrMaxResPrefix+t, attrResCountPrefix+t, old, q, pmax, pused); err != nil {
			return nil, err
		}
		org.Quotas.MaxResources[t] = q
		i++
	}

	expr := "SET " + strings.Join(set, ", ") + " ADD #v :one"
	tr := s.tx().update(orgKey(orgID), expr, strings.Join(cond, " AND "), conflict, names, values)
	if len(pcond) > 0 {
		// Under a limited parent, a failed parent condition means its quota
		// or usage moved since it was read: the remainder is no longer
		// what was checked.
		tr.check(orgKey(parent.ID), strings.Join(pcond, " AND "),
			gatehouse.LimitExceeded(firstQuotaLimit(ch), "the parent org's limits or usage changed; what it has left is no longer enough"),
			pnames, pvalues)
	}
	tr.audit(s.NewAudit(actor, orgID, "limits.update", orgID, before, after))
	if err := tr.commit(ctx); err != nil {
		return nil, fmt.Errorf("set quotas of %s: %w", orgID, err)
	}
	org.Version++
	org.UpdatedAt = now
	return org, nil
}

// quotaOf reads a per-type quota; absent is unlimited.
func quotaOfType(m map[string]int, t string) int {
	if n, ok := m[t]; ok {
		return n
	}
	return -1
}

func firstQuotaLimit(ch QuotaChanges) string {
	if ch.MaxMembers != nil {
		return LimitMaxMembers
	}
	ts := make([]string, 0, len(ch.MaxResources))
	for t := range ch.MaxResources {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	if len(ts) > 0 {
		return LimitMaxResourcesPrefix + ts[0]
	}
	return ""
}
