// Command flashscale-loadbench measures one flashscale instance under load:
// it starts the real binary on a loopback port (SQLite in a fresh
// directory, or a throwaway PostgreSQL database) and drives it with the
// load models of service/loadtest. Scenario "shoppers" (the default) shows
// how many flash-sale shoppers it holds: per-route throughput and latency,
// peak RSS and CPU. Scenario "overload" measures checkout capacity at a
// small admission limit, then drives three times that: admitted p99, shed
// latency, memory and a no-loss audit, as ratios to the capacity run.
// `make bench` runs both.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/flashscale/flashscale/service/loadtest"
)

// Targets for one instance on the 2-core reference machine (README.md).
const (
	targetP99 = 100 * time.Millisecond
	targetRSS = 256 << 20
	// busyOthers is how much CPU other processes may take during a sale
	// before the report warns that the latencies are the machine's.
	busyOthers = 0.1
)

type envList []string

func (e *envList) String() string { return strings.Join(*e, ",") }
func (e *envList) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("%q: want KEY=VALUE", v)
	}
	*e = append(*e, v)
	return nil
}

type options struct {
	scenario                      string
	bin, stores, adminURL, logDir string
	users                         int
	duration, rampUp              time.Duration
	thinkMin, thinkMax            time.Duration
	stock, hotStock               int
	hotRatio                      float64
	shedRetries                   int
	signUpConcurrency             int
	serverEnv                     envList
	strict                        bool
	profileDir                    string
	overload                      overloadOptions
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("flashscale-loadbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scenario, "scenario", "shoppers", "shoppers (the sale-day shopper mix) or overload (checkout at 1× and 3× the admission limit)")
	fs.StringVar(&o.bin, "bin", "bin/flashscale", "the flashscale binary to start")
	fs.StringVar(&o.stores, "store", "sqlite,postgres", "stores to run against: sqlite, postgres, or both comma-separated")
	fs.StringVar(&o.adminURL, "database-url", envOr("FLASHSCALE_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server to create the throwaway database on (env FLASHSCALE_BENCH_DATABASE_URL)")
	fs.IntVar(&o.users, "users", 5000, "concurrent shoppers")
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "length of each run, ramp-up included")
	fs.DurationVar(&o.rampUp, "ramp-up", 10*time.Second, "spread the shoppers' starts over this")
	fs.DurationVar(&o.thinkMin, "think-min", time.Second, "shortest think time between actions")
	fs.DurationVar(&o.thinkMax, "think-max", 3*time.Second, "longest think time between actions")
	fs.IntVar(&o.stock, "stock", 50000, "stock of every product at the start")
	fs.IntVar(&o.hotStock, "hot-stock", 100, "stock of the doorbuster (first product), which sells out during the run")
	fs.Float64Var(&o.hotRatio, "hot-ratio", 0.25, "share of checkouts that go for the doorbuster")
	fs.IntVar(&o.shedRetries, "shed-retries", 3, "retries of a request shed with 503 overloaded before the shopper gives up (-scenario overload: 5 unless set, as the web shop)")
	fs.IntVar(&o.signUpConcurrency, "signup-concurrency", 4, "registrations in flight before the sale (each is one argon2id hash on the server)")
	fs.Var(&o.serverEnv, "server-env", "KEY=VALUE for the server (repeatable), e.g. FLASHSCALE_CHECKOUT_MAX_INFLIGHT=64")
	fs.StringVar(&o.logDir, "log-dir", "", "keep the server logs here (default: a temporary directory, removed)")
	fs.BoolVar(&o.strict, "strict", false, "exit 1 when a target (p99, peak RSS) is missed, not only on failed requests")
	fs.StringVar(&o.profileDir, "profile", "", "write a CPU profile and an execution trace of the server and of the generator, taken together in the middle of the sale, to this directory")
	o.overload.flags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.scenario != "shoppers" && o.scenario != "overload" {
		fmt.Fprintf(stderr, "flashscale-loadbench: -scenario %q: want shoppers or overload\n", o.scenario)
		return 2
	}
	if o.scenario == "overload" {
		// Unless told otherwise, shed purchases are retried as the web
		// shop retries them (MAX_AUTO_RETRIES in place-order.ts).
		o.shedRetries = loadtest.DefaultOverload().ShedRetries
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "shed-retries" {
				o.shedRetries, _ = strconv.Atoi(f.Value.String())
			}
		})
	}
	stores := strings.Split(o.stores, ",")
	for _, s := range stores {
		if s != "sqlite" && s != "postgres" {
			fmt.Fprintf(stderr, "flashscale-loadbench: -store %q: want sqlite, postgres or both\n", s)
			return 2
		}
	}
	if _, err := os.Stat(o.bin); err != nil {
		fmt.Fprintf(stderr, "flashscale-loadbench: %v (build it with `make build`, or pass -bin)\n", err)
		return 2
	}
	users := o.users
	if o.scenario == "overload" {
		users = o.overload.maxInFlight * o.overload.factor
	}
	if err := raiseFileLimit(users); err != nil {
		fmt.Fprintln(stderr, "flashscale-loadbench:", err)
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	version, _ := exec.Command(o.bin, "version").Output()
	fmt.Fprintf(stdout, "flashscale-loadbench: %s", version)
	fmt.Fprintf(stdout, "machine: %d CPUs, %s; server and load generator share them\n\n", runtime.NumCPU(), runtime.Version())

	code := 0
	for _, store := range stores {
		bench := benchStore
		if o.scenario == "overload" {
			bench = benchOverload
		}
		c := bench(ctx, o, store, stdout)
		code = max(code, c)
		if ctx.Err() != nil {
			break
		}
	}
	return code
}

