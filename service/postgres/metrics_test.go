package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flashscale/flashscale/service/postgres/pgtest"
)

// The pool collector reports what the pool really does: a pool of 2 with
// both connections held shows 2 acquired of 2, and a third acquire that has
// to wait for one counts as an empty acquire with its wait time.
func TestPoolCollector(t *testing.T) {
	s, err := Open(t.Context(), pgtest.NewDatabase(t), 2, WithoutBatching())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(s.Collector())

	value := func(name string) float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == name {
				m := mf.GetMetric()[0]
				if m.GetCounter() != nil {
					return m.GetCounter().GetValue()
				}
				return m.GetGauge().GetValue()
			}
		}
		t.Fatalf("%s not exported", name)
		return 0
	}

	// Open leaves the pool with connections from its ping and migrations.
	empty0 := value("flashscale_db_pool_empty_acquires_total")
	a, err := s.pool.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.pool.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := value("flashscale_db_pool_acquired_connections"); got != 2 {
		t.Errorf("acquired = %v with both connections held, want 2", got)
	}
	if got := value("flashscale_db_pool_max_connections"); got != 2 {
		t.Errorf("max = %v, want 2", got)
	}

	third, started := make(chan error, 1), make(chan struct{})
	go func() {
		close(started)
		c, err := s.pool.Acquire(t.Context())
		if err == nil {
			c.Release()
		}
		third <- err
	}()
	// pgx counts an empty acquire, and its wait, when it completes: give
	// the third acquire time to be waiting before a connection comes back.
	<-started
	time.Sleep(100 * time.Millisecond)
	a.Release()
	if err := <-third; err != nil {
		t.Fatal(err)
	}
	b.Release()

	if got := value("flashscale_db_pool_empty_acquires_total"); got <= empty0 {
		t.Errorf("empty acquires %v -> %v: the waiting acquire was not counted", empty0, got)
	}
	if got := value("flashscale_db_pool_empty_acquire_wait_seconds_total"); got < 0.05 {
		t.Errorf("empty-acquire wait = %vs, want about the 100ms the third acquire waited", got)
	}
	if got := value("flashscale_db_pool_acquired_connections"); got != 0 {
		t.Errorf("acquired = %v after every release, want 0", got)
	}
	// Names, types and help pass the registry's lint.
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if !strings.Contains(p.Text, "counter metrics should have") {
			t.Errorf("lint %s: %s", p.Metric, p.Text)
		}
	}
}
