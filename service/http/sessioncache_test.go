package http

import (
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// A cache hit is on every signed-in request that needs the shopper: it
// must allocate nothing, the feed's check (an atomic load) included.
func TestSessionCacheHitAllocatesNothing(t *testing.T) {
	c := newSessionCache()
	now := time.Now()
	_, ss := shop.NewSession("a", now, time.Hour, 24*time.Hour)
	c.put(ss, now, now.Add(sessionCacheTTL))
	c.revoke(nil, now.Add(revocationStale))
	later := now.Add(time.Minute) // past the entry's own 5 s: only the feed vouches
	var ok bool
	// The feed's word ended at now+5 s: a minute later the entry is no hit.
	if allocs := testing.AllocsPerRun(1000, func() { _, ok = c.get(ss.TokenHash, later) }); allocs != 0 || ok {
		t.Fatalf("past the feed's word: ok %v, %v allocations; want a miss and none", ok, allocs)
	}
	c.revoke(nil, later.Add(revocationStale))
	if allocs := testing.AllocsPerRun(1000, func() { _, ok = c.get(ss.TokenHash, later) }); allocs != 0 || !ok {
		t.Fatalf("a cache hit: ok %v, %v allocations; want a hit and none", ok, allocs)
	}
	c.revoke([]string{ss.TokenHash}, later.Add(revocationStale))
	if _, ok := c.get(ss.TokenHash, later); ok {
		t.Fatal("a revoked session is still a hit")
	}
}
