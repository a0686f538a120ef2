package imports

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/members"
)

func TestInputRows(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      Input
		rows    int
		invalid bool
		check   func(t *testing.T, p []parsed)
	}{
		{"json rows", Input{Rows: []Row{{Email: "a@x.test"}, {Email: "b@x.test"}}}, 2, false, nil},
		{"nothing", Input{}, 0, true, nil},
		{"both", Input{Rows: []Row{{Email: "a@x.test"}}, CSV: "email\na@x.test"}, 0, true, nil},
		{"csv without email column", Input{CSV: "name\nAnn"}, 0, true, nil},
		{"csv unknown column", Input{CSV: "email,colour\na@x.test,red"}, 0, true, nil},
		{"csv header only", Input{CSV: "email\n"}, 0, true, nil},
		{"too many json rows", Input{Rows: make([]Row, MaxRows+1)}, 0, true, nil},
		{"too many csv rows", Input{CSV: "email\n" + strings.Repeat("a@x.test\n", MaxRows+1)}, 0, true, nil},
		{"csv columns in any order, lists, bad values per row", Input{CSV: "Roles,EMAIL,groups,userLimit,expiresAt\n" +
			"developer;viewer,a@x.test,G1; g2 ,3,2030-01-01T00:00:00Z\n" +
			"viewer,b@x.test,,abc,yesterday\n"}, 2, false, func(t *testing.T, p []parsed) {
			r := p[0].row
			if r.Email != "a@x.test" || strings.Join(r.Roles, ",") != "developer,viewer" || strings.Join(r.Groups, ",") != "G1,g2" ||
				r.UserLimit == nil || *r.UserLimit != 3 || r.ExpiresAt == nil || len(p[0].fields) != 0 {
				t.Errorf("row 1 %+v %v", r, p[0].fields)
			}
			if len(p[1].fields) != 2 {
				t.Errorf("row 2 fields %v, want userLimit and expiresAt refused", p[1].fields)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.in.rows()
			if tc.invalid {
				if gatehouse.ErrorCode(err) != gatehouse.CodeValidation {
					t.Fatalf("err %v, want validation_failed", err)
				}
				return
			}
			if err != nil || len(p) != tc.rows {
				t.Fatalf("%d rows, %v; want %d", len(p), err, tc.rows)
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

// noMembers fails the test if a row reaches the members use case.
type noMembers struct{ t *testing.T }

func (n noMembers) Create(context.Context, *gatehouse.Caller, string, members.CreateInput) (*members.CreateResult, error) {
	n.t.Fatal("a row was applied after the budget ran out")
	return nil, nil
}

type noGroups struct{}

func (noGroups) List(context.Context, string, int, string) ([]*gatehouse.Group, string, error) {
	return nil, "", nil
}

func (noGroups) AddMember(context.Context, *gatehouse.Caller, string, string, string) error {
	return nil
}

// TestRunOutOfBudget: rows not reached within the budget are
// not_processed, the job is partial, and its counters and results are
// stored (a client re-runs the same file to finish it).
func TestRunOutOfBudget(t *testing.T) {
	env := dynamotest.New(t)
	s := NewService(env.Store, noMembers{t}, noGroups{}, Config{Budget: time.Nanosecond}, nil)
	c := &gatehouse.Caller{Actor: gatehouse.Actor{UserID: "usr_1"}, OrgID: "org_1"}
	j, err := s.Run(context.Background(), c, "org_1", Input{Rows: []Row{
		{Email: "a@x.test"}, {Email: "A@X.test"}, {Email: "b@x.test"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != gatehouse.ImportPartial || j.Processed != 3 || j.Skipped != 0 {
		t.Fatalf("job %+v, want partial with 3 rows processed", j)
	}
	got, err := s.Get(context.Background(), "org_1", j.ID)
	if err != nil || len(got.Results) != 3 || got.Status != gatehouse.ImportPartial {
		t.Fatalf("stored job %+v %v", got, err)
	}
	for _, r := range got.Results {
		if r.Outcome != gatehouse.RowNotProcessed {
			t.Errorf("row %+v, want not_processed", r)
		}
	}
}
