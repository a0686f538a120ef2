package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/truora/minidyn/server"
)

// newPagingStore is a store on a fresh minidyn table with a random cursor
// key (dynamotest cannot serve this package's own tests: it imports it).
func newPagingStore(t *testing.T) *Store {
	t.Helper()
	hs := httptest.NewServer(server.NewServer())
	t.Cleanup(hs.Close)
	db := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(hs.URL),
		Credentials:                     credentials.NewStaticCredentialsProvider("local", "local", ""),
		DisableValidateResponseChecksum: true,
	})
	s := New(db, "paging", Options{CursorKey: randomKey()})
	if err := s.EnsureTable(context.Background()); err != nil {
		t.Fatalf("create table: %v", err)
	}
	return s
}

func randomKey() []byte {
	k := make([]byte, MinCursorKeyLen)
	_, _ = rand.Read(k)
	return k
}

// putItems writes items as they are, with no conditions.
func putItems(t *testing.T, s *Store, items ...item) {
	t.Helper()
	for _, it := range items {
		if _, err := s.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it}); err != nil {
			t.Fatalf("put %v: %v", it.key(), err)
		}
	}
}

// seedLists gives org "a" three entries in every list (tokens: two of
// user u1, one of u2; groups: two stored plus the built-in one) and three
// accounts.
func seedLists(t *testing.T, s *Store) {
	t.Helper()
	now := s.Now()
	for i := range 3 {
		n := fmt.Sprint(i)
		owner := []string{"u1", "u1", "u2"}[i]
		tl, _ := apiTokenItems(&gatehouse.APIToken{ID: "tok_" + n, OrgID: "a", UserID: owner, Name: n, Status: gatehouse.StatusActive, CreatedAt: now}, "h"+n)
		putItems(t, s,
			membershipItem(&gatehouse.Membership{OrgID: "a", UserID: "u" + n, Roles: []string{"viewer"}, Status: gatehouse.StatusActive, CreatedAt: now}),
			inviteItem(&Invite{ID: "inv_" + n, OrgID: "a", Email: n + "@example.com", Roles: []string{"viewer"}, Status: gatehouse.StatusPending, ExpiresAt: now.Add(time.Hour), CreatedAt: now}),
			auditItem(s.NewAudit(gatehouse.Actor{UserID: "u0"}, "a", "test.event", n, nil, nil)),
			orgItem(&gatehouse.Org{ID: "c" + n, ParentID: "a", Ancestors: []string{"a"}, Name: n, CreatedAt: now}),
			tl,
			userItem(&gatehouse.User{ID: "u" + n, Email: n + "@example.com", Status: gatehouse.StatusActive, CreatedAt: now}),
		)
		if i < 2 {
			putItems(t, s, groupItem(&Group{OrgID: "a", ID: "grp_" + n, Name: n, CreatedAt: now}))
		}
	}
}

// pagedList is one list as a client pages it: scope is the org (the email
// prefix for the platform's user list).
type pagedList struct {
	name  string
	scope string
	want  int
	page  func(ctx context.Context, s *Store, scope string, limit int, cursor string) (int, string, error)
}

func pagedLists() []pagedList {
	count := func(n int, next string, err error) (int, string, error) { return n, next, err }
	return []pagedList{
		{"members", "a", 3, func(ctx context.Context, s *Store, scope string, limit int, c string) (int, string, error) {
			r, next, err := s.MembersPage(ctx, scope, limit, c)
			return count(len(r), next, err)
		}},
		{"invites", "a", 3, func(ctx context.Context, s *Store, scope string, limit int, c string) (int, string, error) {
			r, next, err := s.InvitesPage(ctx, scope, limit, c)
			return count(len(r), next, err)
		}},
		{"audit", "a", 3, func(ctx context.Context, s *Store, scope string, limit int, c string) (int, string, error) {
			r, next, err := s.AuditPage(ctx, scope, AuditFilter{}, limit, c)
			return count(len(r), next, err)
		}},
		{"audit of one actor", "a", 3, func(ctx context.Context, s *Store, scope string, limit int, c string) (int, string, error) {
			r, next, err := s.AuditPage(ctx, scope, AuditFilter{Actor: "u0"}, limit, c)
			return count(len(r), next, err)
		}},
		{"groups", "a", 3, func(ctx context.Context, s *Store, scope string, limit int, c string) (int, string, error) {
			r, next, err := s.GroupsPage(ctx, &gatehouse.Org{ID: scope}, limit, c)
			return count(len(r), next, err)
		}},
		{"sub-orgs", "a", 3, func(ctx context.Context, s *Store, scope string, limit int, c string) (int, string, error) {
			r, next, err := s.SubOrgsPage(ctx, scope, limit, c)
			return count(len(r), next, err)
		}},
		{"tokens", "a", 3, func(ctx context.Context, s *Store, scope string, limit int, c string) (int, string, error) {
			r, next, err := s.APITokensPage(ctx, scope, "", limit, c)
			return count(len(r), next, err)
		}},
		{"tokens of one user", "a", 2, func(ctx context.Context, s *Store, scope string, limit int, c string) (int, string, error) {
			r, next, err := s.APITokensPage(ctx, scope, "u1", limit, c)
			return count(len(r), next, err)
		}},
		{"users", "", 3, func(ctx context.Context, s *Store, scope string, limit int, c string) (int, string, error) {
			r, next, err := s.UsersByEmailPrefix(ctx, scope, limit, c)
			return count(len(r), next, err)
		}},
		{"resources", "a", 3, func(_ context.Context, s *Store, scope string, _ int, c string) (int, string, error) {
			// The resource list pages in its service; the store seals and
			// opens its positions.
			pos, err := s.ResourcesPosition(scope, c)
			if err != nil {
				return 0, "", err
			}
			next := map[string]string{"": "device#d0", "device#d0": "device#d1"}[pos]
			if next == "" {
				return 1, "", nil
			}
			return 1, s.ResourcesCursor(scope, next), nil
		}},
	}
}

