package loadtest

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RuntimeMetrics are the server's own Go and process gauges (its /metrics)
// that explain its memory: what a peak RSS is made of.
var RuntimeMetrics = []string{
	"go_goroutines",
	"process_open_fds",
	"go_memstats_heap_inuse_bytes",
	"go_memstats_stack_inuse_bytes",
	"go_memstats_sys_bytes",
	"process_resident_memory_bytes",
}

// RuntimePeaks is the highest value of each RuntimeMetrics gauge seen.
type RuntimePeaks map[string]float64

// WatchRuntime scrapes the server's /metrics every interval until ctx ends
// and returns a function that reports the peaks seen so far. Sampling is
// coarse on purpose: it must not load the server it measures.
func (s *Server) WatchRuntime(ctx context.Context, every time.Duration) func() RuntimePeaks {
	var mu sync.Mutex
	peaks := RuntimePeaks{}
	client := &http.Client{Timeout: every}
	scrape := func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/metrics", nil)
		if err != nil {
			return
		}
		res, err := client.Do(req)
		if err != nil {
			return
		}
		defer res.Body.Close()
		got := parseGauges(bufio.NewScanner(res.Body))
		mu.Lock()
		defer mu.Unlock()
		for k, v := range got {
			peaks[k] = max(peaks[k], v)
		}
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				scrape()
			}
		}
	}()
	return func() RuntimePeaks {
		mu.Lock()
		defer mu.Unlock()
		out := make(RuntimePeaks, len(peaks))
		for k, v := range peaks {
			out[k] = v
		}
		return out
	}
}

// parseGauges picks the unlabelled RuntimeMetrics samples out of the
// Prometheus text format.
func parseGauges(sc *bufio.Scanner) map[string]float64 {
	out := map[string]float64{}
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		for _, m := range RuntimeMetrics {
			if name == m {
				if v, err := strconv.ParseFloat(strings.Fields(value)[0], 64); err == nil {
					out[name] = v
				}
			}
		}
	}
	return out
}

// LoadAverage is the machine's one-minute load average: the benchmark
// shares two cores with whatever else runs, and says so when it is busy.
func LoadAverage() (float64, error) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseFloat(f[0], 64)
}
