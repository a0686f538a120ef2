package dynamo_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// TestRemovalRevokesWhatTheMemberHolds (rule 6): removing a member revokes
// its active API tokens in the org, whether they fit in the removal's one
// transaction or not (the surplus goes first, in steps of their own), and
// leaves other members' tokens alone. A token created after the removal
// read the membership fails the removal instead of outliving it.
func TestRemovalRevokesWhatTheMemberHolds(t *testing.T) {
	for _, n := range []int{1, 60} {
		t.Run(fmt.Sprintf("%d tokens", n), func(t *testing.T) {
			env := dynamotest.New(t)
			ctx := context.Background()
			o, m := memberFixture(t, env) // u2, a member of owner1's org
			now := env.Store.Now()
			mk := func(id, user string) {
				t.Helper()
				tok := &gatehouse.APIToken{ID: id, OrgID: o.ID, UserID: user, Name: id, Status: gatehouse.StatusActive, CreatedAt: now, CreatedBy: user}
				if err := env.Store.CreateAPIToken(ctx, tok, "hash-"+id, gatehouse.Actor{UserID: user}); err != nil {
					t.Fatalf("create token %s: %v", id, err)
				}
			}
			for i := range n {
				mk(fmt.Sprintf("tok_%02d", i), "u2")
			}
			mk("tok_owner", "owner1")
			// The membership read before the tokens is stale now: refused.
			err := env.Store.RemoveMember(ctx, dynamo.MemberRemoval{Member: m, Org: o})
			if gatehouse.ErrorCode(err) != gatehouse.CodeConflict {
				t.Fatalf("removal with a stale membership: %v, want conflict", err)
			}
			m, _ = env.Store.Membership(ctx, o.ID, "u2")
			if err := env.Store.RemoveMember(ctx, dynamo.MemberRemoval{Member: m, Org: o,
				Audit: []gatehouse.AuditEvent{env.Store.NewAudit(gatehouse.Actor{UserID: "owner1"}, o.ID, "member.remove", "u2", nil, nil)}}); err != nil {
				t.Fatalf("RemoveMember: %v", err)
			}
			for i := range n {
				tok, _, err := env.Store.APIToken(ctx, o.ID, fmt.Sprintf("tok_%02d", i))
				if err != nil || tok.Status != gatehouse.StatusRevoked {
					t.Errorf("token %d after removal: %+v %v, want revoked", i, tok, err)
				}
			}
			if tok, _, _ := env.Store.APIToken(ctx, o.ID, "tok_owner"); tok.Status != gatehouse.StatusActive {
				t.Errorf("another member's token: %s, want active", tok.Status)
			}
		})
	}
}
