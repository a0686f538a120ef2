package jwtverify

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
	"unsafe"
)

// DefaultCacheSize bounds the verified-token cache of one verifier: about
// 250 bytes an entry, so a few MB in a warm sandbox at most.
const DefaultCacheSize = 10_000

// tokenCache keeps what verifying a token proved (its claims), keyed by the
// SHA-256 of the whole token, as Envoy's JWT filter does: a token that
// differs in any byte, signature included, is another key and is verified
// in full. An entry never answers at or after the token's exp, and the
// least recently used entry goes first when the cache is full. Only
// successes are kept; what a token proves does not change while it is
// valid, and everything that can change (the account, the membership) is
// checked by the caller on every request.
type tokenCache struct {
	max int

	mu      sync.Mutex
	lru     *list.List // of *cachedToken, most recent first
	entries map[[sha256.Size]byte]*list.Element
	hits    int64
	misses  int64
}

type cachedToken struct {
	key    [sha256.Size]byte
	claims Claims
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: max, lru: list.New(), entries: map[[sha256.Size]byte]*list.Element{}}
}

// tokenKey hashes the token's bytes in place: Sum256 neither keeps nor
// changes them, and a copy of a kilobyte token was a third of a repeat
// token's cost.
func tokenKey(raw string) [sha256.Size]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(raw), len(raw)))
}

// get returns a copy of the claims proved for the token, if they are kept
// and the token has not expired at now.
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (*Claims, bool) {
	if c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		c.misses++
		return nil, false
	}
	ct := e.Value.(*cachedToken)
	if !now.Before(ct.claims.Expires) {
		c.lru.Remove(e)
		delete(c.entries, key)
		c.misses++
		return nil, false
	}
	c.lru.MoveToFront(e)
	c.hits++
	claims := ct.claims
	return &claims, true
}

// put keeps the claims of a verified token until its exp.
func (c *tokenCache) put(key [sha256.Size]byte, claims Claims, now time.Time) {
	if c.max <= 0 || !now.Before(claims.Expires) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		e.Value.(*cachedToken).claims = claims
		c.lru.MoveToFront(e)
		return
	}
	c.entries[key] = c.lru.PushFront(&cachedToken{key: key, claims: claims})
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.entries, old.Value.(*cachedToken).key)
	}
}

// len is the number of entries kept (tests).
func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
