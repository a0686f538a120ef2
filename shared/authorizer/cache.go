package authorizer

import (
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
)

// cache keeps loaded auth contexts per (user, org) for a short TTL. The key
// holds both ids, so what was loaded for one org never answers for another;
// the decision itself is recomputed for every request and route.
type cache struct {
	ttl     time.Duration
	now     func() time.Time
	mu      sync.Mutex
	entries map[cacheKey]cacheEntry
}

type cacheKey struct{ user, org string }

type cacheEntry struct {
	ac      *dynamo.AuthContext
	expires time.Time
}

// maxEntries bounds the cache of one warm sandbox.
const maxEntries = 10_000

func newCache(ttl time.Duration, now func() time.Time) *cache {
	return &cache{ttl: ttl, now: now, entries: map[cacheKey]cacheEntry{}}
}

func (c *cache) get(user, org string) (*dynamo.AuthContext, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[cacheKey{user, org}]
	if !ok || !c.now().Before(e.expires) {
		return nil, false
	}
	return e.ac, true
}

func (c *cache) put(user, org string, ac *dynamo.AuthContext) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxEntries {
		now := c.now()
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxEntries {
			clear(c.entries)
		}
	}
	c.entries[cacheKey{user, org}] = cacheEntry{ac: ac, expires: c.now().Add(c.ttl)}
}
