package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// MaxOrgDepth bounds the org tree: an org has at most this many ancestors,
// which bounds the authorizer's read of ancestor memberships (rule 5).
const MaxOrgDepth = 8

// CreateSubOrg stores a child org of parent with its first owner, and counts
// it on the parent's subOrgCount: one transaction with both audit events
// (the parent records the creation, the child its birth).
//
// A child never starts with more than its parent has left: for each quota
// the parent limits (maxMembers, maxRes_<type> other than -1), the child's
// quota is at most the parent's quota minus the parent's usage (seats:
// members and pending invites; resources of the type), the rule of
// SetOrgQuotas (docs/limits-and-expiry.md); a quota the child asks for
// that is lower is kept. The parent's version (its quotas) and usage
// bounds are conditions of the same transaction; when the parent moved
// meanwhile it is read again and the bounds recomputed (a few times).
// The creator's owner membership is not refused when the parent has
// nothing left: the child starts at its quota 0, with one member.
func (s *Store) CreateSubOrg(ctx context.Context, parent *gatehouse.Org, child *gatehouse.Org, owner *gatehouse.Membership, actor gatehouse.Actor) error {
	if child.ParentID != parent.ID || len(child.Ancestors) != len(parent.Ancestors)+1 {
		return fmt.Errorf("create sub-org %s: ancestry does not match its parent", child.ID)
	}
	asked := child.Quotas
	for attempt := 0; ; attempt++ {
		child.Quotas = boundByParent(asked, parent)
		err := s.createSubOrg(ctx, parent, child, owner, actor)
		if !errors.Is(err, errParentMoved) {
			return err
		}
		if attempt == 2 {
			return fmt.Errorf("create sub-org of %s: %w", parent.ID, ErrOrgChanged)
		}
		if parent, err = s.Org(ctx, parent.ID); err != nil {
			return fmt.Errorf("create sub-org of %s: %w", child.ParentID, err)
		}
	}
}

// errParentMoved: the parent's quotas or usage changed between its read
// and the sub-org's creation.
var errParentMoved = errors.New("the parent org changed")

// boundByParent returns the quotas asked for a new child of parent, each
// quota the parent limits cut to what the parent has left (never below 0).
func boundByParent(asked gatehouse.Quotas, parent *gatehouse.Org) gatehouse.Quotas {
	bound := func(q, pmax, pused int) int {
		if pmax < 0 {
			return q
		}
		left := max(pmax-pused, 0)
		if q < 0 || q > left {
			return left
		}
		return q
	}
	out := gatehouse.Quotas{
		MaxMembers:   bound(asked.MaxMembers, parent.Quotas.MaxMembers, parent.Usage.Seats()),
		MaxResources: maps.Clone(asked.MaxResources),
	}
	if out.MaxResources == nil {
		out.MaxResources = map[string]int{}
	}
	for t, pmax := range parent.Quotas.MaxResources {
		if pmax < 0 {
			continue
		}
		out.MaxResources[t] = bound(quotaOfType(asked.MaxResources, t), pmax, parent.Usage.Resources[t])
	}
	return out
}

func (s *Store) createSubOrg(ctx context.Context, parent, child *gatehouse.Org, owner *gatehouse.Membership, actor gatehouse.Actor) error {
	names := map[string]string{"#n": "subOrgCount", "#pk": tabledef.PK, "#v": attrVersion}
	values := map[string]types.AttributeValue{":one": num(1), ":v": num(parent.Version)}
	// The version pins the parent's quotas (SetOrgQuotas moves it); usage
	// moves without it, so each bound used is a condition of its own.
	conds := []string{"attribute_exists(#pk)", "#v = :v"}
	if parent.Quotas.MaxMembers >= 0 {
		names["#mc"] = attrMemberCount
		values[":mc"] = num(int64(parent.Usage.Seats()))
		conds = append(conds, "(attribute_not_exists(#mc) OR #mc <= :mc)")
	}
	limited := make([]string, 0, len(parent.Quotas.MaxResources))
	for t, pmax := range parent.Quotas.MaxResources {
		if pmax >= 0 {
			limited = append(limited, t)
		}
	}
	sort.Strings(limited)
	for i, t := range limited {
		n := strconv.Itoa(i)
		names["#rc"+n] = attrResCountPrefix + t
		values[":rc"+n] = num(int64(parent.Usage.Resources[t]))
		conds = append(conds, "(attribute_not_exists(#rc"+n+") OR #rc"+n+" <= :rc"+n+")")
	}
	t := s.tx()
	t.update(orgKey(parent.ID), "ADD #n :one", strings.Join(conds, " AND "), errParentMoved, names, values)
	child.Usage.Members, child.Usage.Owners = 1, 1
	it := orgItem(child)
	// A bound of 0 is a quota here, not the "unset" zero value orgItem
	// reads as unlimited.
	it.setN("maxMembers", int64(child.Quotas.MaxMembers))
	t.create(it, gatehouse.Errorf(gatehouse.CodeConflict, "the org already exists"))
	t.create(membershipItem(owner), gatehouse.Errorf(gatehouse.CodeConflict, "already a member"))
	created := map[string]any{"name": child.Name, "maxMembers": child.Quotas.MaxMembers}
	if len(child.Quotas.MaxResources) > 0 {
		created["maxResources"] = child.Quotas.MaxResources
	}
	t.audit(s.NewAudit(actor, parent.ID, "suborg.create", child.ID, nil, created))
	// The child's own log does not name the parent: its members see
	// nothing of the orgs above it.
	t.audit(s.NewAudit(actor, child.ID, "org.create", child.ID, nil, map[string]any{"name": child.Name, "subOrg": true}))
	if err := t.commit(ctx); err != nil {
		if errors.Is(err, errParentMoved) {
			return err
		}
		return fmt.Errorf("create sub-org of %s: %w", parent.ID, err)
	}
	return nil
}

// SubOrgsPage lists one page of the children of an org, by id.
func (s *Store) SubOrgsPage(ctx context.Context, parentID string, limit int, cursor string) ([]*gatehouse.Org, string, error) {
	items, next, err := s.page(ctx, list{name: listSubOrgs, org: parentID, rng: subOrgsRange(parentID)}, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]*gatehouse.Org, 0, len(items))
	for _, it := range items {
		out = append(out, decodeOrg(it))
	}
	return out, next, nil
}
