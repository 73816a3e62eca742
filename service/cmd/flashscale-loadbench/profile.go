package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"sync"
	"time"
)

// profiler captures, in the middle of a sale, a CPU profile and an
// execution trace of the server (through its FLASHSCALE_DEBUG_ADDR
// listener) and of the generator itself, over the same window: with both
// sides on two shared cores, a latency tail is explained only by looking
// at both. Read them with `go tool pprof` and `go tool trace`.
type profiler struct {
	dir, store, debugAddr string
	cpu, tracing          time.Duration
}

// newProfiler reserves a loopback port for the server's profiler.
func newProfiler(dir, store string, cpu time.Duration) (*profiler, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	return &profiler{dir: dir, store: store, debugAddr: addr, cpu: cpu, tracing: min(cpu, 5*time.Second)}, nil
}

func (p *profiler) serverEnv() string { return "FLASHSCALE_DEBUG_ADDR=" + p.debugAddr }

// capture waits delay, then profiles both processes; the returned wait
// blocks until the files are written and reports where.
func (p *profiler) capture(ctx context.Context, delay time.Duration, out io.Writer) (wait func()) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var notes []string
	note := func(format string, args ...any) {
		mu.Lock()
		notes = append(notes, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	wg.Go(func() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		var inner sync.WaitGroup
		inner.Go(func() { p.fetch(ctx, "profile", p.cpu, "cpu.pprof", note) })
		inner.Go(func() { p.fetch(ctx, "trace", p.tracing, "trace", note) })
		inner.Go(func() { p.self(p.cpu, note) })
		inner.Wait()
	})
	return func() {
		wg.Wait()
		for _, n := range notes {
			fmt.Fprintln(out, n)
		}
	}
}

func (p *profiler) path(who, kind string) string {
	return filepath.Join(p.dir, fmt.Sprintf("%s-%s.%s", who, p.store, kind))
}

func (p *profiler) fetch(ctx context.Context, what string, d time.Duration, kind string, note func(string, ...any)) {
	url := "http://" + p.debugAddr + "/debug/pprof/" + what + "?seconds=" + strconv.Itoa(int(d.Seconds()))
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		note("profile: %v", err)
		return
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		note("profile: server %s: %v", what, err)
		return
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		note("profile: server %s: %s %s", what, res.Status, b)
		return
	}
	path := p.path("server", kind)
	f, err := os.Create(path)
	if err != nil {
		note("profile: %v", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, res.Body); err != nil {
		note("profile: server %s: %v", what, err)
		return
	}
	note("profile: server %s (%s) in %s", what, d, path)
}

// self profiles the generator for d, with a trace of its first p.tracing.
func (p *profiler) self(d time.Duration, note func(string, ...any)) {
	cpuPath, tracePath := p.path("generator", "cpu.pprof"), p.path("generator", "trace")
	cf, err := os.Create(cpuPath)
	if err != nil {
		note("profile: %v", err)
		return
	}
	defer cf.Close()
	tf, err := os.Create(tracePath)
	if err != nil {
		note("profile: %v", err)
		return
	}
	defer tf.Close()
	if err := pprof.StartCPUProfile(cf); err != nil {
		note("profile: generator: %v", err)
		return
	}
	if err := trace.Start(tf); err == nil {
		time.Sleep(p.tracing)
		trace.Stop()
	}
	time.Sleep(d - p.tracing)
	pprof.StopCPUProfile()
	note("profile: generator CPU (%s) in %s, trace (%s) in %s", d, cpuPath, p.tracing, tracePath)
}
