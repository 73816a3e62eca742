package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// revocations reads the feed and checks latest is the database's clock
// (close to this machine's, which the test stores run beside) in UTC.
func revocations(t *testing.T, s shop.Store, since time.Time) ([]string, time.Time) {
	t.Helper()
	hashes, latest, err := s.SessionRevocations(t.Context(), since)
	if err != nil {
		t.Fatalf("SessionRevocations(%v): %v", since, err)
	}
	if latest.Location() != time.UTC {
		t.Errorf("latest location = %v, want UTC", latest.Location())
	}
	if d := time.Since(latest); d < -time.Minute || d > time.Minute {
		t.Fatalf("latest = %v, %v from this machine's clock: not the database's clock", latest, d)
	}
	slices.Sort(hashes)
	return hashes, latest
}

// dbClockAfter waits until the database's clock is past at (SQLite's has
// millisecond steps), so what is revoked next is strictly after at.
func dbClockAfter(t *testing.T, s shop.Store, at time.Time) time.Time {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, latest, err := s.SessionRevocations(t.Context(), at.Add(time.Hour))
		if err != nil {
			t.Fatalf("SessionRevocations: %v", err)
		}
		if latest.After(at) {
			return latest
		}
		if time.Now().After(deadline) {
			t.Fatalf("the database's clock stays at %v", latest)
		}
		time.Sleep(time.Millisecond)
	}
}

func revoke(t *testing.T, s shop.Store, hashes ...string) {
	t.Helper()
	for _, h := range hashes {
		if err := s.DeleteSession(t.Context(), h); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
	}
}

func prune(t *testing.T, s shop.Store, before time.Time, limit, want int) {
	t.Helper()
	n, err := s.PruneSessionRevocations(t.Context(), before, limit)
	if err != nil || n != want {
		t.Fatalf("PruneSessionRevocations(%v, %d) = %d, %v; want %d", before, limit, n, err, want)
	}
}

func sorted(hashes ...string) []string {
	hashes = slices.Clone(hashes)
	slices.Sort(hashes)
	return hashes
}

// The revocation feed pods poll to drop signed-out sessions from their
// caches: a sign-out is in it with the database's time, a since filters by
// that time, and pruning drops the oldest first, a bounded number at once.
func testSessionRevocations(t *testing.T, s shop.Store) {
	ctx := t.Context()
	a := createAccount(t, s, "kiran@example.in")
	now := time.Now()
	var ss [4]shop.Session
	for i := range ss {
		_, ss[i] = shop.NewSession(a.ID, now, time.Hour, 24*time.Hour)
		if err := s.CreateSession(ctx, ss[i]); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	if got, _ := revocations(t, s, time.Time{}); len(got) != 0 {
		t.Fatalf("revocations before any sign-out: %v", got)
	}

	// A sign-out is in the feed; revoking what is not there (a second
	// sign-out, an unknown token) adds nothing.
	revoke(t, s, ss[0].TokenHash, ss[0].TokenHash, "no-such-session")
	got, l1 := revocations(t, s, time.Time{})
	if !slices.Equal(got, []string{ss[0].TokenHash}) {
		t.Fatalf("after one sign-out the feed is %v; want only its hash", got)
	}

	// since is by the database's clock: what was revoked before a latest
	// is not after it, what is revoked later is.
	if got, _ := revocations(t, s, l1); len(got) != 0 {
		t.Fatalf("revocations after the latest that saw them all: %v", got)
	}
	between := dbClockAfter(t, s, l1)
	revoke(t, s, ss[1].TokenHash)
	got, l2 := revocations(t, s, l1)
	if !slices.Equal(got, []string{ss[1].TokenHash}) {
		t.Fatalf("revocations after %v: %v; want only the later sign-out", l1, got)
	}
	if !l2.After(l1) {
		t.Errorf("latest went from %v to %v; want it to move with the clock", l1, l2)
	}
	// A poller's overlap sees both again.
	if got, _ := revocations(t, s, l1.Add(-30*time.Second)); !slices.Equal(got, sorted(ss[0].TokenHash, ss[1].TokenHash)) {
		t.Fatalf("revocations within an overlap: %v; want both sign-outs", got)
	}

	// Pruning takes what was revoked before its time, nothing after.
	prune(t, s, between, 100, 1)
	if got, _ := revocations(t, s, time.Time{}); !slices.Equal(got, []string{ss[1].TokenHash}) {
		t.Fatalf("after pruning before %v the feed is %v; want the later sign-out kept", between, got)
	}
	// A limit bounds one prune, oldest first.
	dbClockAfter(t, s, l2)
	revoke(t, s, ss[2].TokenHash, ss[3].TokenHash)
	_, l3 := revocations(t, s, time.Time{})
	end := dbClockAfter(t, s, l3)
	prune(t, s, end, 1, 1)
	if got, _ := revocations(t, s, time.Time{}); !slices.Equal(got, sorted(ss[2].TokenHash, ss[3].TokenHash)) {
		t.Fatalf("after pruning one the feed is %v; want the two newest kept", got)
	}
	prune(t, s, end, 100, 2)
	prune(t, s, end, 100, 0)
	if got, _ := revocations(t, s, time.Time{}); len(got) != 0 {
		t.Fatalf("after pruning all: %v", got)
	}

	// A token revoked again (its session stored anew, which only a test
	// does) is one revocation at the later time.
	for range 2 {
		if err := s.CreateSession(ctx, ss[0]); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		_, l := revocations(t, s, time.Time{})
		dbClockAfter(t, s, l)
		revoke(t, s, ss[0].TokenHash)
		if got, _ := revocations(t, s, l); !slices.Equal(got, []string{ss[0].TokenHash}) {
			t.Fatalf("revocations after %v, the token revoked again: %v; want it once", l, got)
		}
	}
}