// TestListsPageToTheEnd: every list pages one item at a time through
// exactly its entries, and the page holding the last one says there is no
// next page (no empty page after a full last one).
func TestListsPageToTheEnd(t *testing.T) {
	t.Parallel()
	s := newPagingStore(t)
	seedLists(t, s)
	ctx := context.Background()
	for _, l := range pagedLists() {
		for _, limit := range []int{1, l.want, l.want + 1} {
			t.Run(fmt.Sprintf("%s/limit=%d", l.name, limit), func(t *testing.T) {
				got, pages, cursor := 0, 0, ""
				for {
					n, next, err := l.page(ctx, s, l.scope, limit, cursor)
					if err != nil {
						t.Fatalf("page %d: %v", pages+1, err)
					}
					got += n
					pages++
					if next == "" || pages > 10 {
						break
					}
					cursor = next
				}
				if wantPages := max(1, (l.want+limit-1)/limit); got != l.want || (l.name != "resources" && pages != wantPages) {
					t.Errorf("%d items in %d pages, want %d in %d", got, pages, l.want, wantPages)
				}
			})
		}
	}
}

// TestCursorsAreSealedToTheirListAndOrg: a cursor edited, made under
// another key, of another list or of another org is a 400 on the field
// "cursor", for every list.
func TestCursorsAreSealedToTheirListAndOrg(t *testing.T) {
	t.Parallel()
	s := newPagingStore(t)
	seedLists(t, s)
	other := *s
	other.cursorKey = randomKey()
	ctx := context.Background()
	lists := pagedLists()
	first := map[string]string{}
	for _, l := range lists {
		_, next, err := l.page(ctx, s, l.scope, 1, "")
		if err != nil || next == "" {
			t.Fatalf("%s: first page: next %q, %v; want a cursor", l.name, next, err)
		}
		first[l.name] = next
	}
	// flip changes one character of a cursor (not the last, whose low
	// bits may be padding).
	flip := func(c string, i int) string {
		b := []byte(c)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for _, l := range lists {
		c := first[l.name]
		_, foreign, _ := l.page(ctx, &other, l.scope, 1, "")
		cases := map[string]string{
			"garbage":              "not a cursor!",
			"empty position":       base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
			"seal edited":          flip(c, 3),
			"position edited":      flip(c, len(c)-2),
			"truncated":            c[:len(c)-4],
			"made under other key": foreign,
			"unsealed position":    base64.RawURLEncoding.EncodeToString([]byte("MEMBER#u1")),
		}
		for _, l2 := range lists {
			if listName(l2.name) != listName(l.name) {
				cases["of the "+l2.name+" list"] = first[l2.name]
			}
		}
		for name, bad := range cases {
			t.Run(l.name+"/"+name, func(t *testing.T) {
				_, _, err := l.page(ctx, s, l.scope, 1, bad)
				wantBadCursor(t, err)
			})
		}
		t.Run(l.name+"/of another org", func(t *testing.T) {
			scope := "b"
			if l.name == "users" {
				scope = "9" // another prefix: no position of the list of all users is in it
			}
			_, _, err := l.page(ctx, s, scope, 1, c)
			wantBadCursor(t, err)
		})
	}
}

// listName is the list a pagedList reads (filters do not make lists).
func listName(name string) string {
	switch name {
	case "audit of one actor":
		return "audit"
	case "tokens of one user":
		return "tokens"
	}
	return name
}

func wantBadCursor(t *testing.T, err error) {
	t.Helper()
	e, ok := errors.AsType[*gatehouse.Error](err)
	if !ok || e.Code != gatehouse.CodeValidation || len(e.Fields) != 1 || e.Fields[0].Field != "cursor" {
		t.Errorf("err = %v, want validation_failed on the field cursor", err)
	}
}

// TestAuditCursorStaysWithinSince: a cursor from the whole log is not
// followed below a later "since" (the position would lie outside the
// query's key condition).
func TestAuditCursorStaysWithinSince(t *testing.T) {
	t.Parallel()
	s := newPagingStore(t)
	seedLists(t, s)
	ctx := context.Background()
	_, next, err := s.AuditPage(ctx, "a", AuditFilter{}, 1, "")
	if err != nil || next == "" {
		t.Fatalf("first page: %q, %v", next, err)
	}
	_, _, err = s.AuditPage(ctx, "a", AuditFilter{Since: s.Now().Add(time.Hour)}, 1, next)
	wantBadCursor(t, err)
}
