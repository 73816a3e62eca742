package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
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
		var got map[string]float64
		if s.scrapeMetrics(ctx, client, func(sc *bufio.Scanner) error { got = parseGauges(sc); return nil }) != nil {
			return
		}
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
	_ = eachSample(sc, func(series string, v float64) error {
		if slices.Contains(RuntimeMetrics, series) {
			out[series] = v
		}
		return nil
	})
	return out
}

// scrapeMetrics GETs the server's /metrics with client and hands the body
// to parse.
func (s *Server) scrapeMetrics(ctx context.Context, client *http.Client, parse func(*bufio.Scanner) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/metrics", nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /metrics: %s", res.Status)
	}
	return parse(bufio.NewScanner(res.Body))
}

// eachSample calls fn with each sample of the Prometheus text format: the
// series (name and labels as written) and its value. Comments and lines
// that do not parse are skipped; fn's error ends the scan.
func eachSample(sc *bufio.Scanner, fn func(series string, value float64) error) error {
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		series, rest, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
		if err != nil {
			continue
		}
		if err := fn(series, v); err != nil {
			return err
		}
	}
	return sc.Err()
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
