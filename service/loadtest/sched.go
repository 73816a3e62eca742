package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A latency tail that every route shares, the catalog listing (which reads
// no store) as much as checkout, is either the process's own pauses (GC)
// or its goroutines waiting for a CPU. The Go runtime measures both
// (runtime/metrics); the server exports them on /metrics (service/http
// newGoCollector) and the generator reads its own. A bench that misses its
// p99 then says which process waited, and for what.

// Buckets is a latency histogram with upper bounds in seconds; Counts[i]
// counts the observations in (Bounds[i-1], Bounds[i]]. The last bound may
// be +Inf.
type Buckets struct {
	Bounds []float64
	Counts []uint64
}

// Sub returns b minus an earlier sample of the same histogram: what was
// observed between the two. Mismatched bounds give an empty histogram.
func (b Buckets) Sub(earlier Buckets) Buckets {
	if !slices.Equal(b.Bounds, earlier.Bounds) {
		if len(earlier.Bounds) == 0 {
			return b
		}
		return Buckets{}
	}
	out := Buckets{Bounds: b.Bounds, Counts: make([]uint64, len(b.Counts))}
	for i := range b.Counts {
		if b.Counts[i] >= earlier.Counts[i] {
			out.Counts[i] = b.Counts[i] - earlier.Counts[i]
		}
	}
	return out
}

// Total is the number of observations.
func (b Buckets) Total() uint64 {
	var n uint64
	for _, c := range b.Counts {
		n += c
	}
	return n
}

// Quantile returns the upper bound of the bucket holding quantile q (0-1):
// the true value is at most that. With no observations it is 0.
func (b Buckets) Quantile(q float64) time.Duration {
	total := b.Total()
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, c := range b.Counts {
		seen += c
		if seen >= rank && c > 0 {
			return seconds(b.Bounds[i])
		}
	}
	return seconds(b.Bounds[len(b.Bounds)-1])
}

// Over is the share of observations in buckets wholly above d.
func (b Buckets) Over(d time.Duration) float64 {
	total := b.Total()
	if total == 0 {
		return 0
	}
	var n uint64
	for i, c := range b.Counts {
		lower := 0.0
		if i > 0 {
			lower = b.Bounds[i-1]
		}
		if lower >= d.Seconds() {
			n += c
		}
	}
	return float64(n) / float64(total)
}

func seconds(s float64) time.Duration {
	if math.IsInf(s, 1) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * float64(time.Second))
}

// RuntimeSample is one reading of a process's scheduler and GC figures.
type RuntimeSample struct {
	// SchedLatency is how long goroutines waited runnable before they
	// ran (/sched/latencies:seconds).
	SchedLatency Buckets
	// GCPauses is the stop-the-world pauses of the GC
	// (/sched/pauses/total/gc:seconds).
	GCPauses Buckets
	// GCCPU and TotalCPU are the runtime's estimate of the CPU time spent
	// in the GC and available to the process (GOMAXPROCS × wall time), as
	// of its last GC cycle (it updates them then).
	GCCPU, TotalCPU float64
}

// Sub is what happened between an earlier sample and s.
func (s RuntimeSample) Sub(earlier RuntimeSample) RuntimeSample {
	return RuntimeSample{
		SchedLatency: s.SchedLatency.Sub(earlier.SchedLatency),
		GCPauses:     s.GCPauses.Sub(earlier.GCPauses),
		GCCPU:        s.GCCPU - earlier.GCCPU,
		TotalCPU:     s.TotalCPU - earlier.TotalCPU,
	}
}

// Summary is one line for a report.
func (s RuntimeSample) Summary() string {
	gcShare := 0.0
	if s.TotalCPU > 0 {
		gcShare = 100 * s.GCCPU / s.TotalCPU
	}
	return fmt.Sprintf("waiting for a CPU p50 %s, p99 %s, %.2f%% over 10ms; GC pauses p99 %s (%d); GC %.1f s CPU (%.1f%% of GOMAXPROCS)",
		bucketMillis(s.SchedLatency.Quantile(0.5)), bucketMillis(s.SchedLatency.Quantile(0.99)), 100*s.SchedLatency.Over(10*time.Millisecond),
		bucketMillis(s.GCPauses.Quantile(0.99)), s.GCPauses.Total(), s.GCCPU, gcShare)
}

