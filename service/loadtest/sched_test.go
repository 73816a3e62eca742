package loadtest

import (
	"bufio"
	"bytes"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestBucketsQuantileAndOver(t *testing.T) {
	b := Buckets{Bounds: []float64{0.001, 0.01, 0.1, math.Inf(1)}, Counts: []uint64{90, 8, 2, 0}}
	if got := b.Quantile(0.5); got != time.Millisecond {
		t.Errorf("p50 = %s, want 1ms", got)
	}
	if got := b.Quantile(0.95); got != 10*time.Millisecond {
		t.Errorf("p95 = %s, want 10ms", got)
	}
	if got := b.Quantile(0.99); got != 100*time.Millisecond {
		t.Errorf("p99 = %s, want 100ms", got)
	}
	if got := b.Over(10 * time.Millisecond); got != 0.02 {
		t.Errorf("over 10ms = %v, want 0.02", got)
	}
	earlier := Buckets{Bounds: b.Bounds, Counts: []uint64{80, 8, 0, 0}}
	d := b.Sub(earlier)
	if d.Total() != 12 || d.Quantile(0.99) != 100*time.Millisecond {
		t.Errorf("difference %v: want 12 observations with p99 in the 100ms bucket", d.Counts)
	}
	if (Buckets{}).Quantile(0.99) != 0 {
		t.Error("an empty histogram has no quantile")
	}
}

// The server's histograms arrive cumulative, as Prometheus exposes them
// (the series newGoCollector in service/http registers).
func TestParseRuntimeDecumulates(t *testing.T) {
	text := `# HELP go_sched_latencies_seconds x
go_sched_latencies_seconds_bucket{le="0.0009175039999999999"} 100
go_sched_latencies_seconds_bucket{le="0.010485759999999998"} 150
go_sched_latencies_seconds_bucket{le="0.11744051199999998"} 160
go_sched_latencies_seconds_bucket{le="+Inf"} 160
go_sched_latencies_seconds_sum 0.5
go_sched_latencies_seconds_count 160
go_sched_pauses_total_gc_seconds_bucket{le="0.0009175039999999999"} 3
go_sched_pauses_total_gc_seconds_bucket{le="+Inf"} 4
go_cpu_classes_gc_total_cpu_seconds_total 1.5
go_cpu_classes_total_cpu_seconds_total 30
`
	rt, err := parseRuntime(bufio.NewScanner(strings.NewReader(text)))
	if err != nil {
		t.Fatal(err)
	}
	if got := rt.SchedLatency.Counts; len(got) != 4 || got[0] != 100 || got[1] != 50 || got[2] != 10 || got[3] != 0 {
		t.Errorf("sched latency counts %v, want [100 50 10 0]", got)
	}
	if rt.GCPauses.Total() != 4 || rt.GCCPU != 1.5 || rt.TotalCPU != 30 {
		t.Errorf("parsed %+v", rt)
	}
	if got := rt.SchedLatency.Over(10 * time.Millisecond); math.Abs(got-10.0/160) > 1e-9 {
		t.Errorf("over 10ms = %v, want %v", got, 10.0/160)
	}
}

func TestSelfRuntimeReadsTheScheduler(t *testing.T) {
	runtime.GC() // the runtime updates its CPU estimates at each GC
	rt := SelfRuntime()
	if len(rt.SchedLatency.Bounds) == 0 || rt.SchedLatency.Total() == 0 || rt.TotalCPU <= 0 {
		t.Fatalf("runtime sample %+v: want the scheduler's latency histogram and CPU total", rt)
	}
}

// Shoppers who receive the same catalog share one decoded copy; a changed
// catalog (the same length, other bytes) is decoded anew.
func TestListingsDecodeEachBodyOnce(t *testing.T) {
	c := &listingCache{m: map[uint64]listingEntry{}}
	a := []byte(`{"products":[{"id":"p1","stock":5},{"id":"p2","stock":7}]}`)
	b := []byte(`{"products":[{"id":"p1","stock":4},{"id":"p2","stock":7}]}`)
	first, err := c.decode(a)
	if err != nil || len(first) != 2 || first[0].Stock != 5 {
		t.Fatalf("decode: %v %+v", err, first)
	}
	again, _ := c.decode(bytes.Clone(a))
	if &again[0] != &first[0] {
		t.Error("the same body was decoded twice")
	}
	changed, _ := c.decode(b)
	if changed[0].Stock != 4 {
		t.Errorf("a changed catalog gave stock %d, want 4", changed[0].Stock)
	}
	if _, err := c.decode([]byte(`{"products":[]}`)); err == nil {
		t.Error("an empty catalog must fail")
	}
	if _, err := c.decode([]byte(`<html>`)); err == nil {
		t.Error("a malformed body must fail")
	}
}
