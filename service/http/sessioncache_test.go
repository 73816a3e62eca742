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

// A revocation must outlive every cache entry it may have to drop, with
// room for the overlap at its longest (twice the longest store timeout)
// and for skew between the pods' clocks and the database's.
func TestRevocationsOutliveTheCache(t *testing.T) {
	if longest := sessionCacheTTL + max(revocationOverlap, 2*time.Minute); revocationRetention < 2*longest {
		t.Fatalf("revocations are kept %v, under twice the longest a pod may need one (%v)", revocationRetention, longest)
	}
	if revocationStale > 5*time.Second || revocationStale < 3*revocationPoll {
		t.Fatalf("the feed vouches for %v: want at least three polls (%v each) and at most the 5 s the cache lasted before it",
			revocationStale, revocationPoll)
	}
}

// The cache keeps no password hash.
func TestSessionCacheDropsThePasswordHash(t *testing.T) {
	c := newSessionCache()
	now := time.Now()
	_, ss := shop.NewSession("a", now, time.Hour, 24*time.Hour)
	ss.Account.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
	c.put(ss, now, now.Add(time.Minute))
	got, ok := c.get(ss.TokenHash, now)
	if !ok || got.Account.PasswordHash != "" {
		t.Fatalf("cached session: ok %v, password hash %q", ok, got.Account.PasswordHash)
	}
}
