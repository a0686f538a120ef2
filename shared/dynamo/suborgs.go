package dynamo

import (
	"context"
	"fmt"

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
func (s *Store) CreateSubOrg(ctx context.Context, parent *gatehouse.Org, child *gatehouse.Org, owner *gatehouse.Membership, actor gatehouse.Actor) error {
	if child.ParentID != parent.ID || len(child.Ancestors) != len(parent.Ancestors)+1 {
		return fmt.Errorf("create sub-org %s: ancestry does not match its parent", child.ID)
	}
	t := s.tx()
	t.update(orgKey(parent.ID), "ADD #n :one", "attribute_exists(#pk)", gatehouse.NotFound("org"),
		map[string]string{"#n": "subOrgCount", "#pk": tabledef.PK}, map[string]types.AttributeValue{":one": num(1)})
	s.addCreateOrg(t, child, owner)
	t.audit(s.NewAudit(actor, parent.ID, "suborg.create", child.ID, nil, map[string]any{"name": child.Name}))
	// The child's own log does not name the parent: its members see
	// nothing of the orgs above it.
	t.audit(s.NewAudit(actor, child.ID, "org.create", child.ID, nil, map[string]any{"name": child.Name, "subOrg": true}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("create sub-org of %s: %w", parent.ID, err)
	}
	return nil
}

// SubOrgsPage lists the children of an org by id after the child id after.
func (s *Store) SubOrgsPage(ctx context.Context, parentID, after string, limit int) ([]*gatehouse.Org, string, error) {
	items, more, err := s.rangeAfter(ctx, tabledef.InverseIndex, tabledef.GSI1PK, tabledef.GSI1SK,
		childInverse(parentID, "").PK, prefixOrg, prefixOrg, after, limit)
	if err != nil {
		return nil, "", fmt.Errorf("sub-orgs of %s: %w", parentID, err)
	}
	out := make([]*gatehouse.Org, 0, len(items))
	for _, it := range items {
		out = append(out, decodeOrg(it))
	}
	next := ""
	if more && len(out) > 0 {
		next = out[len(out)-1].ID
	}
	return out, next, nil
}