// benchStore runs one store and returns the exit code it earns.
func benchStore(ctx context.Context, o options, store string, out io.Writer) int {
	fmt.Fprintf(out, "== %s: %d users, %s (ramp-up %s), think %s-%s ==\n", store, o.users, o.duration, o.rampUp, o.thinkMin, o.thinkMax)
	fail := func(format string, args ...any) int {
		fmt.Fprintf(out, "FAILED: "+format+"\n\n", args...)
		return 1
	}

	so, cleanup, err := serverOptions(ctx, o, store, "server-"+store+".log", out)
	if err != nil {
		return fail("%v", err)
	}
	defer cleanup()
	var prof *profiler
	if o.profileDir != "" {
		// The profile covers the sale after the ramp-up, a third of what
		// is left at most.
		if prof, err = newProfiler(o.profileDir, store, max(time.Second, min(20*time.Second, (o.duration-o.rampUp)/3))); err != nil {
			return fail("profile: %v", err)
		}
		so.Env = append(slices.Clip(so.Env), prof.serverEnv())
	}
	srv, err := loadtest.StartServer(ctx, so)
	if err != nil {
		return fail("%v", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = srv.Stop(10 * time.Second)
		}
	}()

	products, err := loadtest.Stock(ctx, srv, o.stock, o.hotStock)
	if err != nil {
		return fail("stocking the sale: %v", err)
	}

	cfg := loadtest.DefaultConfig(srv.URL, o.users, o.duration)
	cfg.RampUp, cfg.ThinkMin, cfg.ThinkMax = o.rampUp, o.thinkMin, o.thinkMax
	cfg.HotRatio, cfg.MaxShedRetries = o.hotRatio, o.shedRetries
	cfg.SignUpConcurrency = o.signUpConcurrency

	if la, err := loadtest.LoadAverage(); err == nil && la > 1 {
		fmt.Fprintf(out, "warning: load average %.1f before the run: other processes compete for the CPUs and the numbers will be worse than this machine can do\n", la)
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	peaks := srv.WatchRuntime(watchCtx, 2*time.Second)
	var serverCPU0, selfCPU0 time.Duration
	var serverRT0, selfRT0 loadtest.RuntimeSample
	var serverRTErr, machineErr error
	var busy0, pg0 time.Duration
	waitProfile := func() {}
	cfg.AfterSignUp = func() {
		serverCPU0, _ = srv.CPUTime()
		selfCPU0 = selfCPUTime()
		serverRT0, serverRTErr = srv.Runtime(ctx)
		selfRT0 = loadtest.SelfRuntime()
		busy0, _, machineErr = loadtest.MachineCPU()
		pg0 = loadtest.CPUOfCommand("postgres")
		if prof != nil {
			waitProfile = prof.capture(ctx, o.rampUp+(o.duration-o.rampUp)/3, out)
		}
	}
	res, err := loadtest.Run(ctx, cfg)
	if err != nil {
		return fail("%v", err)
	}
	stopWatch()
	serverCPU1, cpuErr := srv.CPUTime()
	selfCPU1 := selfCPUTime()
	busy1, _, err := loadtest.MachineCPU()
	machineErr = errors.Join(machineErr, err)
	pg1 := loadtest.CPUOfCommand("postgres")
	selfRT := loadtest.SelfRuntime().Sub(selfRT0)
	var serverRT loadtest.RuntimeSample
	if serverRTErr == nil {
		var rt loadtest.RuntimeSample
		if rt, serverRTErr = srv.Runtime(ctx); serverRTErr == nil {
			serverRT = rt.Sub(serverRT0)
		}
	}
	rss, rssErr := srv.PeakRSS()
	if srv.Exited() {
		return fail("the server died during the run:\n%s", srv.Output())
	}

	loadtest.WriteTable(out, res)
	fmt.Fprintln(out)
	waitProfile()

	code := 0
	// Stock is the store's truth: what left it must be exactly what the
	// shoppers were sold, or an order was lost or a unit oversold.
	stockOK := true
	for _, p := range products {
		now, err := loadtest.GetProduct(ctx, srv.URL, p.ID)
		if err != nil {
			return fail("reading stock of %s: %v", p.ID, err)
		}
		if sold := int64(p.Stock - now.Stock); sold != res.UnitsBought[p.ID] || now.Stock < 0 {
			fmt.Fprintf(out, "stock mismatch: %s went %d -> %d, shoppers were sold %d\n", p.ID, p.Stock, now.Stock, res.UnitsBought[p.ID])
			stockOK = false
		}
	}

	if err := srv.Stop(60 * time.Second); err != nil {
		fmt.Fprintf(out, "server stop: %v\n", err)
		code = 1
	}
	stopped = true

	elapsed := res.Elapsed.Seconds()
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	if cpuErr == nil {
		d := (serverCPU1 - serverCPU0).Seconds()
		perReq := 0.0
		if res.Total.Requests > 0 {
			perReq = d / float64(res.Total.Requests) * 1e6
		}
		fmt.Fprintf(tw, "server CPU:\t%.1f s (%.0f%% of one core), %.0f µs per request\n", d, 100*d/elapsed, perReq)
	}
	d := (selfCPU1 - selfCPU0).Seconds()
	fmt.Fprintf(tw, "generator CPU:\t%.1f s (%.0f%% of one core)\n", d, 100*d/elapsed)
	// Where a shared tail comes from: each process's goroutines waiting
	// for a CPU, and its GC, during the sale.
	if serverRTErr != nil {
		fmt.Fprintf(tw, "server runtime:\tunknown: %v\n", serverRTErr)
	} else {
		fmt.Fprintf(tw, "server runtime:\t%s\n", serverRT.Summary())
	}
	fmt.Fprintf(tw, "generator runtime:\t%s\n", selfRT.Summary())
	// What the rest of the machine took from the same cores: a tail that
	// comes with a busy machine is the machine's, not the server's.
	var others float64
	if machineErr == nil && cpuErr == nil {
		cores := func(d time.Duration) float64 { return d.Seconds() / elapsed }
		busy, pg := cores(busy1-busy0), cores(pg1-pg0)
		server, gen := cores(serverCPU1-serverCPU0), cores(selfCPU1-selfCPU0)
		others = max(0, busy-server-gen-pg)
		fmt.Fprintf(tw, "machine during the sale:\t%.2f of %d cores busy: server %.2f, generator %.2f, postgres %.2f, everything else %.2f\n",
			busy, runtime.NumCPU(), server, gen, pg, others)
	}
	if rssErr != nil {
		fmt.Fprintf(tw, "server peak RSS:\tunknown: %v\n", rssErr)
	} else {
		fmt.Fprintf(tw, "server peak RSS:\t%s (VmHWM)\n", loadtest.MiB(rss))
	}
	if p := peaks(); len(p) > 0 {
		fmt.Fprintf(tw, "server runtime peaks:\t%.0f goroutines, %.0f open fds, heap in use %s, stacks %s, Go runtime total %s (sampled every 2s)\n",
			p["go_goroutines"], p["process_open_fds"], loadtest.MiB(int64(p["go_memstats_heap_inuse_bytes"])),
			loadtest.MiB(int64(p["go_memstats_stack_inuse_bytes"])), loadtest.MiB(int64(p["go_memstats_sys_bytes"])))
	}
	stockMsg := "matches confirmed orders"
	if !stockOK {
		stockMsg = "MISMATCH"
	}
	fmt.Fprintf(tw, "units sold:\t%d (stock %s)\n", sum(res.UnitsBought), stockMsg)
	tw.Flush()

	p99 := res.Total.Quantile(99)
	failed := res.Failed() // the sale's and the sign-up's
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	fmt.Fprintln(out, "targets:")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %d users, zero failed requests\t%d failed\t%s\n", o.users, failed, met(failed == 0))
	fmt.Fprintf(tw, "  p99 < %s\t%s\t%s\n", loadtest.Millis(targetP99), loadtest.Millis(p99), met(p99 < targetP99))
	fmt.Fprintf(tw, "  peak RSS < %s\t%s\t%s\n", loadtest.MiB(targetRSS), loadtest.MiB(rss), met(rssErr == nil && rss < targetRSS))
	tw.Flush()
	if res.Total.Shed > 0 {
		fmt.Fprintf(out, "note: %d responses were shed (503 overloaded) and retried\n", res.Total.Shed)
	}
	if others > busyOthers {
		fmt.Fprintf(out, "note: other processes kept %.2f cores busy during the sale; goroutines waiting for a CPU (the runtime lines above) are their doing, not the server's work\n", others)
	}
	fmt.Fprintln(out)

	if failed > 0 || !stockOK {
		code = 1
	}
	if o.strict && (p99 >= targetP99 || rssErr != nil || rss >= targetRSS) {
		code = 1
	}
	return code
}

// serverOptions prepares a server for one store: a fresh SQLite directory
// or a throwaway PostgreSQL database, and a log file named logName.
// cleanup removes them (but keeps the log when -log-dir is set).
func serverOptions(ctx context.Context, o options, store, logName string, out io.Writer) (so loadtest.ServerOptions, cleanup func(), err error) {
	var undo []func()
	cleanup = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	work, err := os.MkdirTemp("", "flashscale-loadbench-")
	if err != nil {
		return so, nil, err
	}
	undo = append(undo, func() { os.RemoveAll(work) })
	logDir := work
	if o.logDir != "" {
		logDir = o.logDir
		if err := os.MkdirAll(logDir, 0o755); err != nil {
			return so, nil, err
		}
	}
	logFile, err := os.Create(filepath.Join(logDir, logName))
	if err != nil {
		return so, nil, err
	}
	undo = append(undo, func() { logFile.Close() })

	so = loadtest.ServerOptions{Bin: o.bin, DataDir: filepath.Join(work, "data"), Env: o.serverEnv, Log: logFile}
	if store == "postgres" {
		dbURL, drop, err := loadtest.TempDatabase(ctx, o.adminURL)
		if err != nil {
			return so, nil, err
		}
		undo = append(undo, func() {
			dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := drop(dctx); err != nil {
				fmt.Fprintf(out, "warning: dropping the throwaway database: %v\n", err)
			}
		})
		so.DatabaseURL, so.DataDir = dbURL, ""
	}
	return so, cleanup, nil
}

// raiseFileLimit makes room for one socket per shopper plus slack. The
// server is a child and inherits the limit (it is also a Go program, which
// raises its own soft limit to the hard one).
func raiseFileLimit(users int) error {
	need := uint64(2*users + 1024)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= need {
		return nil
	}
	lim.Cur = need
	lim.Max = max(lim.Max, need)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("%d users need %d open files; raising RLIMIT_NOFILE: %w (try `ulimit -n %d`)", users, need, err, need)
	}
	return nil
}

func selfCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