// bucketMillis prints a bucket bound: "≤" because it is an upper bound.
func bucketMillis(d time.Duration) string {
	if d == time.Duration(math.MaxInt64) {
		return "+Inf"
	}
	return "≤" + Millis(d)
}

// SelfRuntime reads this process's runtime metrics.
func SelfRuntime() RuntimeSample {
	samples := []metrics.Sample{
		{Name: "/sched/latencies:seconds"},
		{Name: "/sched/pauses/total/gc:seconds"},
		{Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/cpu/classes/total:cpu-seconds"},
	}
	metrics.Read(samples)
	var out RuntimeSample
	for i, s := range samples {
		switch s.Value.Kind() {
		case metrics.KindFloat64Histogram:
			h := s.Value.Float64Histogram()
			b := Buckets{Bounds: slices.Clone(h.Buckets[1:]), Counts: slices.Clone(h.Counts)}
			if i == 0 {
				out.SchedLatency = b
			} else {
				out.GCPauses = b
			}
		case metrics.KindFloat64:
			if i == 2 {
				out.GCCPU = s.Value.Float64()
			} else {
				out.TotalCPU = s.Value.Float64()
			}
		}
	}
	return out
}

// Runtime reads the server's runtime metrics from its /metrics.
func (s *Server) Runtime(ctx context.Context) (RuntimeSample, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var out RuntimeSample
	err := s.scrapeMetrics(ctx, http.DefaultClient, func(sc *bufio.Scanner) (err error) {
		out, err = parseRuntime(sc)
		return err
	})
	if err != nil {
		return RuntimeSample{}, err
	}
	if len(out.SchedLatency.Bounds) == 0 {
		return out, fmt.Errorf("GET /metrics has no go_sched_latencies_seconds histogram")
	}
	return out, nil
}

// parseRuntime reads the runtime series out of the Prometheus text format.
// Histogram buckets there are cumulative; Buckets holds per-bucket counts.
func parseRuntime(sc *bufio.Scanner) (RuntimeSample, error) {
	type cum struct {
		le []float64
		n  []uint64
	}
	hists := map[string]*cum{"go_sched_latencies_seconds": {}, "go_sched_pauses_total_gc_seconds": {}}
	var out RuntimeSample
	err := eachSample(sc, func(name string, value float64) error {
		switch name {
		case "go_cpu_classes_gc_total_cpu_seconds_total":
			out.GCCPU = value
			return nil
		case "go_cpu_classes_total_cpu_seconds_total":
			out.TotalCPU = value
			return nil
		}
		base, labels, ok := strings.Cut(name, "_bucket{le=\"")
		if !ok {
			return nil
		}
		h := hists[base]
		if h == nil {
			return nil
		}
		le, err := strconv.ParseFloat(strings.TrimSuffix(labels, "\"}"), 64)
		if err != nil {
			return fmt.Errorf("%s: bad bucket %q", base, labels)
		}
		h.le, h.n = append(h.le, le), append(h.n, uint64(value))
		return nil
	})
	if err != nil {
		return out, err
	}
	decum := func(c *cum) Buckets {
		b := Buckets{Bounds: c.le, Counts: make([]uint64, len(c.n))}
		var prev uint64
		for i, n := range c.n {
			if n >= prev {
				b.Counts[i] = n - prev
			}
			prev = n
		}
		return b
	}
	out.SchedLatency = decum(hists["go_sched_latencies_seconds"])
	out.GCPauses = decum(hists["go_sched_pauses_total_gc_seconds"])
	return out, nil
}

// MachineCPU is the CPU time every core of the machine spent busy (user,
// nice, system, irq, softirq and steal: everything but idle and iowait)
// and in all, from /proc/stat.
func MachineCPU() (busy, total time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var ticks [8]int64
	for i := range ticks {
		if ticks[i], err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
	}
	// user nice system idle iowait irq softirq steal
	busyTicks := ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
	totalTicks := busyTicks + ticks[3] + ticks[4]
	return time.Duration(busyTicks) * time.Second / clockTicks, time.Duration(totalTicks) * time.Second / clockTicks, nil
}

// CPUOfCommand is the user plus system CPU time so far of every running
// process whose command name is comm (say "postgres": the database's
// backends, which serve the server's queries on the same cores).
func CPUOfCommand(comm string) time.Duration {
	dirs, _ := os.ReadDir("/proc")
	var sum time.Duration
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		name, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(name)) != comm {
			continue
		}
		if t, err := procCPUTime(pid); err == nil {
			sum += t
		}
	}
	return sum
}
