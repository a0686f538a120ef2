package authorizer

// PermCacheStats returns the compiled-permissions cache's hits and misses.
func (a *Authorizer) PermCacheStats() (hits, misses int64) {
	a.perms.mu.Lock()
	defer a.perms.mu.Unlock()
	return a.perms.hits, a.perms.misses
}
