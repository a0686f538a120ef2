package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// RenameGroup renames a group, with its audit event: one transaction. The
// group must exist at commit time.
func (s *Store) RenameGroup(ctx context.Context, g *gatehouse.Group, name string, actor gatehouse.Actor) error {
	t := s.tx()
	t.update(groupKey(g.OrgID, g.ID), "SET #n = :n", "attribute_exists(#pk)", gatehouse.NotFound("group"),
		map[string]string{"#n": "name", "#pk": tabledef.PK}, map[string]types.AttributeValue{":n": str(name)})
	t.audit(s.NewAudit(actor, g.OrgID, "group.rename", g.ID, map[string]any{"name": g.Name}, map[string]any{"name": name}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("rename group %s: %w", g.ID, err)
	}
	return nil
}
