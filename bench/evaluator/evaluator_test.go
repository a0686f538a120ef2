package evaluator

import (
	"math/rand/v2"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
)

// TestSameDecisions checks, before anything is timed, that Casbin and the
// evaluator reach the same decision on a sample: every user of the world
// with a random membership, every resource action, every resource.
func TestSameDecisions(t *testing.T) {
	w := NewWorld()
	resources := append([]*authz.Resource{w.Big}, w.Small...)
	allowed, total := 0, 0
	for seed := range uint64(3) {
		r := rand.New(rand.NewPCG(seed, 7))
		var subjects []authz.Subject
		for _, u := range w.Users {
			if u == "user_me" {
				subjects = append(subjects, BenchSubject())
				continue
			}
			subjects = append(subjects, w.RandomSubject(r, u))
		}
		cb, err := w.NewCasbin(subjects)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range subjects {
			eff := authz.Compile(w.Policy, s)
			for _, res := range resources {
				for _, action := range authz.ResourceActions {
					want := eff.CheckResource(action, res, w.Now)
					got, err := cb.Enforce(s.UserID, action, res)
					if err != nil {
						t.Fatal(err)
					}
					total++
					if want.Allowed {
						allowed++
					}
					if got != want.Allowed {
						t.Errorf("seed %d: %+v %s %s/%s: casbin %v, gatehouse %+v", seed, s, action, res.Type, res.ID, got, want)
					}
				}
			}
		}
	}
	// A sample where everything is refused (or allowed) proves nothing.
	if allowed == 0 || allowed == total {
		t.Fatalf("%d of %d decisions allowed: the sample does not discriminate", allowed, total)
	}
	t.Logf("%d decisions agree (%d allowed)", total, allowed)
}

// benchDecisions are the decisions every benchmark makes in turn: the
// subject's grant (allowed), its deny (refused by a deny grant) and a
// missing grant (no access), each on the resource with 1,000 grants.
var benchDecisions = []struct {
	action string
	want   bool
}{{"update", true}, {"share", false}, {"delete", false}}

func setupBench(b *testing.B) (*World, authz.Subject, *Casbin) {
	b.Helper()
	w := NewWorld()
	s := BenchSubject()
	cb, err := w.NewCasbin([]authz.Subject{s})
	if err != nil {
		b.Fatal(err)
	}
	eff := authz.Compile(w.Policy, s)
	for _, d := range benchDecisions {
		got, err := cb.Enforce(s.UserID, d.action, w.Big)
		if err != nil {
			b.Fatal(err)
		}
		if g := eff.CheckResource(d.action, w.Big, w.Now).Allowed; g != d.want || got != d.want {
			b.Fatalf("%s: gatehouse %v, casbin %v, want %v", d.action, g, got, d.want)
		}
	}
	return w, s, cb
}

// BenchmarkGatehouseCheck is one decision with the subject's permissions
// compiled beforehand (the check API's batch form, listings).
func BenchmarkGatehouseCheck(b *testing.B) {
	w, s, _ := setupBench(b)
	eff := authz.Compile(w.Policy, s)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		eff.CheckResource(benchDecisions[i%3].action, w.Big, w.Now)
		i++
	}
}

// BenchmarkGatehouseCompileCheck is one whole decision from the loaded
// policy: compile the subject's permissions over 50 roles, then decide on
// the resource with 1,000 grants. The budget compares this one.
func BenchmarkGatehouseCompileCheck(b *testing.B) {
	w, s, _ := setupBench(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		authz.Compile(w.Policy, s).CheckResource(benchDecisions[i%3].action, w.Big, w.Now)
		i++
	}
}

// BenchmarkCasbinEnforce is the same decision with Casbin: Enforce of the
// permission through the roles, then of the resource grants.
func BenchmarkCasbinEnforce(b *testing.B) {
	w, s, cb := setupBench(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := cb.Enforce(s.UserID, benchDecisions[i%3].action, w.Big); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
