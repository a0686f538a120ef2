package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Custom roles live on the org item (customRoles, JSON) so the authorizer
// reads an org's whole policy in one item. Every change replaces the map
// guarded by the org's version. A custom role still held by a member
// (roleHolders_<roleId> > 0, kept by every membership write) cannot be
// deleted: the delete is refused with 409 conflict.

// ErrRoleInUse is returned when deleting a custom role still assigned.
var ErrRoleInUse = gatehouse.Errorf(gatehouse.CodeConflict, "the role is still assigned to members or groups; unassign it first")

// RoleChange is a change of an org's custom roles.
type RoleChange struct {
	Org *gatehouse.Org // as read: its version guards the write
	// Roles is the complete new map of custom roles.
	Roles map[string]gatehouse.Role
	// Deleted names a role being deleted: it must have no holders.
	Deleted string
	Audit   gatehouse.AuditEvent
}

// SaveCustomRoles writes an org's custom roles with its audit event: one
// transaction guarded by the org's version (and, on delete, by the role
// having no holders).
func (s *Store) SaveCustomRoles(ctx context.Context, c RoleChange) error {
	names := map[string]string{"#cr": "customRoles", "#v": attrVersion, "#u": attrUpdated}
	values := map[string]types.AttributeValue{
		":v": num(c.Org.Version), ":one": num(1), ":now": str(s.Now().Format(time.RFC3339Nano)),
	}
	cond := "#v = :v"
	if c.Deleted != "" {
		names["#rh"] = attrRoleHoldersPrefix + c.Deleted
		values[":zero"] = num(0)
		cond += " AND (attribute_not_exists(#rh) OR #rh = :zero)"
	}
	roles := newItem(Key{}).setJSON("customRoles", nonNilRoles(c.Roles))["customRoles"]
	values[":cr"] = roles
	t := s.tx().update(orgKey(c.Org.ID), "SET #cr = :cr, #u = :now ADD #v :one", cond, errOrgCondition, names, values)
	t.audit(c.Audit)
	err := t.commit(ctx)
	if errors.Is(err, errOrgCondition) {
		o, rerr := s.Org(ctx, c.Org.ID)
		switch {
		case rerr != nil:
			err = rerr
		case o.Version != c.Org.Version:
			err = ErrOrgChanged
		default:
			err = ErrRoleInUse
		}
	}
	if err != nil {
		return fmt.Errorf("save custom roles of %s: %w", c.Org.ID, err)
	}
	c.Org.CustomRoles = c.Roles
	c.Org.Version++
	return nil
}

// RoleHolders reads how many memberships hold each custom role of an org.
func (s *Store) RoleHolders(ctx context.Context, orgID string) (map[string]int, error) {
	it, err := s.get(ctx, orgKey(orgID), true, "org")
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for name := range it {
		if len(name) > len(attrRoleHoldersPrefix) && name[:len(attrRoleHoldersPrefix)] == attrRoleHoldersPrefix {
			out[name[len(attrRoleHoldersPrefix):]] = it.getInt(name)
		}
	}
	return out, nil
}
