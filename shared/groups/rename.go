package groups

import (
	"context"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Renamer is the store's group rename (*dynamo.Store).
type Renamer interface {
	RenameGroup(ctx context.Context, g *gatehouse.Group, name string, actor gatehouse.Actor) error
}

// Rename renames a group (SCIM, docs/scim.md). A name gives nothing: no
// escalation check; the built-in group keeps its name.
func (s *Service) Rename(ctx context.Context, caller *gatehouse.Caller, orgID, gid, name string) (*gatehouse.Group, error) {
	name = strings.TrimSpace(name)
	var v gatehouse.Validator
	v.Check(name != "" && gatehouse.PrintableText(name, 100), "displayName", "must be 1 to 100 printable characters")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if gid == dynamo.GroupAll {
		return nil, gatehouse.Errorf(gatehouse.CodeConflict, "the built-in group cannot be renamed")
	}
	r, ok := s.store.(Renamer)
	if !ok {
		return nil, gatehouse.Errorf(gatehouse.CodeInternal, "groups cannot be renamed here")
	}
	_, g, err := s.group(ctx, orgID, gid)
	if err != nil {
		return nil, err
	}
	if g.Name == name {
		return g, nil
	}
	if err := r.RenameGroup(ctx, g, name, caller.Actor); err != nil {
		return nil, err
	}
	g.Name = name
	return g, nil
}
