package dynamo

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// DeleteOrgItemForTest is DeleteOrg's transaction alone, as a request
// that ended before draining the org's partition leaves it.
func DeleteOrgItemForTest(ctx context.Context, s *Store, orgID string, actor gatehouse.Actor) error {
	return s.deleteOrgItem(ctx, orgID, actor)
}
