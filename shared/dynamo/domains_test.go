package dynamo_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
)

func dmOrg(t *testing.T, env *dynamotest.Env) *gatehouse.Org {
	t.Helper()
	ctx := context.Background()
	now := env.Store.Now()
	u := &gatehouse.User{ID: ids.New("usr"), Email: ids.New("u") + "@example.test", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now, UpdatedAt: now}
	if err := env.PutUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	o := &gatehouse.Org{ID: ids.New("org"), Name: "o", Quotas: gatehouse.Quotas{MaxMembers: -1}, CreatedAt: now, UpdatedAt: now}
	if err := env.Store.CreateOrg(ctx, o, dynamo.OwnerMembership(o.ID, u.ID, -1, now), gatehouse.Actor{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	got, err := env.Store.Org(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func dmDomain(t *testing.T, env *dynamotest.Env, o *gatehouse.Org, name string) *gatehouse.Domain {
	t.Helper()
	d := &gatehouse.Domain{OrgID: o.ID, Domain: name, Status: gatehouse.DomainPending, JoinPolicy: gatehouse.JoinNone, JoinRole: "viewer", CreatedAt: env.Store.Now(), Version: 1}
	if err := env.Store.AddDomain(context.Background(), d, env.Store.NewAudit(gatehouse.Actor{}, o.ID, "domain.add", name, nil, nil)); err != nil {
		t.Fatal(err)
	}
	return d
}

func dmVerify(env *dynamotest.Env, o *gatehouse.Org, d *gatehouse.Domain) error {
	after := *d
	after.Status = gatehouse.DomainVerified
	return env.Store.VerifyDomain(context.Background(), o, d, &after, env.Store.NewAudit(gatehouse.Actor{}, o.ID, "domain.verify", d.Domain, nil, nil))
}

// TestDomainClaimIsUnique: of orgs verifying the same domain at once,
// exactly one claims it (the claim's conditional write), and only its
// verifiedDomains holds the domain.
func TestDomainClaimIsUnique(t *testing.T) {
	t.Parallel()
	env := dynamotest.New(t)
	ctx := context.Background()
	const n = 5
	orgs := make([]*gatehouse.Org, n)
	doms := make([]*gatehouse.Domain, n)
	for i := range n {
		orgs[i] = dmOrg(t, env)
		doms[i] = dmDomain(t, env, orgs[i], "race.example.test")
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = dmVerify(env, orgs[i], doms[i]) })
	}
	wg.Wait()
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
		case !errors.Is(err, dynamo.ErrDomainClaimed) && gatehouse.ErrorCode(err) != gatehouse.CodeConflict:
			t.Errorf("org %d: %v, want domain_claimed or a conflict", i, err)
		}
	}
	if winners != 1 {
		t.Fatalf("%d orgs verified the domain, want exactly 1 (%v)", winners, errs)
	}
	cl, err := env.Store.DomainClaim(ctx, "race.example.test")
	if err != nil || cl == nil {
		t.Fatalf("claim %v %v, want one", cl, err)
	}
	holders := 0
	for _, o := range orgs {
		got, _ := env.Store.Org(ctx, o.ID)
		if slices.Contains(got.VerifiedDomains, "race.example.test") {
			holders++
			if got.ID != cl.OrgID {
				t.Errorf("org %s lists the domain, the claim names %s", got.ID, cl.OrgID)
			}
		}
	}
	if holders != 1 {
		t.Errorf("%d orgs list the domain as verified, want 1", holders)
	}
}

// TestDeleteOrgReleasesItsDomains: a deleted org's claims go with it, so
// another org may verify the domain.
func TestDeleteOrgReleasesItsDomains(t *testing.T) {
	t.Parallel()
	env := dynamotest.New(t)
	ctx := context.Background()
	a, b := dmOrg(t, env), dmOrg(t, env)
	da := dmDomain(t, env, a, "gone.example.test")
	if err := dmVerify(env, a, da); err != nil {
		t.Fatal(err)
	}
	db := dmDomain(t, env, b, "gone.example.test")
	if err := dmVerify(env, b, db); !errors.Is(err, dynamo.ErrDomainClaimed) {
		t.Fatalf("second org verifying: %v, want domain_claimed", err)
	}
	if err := env.Store.DeleteOrg(ctx, a.ID, gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	if cl, err := env.Store.DomainClaim(ctx, "gone.example.test"); err != nil || cl != nil {
		t.Fatalf("claim %+v %v after the org was deleted, want none", cl, err)
	}
	b, _ = env.Store.Org(ctx, b.ID)
	if err := dmVerify(env, b, db); err != nil {
		t.Fatalf("verify after release: %v", err)
	}
}
