package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// TestGroupsInFull: one group is read, renamed (audited) and its members
// listed page by page; a member without groups:manage cannot rename, bad
// names change nothing, and the built-in group keeps its name.
func TestGroupsInFull(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	dev := mbMember(t, owner, org, "developer")
	viewer := mbMember(t, owner, org, "viewer")
	base := "/v1/orgs/" + org + "/groups"

	type group struct {
		ID          string   `json:"id"`
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Roles       []string `json:"roles"`
		MemberCount int      `json:"memberCount"`
	}
	var g group
	if st := owner.DoJSON(t, "POST", base, map[string]any{"name": "Installers", "description": "field team"}, &g); st != http.StatusCreated {
		t.Fatalf("create group: %d", st)
	}
	for _, u := range []*Client{dev, viewer} {
		if st, raw := owner.Do(t, "PUT", base+"/"+g.ID+"/members/"+u.Sub, nil); st != http.StatusNoContent {
			t.Fatalf("add member: %d %s", st, raw)
		}
	}

	// Read one group: a developer holds groups:read.
	var got group
	if st := dev.DoJSON(t, "GET", base+"/"+g.ID, nil, &got); st != http.StatusOK || got.Name != "Installers" || got.MemberCount != 2 || got.Roles == nil {
		t.Fatalf("get group: %d %+v, want Installers with 2 members and a roles list", st, got)
	}
	st, raw := dev.Do(t, "GET", base+"/grp_aaaaaaaaaaaaaaaaaaaaaaaaaa", nil)
	requireProblem(t, st, raw, http.StatusNotFound, gatehouse.CodeNotFound)
	var all group
	if st := dev.DoJSON(t, "GET", base+"/all", nil, &all); st != http.StatusOK || all.ID != "all" {
		t.Errorf("get built-in group: %d %+v", st, all)
	}

	// Renaming needs groups:manage: the developer is refused at the gate.
	r := dev.DoRaw(t, "PATCH", base+"/"+g.ID, []byte(`{"name":"Mine"}`), nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	for _, bad := range []map[string]any{{}, {"name": ""}, {"name": "a\x07b"}, {"name": strings.Repeat("x", 101)}, {"description": "line\nbreak"}} {
		st, raw := owner.Do(t, "PATCH", base+"/"+g.ID, bad)
		requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	}
	st, raw = owner.Do(t, "PATCH", base+"/all", map[string]any{"name": "Everyone"})
	requireProblem(t, st, raw, http.StatusConflict, gatehouse.CodeConflict)
	if st := dev.DoJSON(t, "GET", base+"/"+g.ID, nil, &got); st != http.StatusOK || got.Name != "Installers" || got.Description != "field team" {
		t.Fatalf("refused renames changed the group: %+v", got)
	}

	if st := owner.DoJSON(t, "PATCH", base+"/"+g.ID, map[string]any{"name": "  Fitters  "}, &got); st != http.StatusOK || got.Name != "Fitters" || got.Description != "field team" {
		t.Fatalf("rename: %d %+v, want Fitters keeping its description", st, got)
	}
	got = group{} // description is left out when empty
	if st := owner.DoJSON(t, "PATCH", base+"/"+g.ID, map[string]any{"description": ""}, &got); st != http.StatusOK || got.Description != "" || got.Name != "Fitters" {
		t.Fatalf("clear description: %d %+v", st, got)
	}
	got = group{}
	if st := dev.DoJSON(t, "GET", base+"/"+g.ID, nil, &got); st != http.StatusOK || got.Name != "Fitters" || got.Description != "" {
		t.Errorf("after rename the group reads %+v", got)
	}
	events := mbAudit(t, owner, org, "?target="+g.ID)
	if len(events) == 0 || events[0].Action != "group.update" || events[0].ActorID != owner.Sub {
		t.Errorf("newest audit event on the group: %+v, want group.update by the owner", events)
	}

	// Members, one per page: both, then no more. A viewer holds no
	// groups:read.
	r = viewer.DoRaw(t, "GET", base+"/"+g.ID+"/members", nil, nil)
	requireRefusal(t, r, http.StatusForbidden, gatehouse.CodeForbidden, gatehouse.ReasonMissingPerm)
	var ids []string
	cursor := ""
	for range 5 {
		var page struct {
			Items []struct {
				UserID string `json:"userId"`
			} `json:"items"`
			NextCursor string `json:"nextCursor"`
		}
		if st := dev.DoJSON(t, "GET", base+"/"+g.ID+"/members?limit=1&cursor="+cursor, nil, &page); st != http.StatusOK {
			t.Fatalf("members page: %d", st)
		}
		for _, it := range page.Items {
			ids = append(ids, it.UserID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	slices.Sort(ids)
	want := []string{dev.Sub, viewer.Sub}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("group members %v, want %v", ids, want)
	}
	// A cursor of another list is refused.
	var gp struct {
		NextCursor string `json:"nextCursor"`
	}
	owner.DoJSON(t, "GET", base+"?limit=1", nil, &gp)
	st, raw = owner.Do(t, "GET", base+"/"+g.ID+"/members?cursor="+gp.NextCursor, nil)
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
	st, raw = owner.Do(t, "GET", base+"/all/members", nil)
	requireProblem(t, st, raw, http.StatusBadRequest, gatehouse.CodeValidation)
}
