package authorizer

import (
	"container/list"
	"strconv"
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// permCache keeps compiled effective permissions, so that a decision for a
// caller seen before costs a map lookup instead of authz.Compile and the
// sorting of its roles and permissions. The key is everything Compile
// reads: the org and its version (custom roles, group roles and settings
// bump it; docs/performance.md), and the subject as the request's fresh
// account and membership made it (roles, groups, flags, inherited
// authority, the token's narrowing). A change to any of them is another
// key, so an entry is never stale; it is only unused, and the least
// recently used goes first when the cache is full. The account and
// membership are still read and judged on every request (authz.SubjectOf)
// before the cache is asked.
type permCache struct {
	max int

	mu      sync.Mutex
	lru     *list.List // of *permEntry, most recent first
	entries map[string]*list.Element
	hits    int64
	misses  int64
}

type permEntry struct {
	key string
	eff *authz.Effective
	// caller holds OrgID, Roles, Permissions and Inherited as
	// authz.CallerOf computes them; the request fills in the actor and
	// the expiry ceiling. Its slices are shared: nobody may change them.
	caller gatehouse.Caller
}

// maxPermEntries bounds the compiled permissions of one warm sandbox (a
// few KB each).
const maxPermEntries = 5_000

func newPermCache(max int) *permCache {
	return &permCache{max: max, lru: list.New(), entries: map[string]*list.Element{}}
}

// permKey writes the cache key of a subject in an org. Fields are
// separated by NUL, which no id, role or permission holds, and lists are
// counted, so two different subjects never share a key.
func permKey(org *gatehouse.Org, s authz.Subject) string {
	var b strings.Builder
	b.Grow(128)
	b.WriteString(org.ID)
	b.WriteByte(0)
	b.WriteString(strconv.FormatInt(org.Version, 10))
	b.WriteByte(0)
	b.WriteString(s.UserID)
	list := func(xs []string) {
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(len(xs)))
		for _, x := range xs {
			b.WriteByte(0)
			b.WriteString(x)
		}
	}
	list(s.Roles)
	list(s.Groups)
	flag := func(f bool) {
		if f {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	b.WriteByte(0)
	flag(s.Readonly)
	flag(s.ResourceReadonly)
	flag(s.InheritedAdmin)
	flag(s.InheritedReadonly)
	flag(s.InheritedResourceReadonly)
	switch {
	case s.Token == nil:
		b.WriteString("-")
	case s.Token.Permissions == nil:
		// A token without narrowing: every permission of its user.
		b.WriteString("t*")
		flag(s.Token.Readonly)
	default:
		b.WriteString("t")
		flag(s.Token.Readonly)
		list(s.Token.Permissions)
	}
	return b.String()
}

// compile returns the effective permissions of the subject in the org and
// the caller fields they give, compiled once per key.
func (c *permCache) compile(cat *authz.Catalogue, org *gatehouse.Org, s authz.Subject) (*authz.Effective, gatehouse.Caller) {
	if c.max <= 0 {
		eff := authz.Compile(authz.PolicyOf(cat, org), s)
		return eff, authz.CallerOf(gatehouse.Actor{}, org.ID, eff, nil)
	}
	key := permKey(org, s)
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		c.lru.MoveToFront(e)
		c.hits++
		pe := e.Value.(*permEntry)
		c.mu.Unlock()
		return pe.eff, pe.caller
	}
	c.misses++
	c.mu.Unlock()

	eff := authz.Compile(authz.PolicyOf(cat, org), s)
	pe := &permEntry{key: key, eff: eff, caller: authz.CallerOf(gatehouse.Actor{}, org.ID, eff, nil)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok {
		c.entries[key] = c.lru.PushFront(pe)
		for c.lru.Len() > c.max {
			old := c.lru.Back()
			c.lru.Remove(old)
			delete(c.entries, old.Value.(*permEntry).key)
		}
	}
	return pe.eff, pe.caller
}
