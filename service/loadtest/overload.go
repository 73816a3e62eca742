package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"
)

// Overload is the overload scenario: a server with a small, explicit
// admission limit; first its capacity, measured as checkouts/s of exactly
// MaxInFlight closed-loop clients with no think time; then Factor times as
// many clients, which it can only serve by queueing and shedding the
// excess. What it shows: admitted requests keep a bounded p99, shed
// requests are answered quickly, the process stays up with bounded memory,
// and no confirmed order is lost or duplicated.
//
// Each run gets a fresh server on a fresh store: a store gets slower or
// faster as its tables grow (see README.md), and the two runs must
// differ only in their number of clients for their ratio to mean anything.
type Overload struct {
	// NewServer says how to start flashscale on a fresh, empty store;
	// RunOverload adds the admission settings below to its environment
	// and calls cleanup (if not nil) once the server has stopped.
	NewServer func(ctx context.Context) (opts ServerOptions, cleanup func(), err error)
	// MaxInFlight and QueueWait are FLASHSCALE_CHECKOUT_MAX_INFLIGHT and
	// FLASHSCALE_CHECKOUT_QUEUE_WAIT.
	MaxInFlight int
	QueueWait   time.Duration
	// Factor multiplies the capacity run's clients for the overload run.
	Factor int
	// Duration is each run's length, the first Warmup of which the
	// statistics leave out.
	Duration, Warmup time.Duration
	// Stock is set on the product every client buys, enough never to sell
	// out (a sold-out product answers 409 without work, which would flatter
	// both runs).
	Stock int
	// ShedRetries and RetryJitter are the clients' retry policy; the
	// defaults are the web shop's.
	ShedRetries int
	RetryJitter time.Duration
	// AuditWorkers read back orders in parallel after each run.
	AuditWorkers int
	// Progress, if set, is told what is happening.
	Progress io.Writer
}

// DefaultOverload is the scenario `make bench` runs.
func DefaultOverload() Overload {
	return Overload{
		MaxInFlight: 32, QueueWait: 10 * time.Millisecond, Factor: 3,
		Duration: 20 * time.Second, Warmup: 2 * time.Second,
		Stock: 5_000_000, ShedRetries: 5, RetryJitter: 500 * time.Millisecond, AuditWorkers: 16,
	}
}

func (o *Overload) validate() error {
	var errs []error
	if o.NewServer == nil {
		errs = append(errs, errors.New("no NewServer"))
	}
	if o.MaxInFlight < 1 || o.Factor < 1 || o.QueueWait < 0 {
		errs = append(errs, fmt.Errorf("max in flight %d, factor %d, queue wait %s: want >= 1, >= 1, >= 0",
			o.MaxInFlight, o.Factor, o.QueueWait))
	}
	if o.Warmup < 0 || o.Duration <= o.Warmup {
		errs = append(errs, fmt.Errorf("runs of %s with warm-up %s: a run must outlast its warm-up", o.Duration, o.Warmup))
	}
	if o.Stock < 1 || o.ShedRetries < 0 || o.RetryJitter < 0 || o.AuditWorkers < 1 {
		errs = append(errs, errors.New("stock, audit workers must be positive; retries and jitter not negative"))
	}
	return errors.Join(errs...)
}

// Phase is one of the two runs, on its own server.
type Phase struct {
	Name    string
	Clients int
	Result  *CheckoutResult
	// Product is what every client bought.
	Product Product
	// PeakRSS is the server's VmHWM at the end of the run.
	PeakRSS int64
	// RSSHalves is the highest VmRSS sampled in the first and the second
	// half of the run: memory that keeps growing under a steady load
	// shows as a second half well above the first.
	RSSHalves [2]int64
	// Runtime is the peak of the server's Go runtime gauges.
	Runtime RuntimePeaks
	// Counters is how much the server's own counters grew during the run.
	Counters Counters
	// Audit is the read-back of every order confirmed, StockBefore and
	// StockAfter the product's stock around the run.
	Audit                   *OrderAudit
	StockBefore, StockAfter int
	// ServerAlive says the server answered /readyz after the run and
	// exited cleanly on SIGTERM; ServerProblem says otherwise.
	ServerAlive   bool
	ServerProblem string
	ServerOutput  string
}

// Failures are what makes a run fail whatever the machine: a failed
// request, a lost, invented or duplicated order, stock that does not
// match the orders, a server that disagrees with its clients or died.
func (p *Phase) Failures() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, p.Name+": "+fmt.Sprintf(format, args...)) }
	if !p.ServerAlive {
		add("server: %s", p.ServerProblem)
	}
	if p.Result == nil {
		return append(out, p.Name+": did not run")
	}
	if n := p.Result.Errors; n > 0 {
		add("%d failed requests (not 201, 409, or 503 overloaded with Retry-After)", n)
	}
	a := p.Audit
	if a == nil {
		return append(out, p.Name+": orders not audited")
	}
	if !a.OK() {
		add("order audit: %d of %d confirmed orders read back, %d missing, %d nobody was told of, %d keys with two orders",
			a.Found, a.Orders, a.Missing, a.Unexpected, a.DuplicateKeys)
	}
	if sold := int64(p.StockBefore - p.StockAfter); sold != a.Units {
		add("stock went %d -> %d (%d units) but confirmed orders hold %d units", p.StockBefore, p.StockAfter, sold, a.Units)
	}
	if int(p.Counters.OrdersPlaced) != a.Orders || int64(p.Counters.UnitsSold) != a.Units {
		add("the server counted %.0f orders, %.0f units placed; its clients were confirmed %d orders, %d units",
			p.Counters.OrdersPlaced, p.Counters.UnitsSold, a.Orders, a.Units)
	}
	if int64(p.Counters.Shed) != p.Result.AllShed {
		add("flashscale_checkout_rejections_total{reason=\"shed\"} grew by %.0f; clients got %d 503 overloaded", p.Counters.Shed, p.Result.AllShed)
	}
	if p.StockAfter <= 0 {
		add("the product sold out, so sold-out answers replaced real work: raise the stock")
	}
	return out
}

// OverloadReport is the outcome of RunOverload.
type OverloadReport struct {
	Config               Overload
	Capacity, Overloaded Phase
}

// Failures of both runs.
func (r *OverloadReport) Failures() []string {
	return append(r.Capacity.Failures(), r.Overloaded.Failures()...)
}

// Target is one bound the scenario is judged by, and whether it held.
type Target struct {
	What, Got string
	Met       bool
}

// ShedSlack is how much later than the queue wait a shed answer may come.
const ShedSlack = 25 * time.Millisecond

// Targets are the scenario's claims, each held against the capacity run
// of the same invocation; on a busy machine they can miss without the
// server being wrong, so they are reported, and fail the run only when
// the caller says so.
func (r *OverloadReport) Targets() []Target {
	c, o := r.Capacity.Result, r.Overloaded.Result
	if c == nil || o == nil {
		return nil
	}
	wait := r.Config.QueueWait
	p99c, p99o := Quantile(c.AdmittedLatency, 99), Quantile(o.AdmittedLatency, 99)
	shed99 := Quantile(o.ShedLatency, 99)
	// An admitted request waits at most the queue wait for its slot and
	// is then served with as many others in flight as at capacity; the
	// factor 1.5 is room for the extra connections' CPU on a small machine.
	bound := wait + p99c*3/2
	rssRatio := ratio(float64(r.Overloaded.PeakRSS), float64(r.Capacity.PeakRSS))
	tput := ratio(o.PerSecond(o.Created), c.PerSecond(c.Created))
	return []Target{
		{fmt.Sprintf("excess is shed: 503 overloaded at %d× the clients", r.Config.Factor),
			fmt.Sprintf("%d shed (%.0f/s)", o.Shed, o.PerSecond(o.Shed)), o.Shed > 0},
		{fmt.Sprintf("shed answers are quick: p99 < queue wait + %s = %s", Millis(ShedSlack), Millis(wait+ShedSlack)),
			Millis(shed99), o.Shed > 0 && shed99 < wait+ShedSlack},
		{fmt.Sprintf("admitted p99 bounded: < queue wait + 1.5 × p99 at 1× = %s", Millis(bound)),
			fmt.Sprintf("%s (%.2f× the 1× p99)", Millis(p99o), ratio(float64(p99o), float64(p99c))), p99o < bound},
		{"throughput holds: admitted checkouts/s >= 0.8 × capacity",
			fmt.Sprintf("%.0f/s (%.2f× capacity)", o.PerSecond(o.Created), tput), tput >= 0.8},
		{"memory bounded: peak RSS < 1.5 × the capacity run's",
			fmt.Sprintf("%s (%.2f×)", MiB(r.Overloaded.PeakRSS), rssRatio), rssRatio > 0 && rssRatio < 1.5},
		{"memory does not creep: second half's peak RSS < 1.1 × first half's",
			fmt.Sprintf("%s vs %s", MiB(r.Overloaded.RSSHalves[1]), MiB(r.Overloaded.RSSHalves[0])),
			r.Overloaded.RSSHalves[0] > 0 && float64(r.Overloaded.RSSHalves[1]) < 1.1*float64(r.Overloaded.RSSHalves[0])},
	}
}

// PairedTargets judges the targets over several pairs of runs (capacity,
// overload, capacity, overload …, each pair measured back to back so a
// slowdown of the machine lands on both of its runs), given each pair's
// Targets: a target holds when it held in the median pair, that is in more
// than half of them, and Got lists every pair's figure. One pair judges as
// Targets does.
func PairedTargets(pairs [][]Target) []Target {
	var out []Target
	var met []int
	for i, ts := range pairs {
		for j, t := range ts {
			if j == len(out) {
				out, met = append(out, Target{What: t.What}), append(met, 0)
			}
			if i > 0 {
				out[j].Got += " | "
			}
			out[j].Got += t.Got
			if t.Met {
				met[j]++
			}
		}
	}
	for j := range out {
		out[j].Met = 2*met[j] > len(pairs)
		if len(pairs) > 1 {
			out[j].Got += fmt.Sprintf(" (met in %d of %d pairs)", met[j], len(pairs))
		}
	}
	return out
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func (o *Overload) progress(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

// RunOverload runs the capacity run, then the overload run, each on a
// fresh server. It returns an error when the scenario could not be run at
// all; what went wrong during it is in the report's Failures.
func RunOverload(ctx context.Context, o Overload) (*OverloadReport, error) {
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	r := &OverloadReport{Config: o}
	if err := o.runPhase(ctx, &r.Capacity, "capacity (1×)", o.MaxInFlight); err != nil {
		return nil, err
	}
	if err := o.runPhase(ctx, &r.Overloaded, fmt.Sprintf("overload (%d×)", o.Factor), o.Factor*o.MaxInFlight); err != nil {
		return nil, err
	}
	return r, nil
}

// runPhase starts a server, runs clients against it, audits what they
// were confirmed and stops it.
func (o *Overload) runPhase(ctx context.Context, ph *Phase, name string, clients int) (err error) {
	ph.Name, ph.Clients = name, clients
	so, cleanup, err := o.NewServer(ctx)
	if err != nil {
		return err
	}
	if cleanup != nil {
		defer cleanup()
	}
	so.Env = append(append([]string(nil), so.Env...),
		"FLASHSCALE_CHECKOUT_MAX_INFLIGHT="+strconv.Itoa(o.MaxInFlight),
		"FLASHSCALE_CHECKOUT_QUEUE_WAIT="+o.QueueWait.String())
	srv, err := StartServer(ctx, so)
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = srv.Stop(10 * time.Second)
		}
	}()

	products, err := ListProducts(ctx, srv.URL)
	if err != nil {
		return err
	}
	if len(products) == 0 {
		return fmt.Errorf("the catalog at %s is empty", srv.URL)
	}
	// Everyone wants the doorbuster: all checkouts on one product's row,
	// the hardest case for the store.
	ph.Product = products[0]
	if err := SetStock(ctx, srv.URL, srv.AdminToken, ph.Product.ID, o.Stock); err != nil {
		return err
	}
	p, err := GetProduct(ctx, srv.URL, ph.Product.ID)
	if err != nil {
		return err
	}
	ph.StockBefore = p.Stock
	// Checkout needs an account, and a new account is an argon2id hash:
	// at thousands of checkouts a second, a new shopper every 2 units would
	// measure registration, not checkout. So the doorbuster's cap is
	// lifted for the run and each client's one account (registered before
	// the clock starts) buys all its units; the purchase-limit path is
	// never taken here either way.
	if err := SetLimit(ctx, srv.URL, srv.AdminToken, ph.Product.ID, 0); err != nil {
		return err
	}
	ph.Product.MaxPerShopper = 0
	perShopper := math.MaxInt32
	c0, err := ReadCounters(ctx, srv.URL)
	if err != nil {
		return err
	}

	o.progress("%s: %d clients for %s", name, clients, o.Duration)
	wctx, stopWatch := context.WithCancel(ctx)
	peaks := srv.WatchRuntime(wctx, time.Second)
	halves := srv.watchRSS(wctx, time.Now().Add(o.Duration/2))
	cfg := NewCheckoutLoad(srv.URL, ph.Product.ID, clients, perShopper, o.Duration, o.Warmup)
	cfg.MaxShedRetries, cfg.RetryJitter = o.ShedRetries, o.RetryJitter
	res, err := RunCheckouts(ctx, cfg)
	stopWatch()
	if err != nil {
		return err
	}
	ph.Result, ph.Runtime, ph.RSSHalves = res, peaks(), halves()
	if srv.Exited() {
		stopped = true
		ph.ServerProblem = fmt.Sprintf("died during the run: %v", srv.exitErr())
		ph.ServerOutput = srv.Output()
		return nil
	}
	if ph.PeakRSS, err = srv.PeakRSS(); err != nil {
		return err
	}
	if err := ready(ctx, srv.URL); err != nil {
		ph.ServerProblem = "after the run: " + err.Error()
	}
	c1, err := ReadCounters(ctx, srv.URL)
	if err != nil {
		return err
	}
	ph.Counters = c1.Sub(c0)

	o.progress("%s: auditing %d orders", name, len(res.Orders))
	if ph.Audit, err = AuditOrders(ctx, srv.URL, res.Orders, o.AuditWorkers); err != nil {
		return err
	}
	if p, err = GetProduct(ctx, srv.URL, ph.Product.ID); err != nil {
		return err
	}
	ph.StockAfter = p.Stock

	stopped = true
	if err := srv.Stop(60 * time.Second); err != nil && ph.ServerProblem == "" {
		ph.ServerProblem = "stopping: " + err.Error()
	}
	ph.ServerAlive = ph.ServerProblem == ""
	if !ph.ServerAlive {
		ph.ServerOutput = srv.Output()
	}
	return nil
}

func ready(ctx context.Context, baseURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/readyz", nil)
	if err != nil {
		return err
	}
	res, err := adminClient.Do(req)
	if err != nil {
		return fmt.Errorf("/readyz: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz answered %d", res.StatusCode)
	}
	return nil
}

// watchRSS samples VmRSS every 100 ms until ctx ends and reports the
// highest sample before and after mid.
func (s *Server) watchRSS(ctx context.Context, mid time.Time) func() [2]int64 {
	var mu sync.Mutex
	var halves [2]int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				rss, err := s.RSS()
				if err != nil {
					return
				}
				i := 0
				if now.After(mid) {
					i = 1
				}
				mu.Lock()
				halves[i] = max(halves[i], rss)
				mu.Unlock()
			}
		}
	}()
	return func() [2]int64 {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return halves
	}
}

// WriteOverload prints the report: both runs side by side, the ratios of
// the overload run to the capacity run, the audits, failures and targets.
func WriteOverload(w io.Writer, r *OverloadReport) {
	c, o := r.Capacity.Result, r.Overloaded.Result
	cfg := r.Config
	fmt.Fprintf(w, "every client buys 1 unit of %s at a time with one account (registered before the run; the product's cap lifted for it); stock %d; each run on a fresh server and store\n",
		r.Capacity.Product.ID, r.Capacity.StockBefore)
	fmt.Fprintf(w, "admission: FLASHSCALE_CHECKOUT_MAX_INFLIGHT=%d FLASHSCALE_CHECKOUT_QUEUE_WAIT=%s; a shed purchase is retried with its key after Retry-After + up to %s, at most %d times\n",
		cfg.MaxInFlight, cfg.QueueWait, cfg.RetryJitter, cfg.ShedRetries)
	if c == nil || o == nil {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\t%s\t%s\tratio\t\n", r.Capacity.Name, r.Overloaded.Name)
	row := func(name string, a, b float64, format string) {
		fmt.Fprintf(tw, "%s\t"+format+"\t"+format+"\t%.2f×\t\n", name, a, b, ratio(b, a))
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	fmt.Fprintf(tw, "clients\t%d\t%d\t\t\n", c.Clients, o.Clients)
	fmt.Fprintf(tw, "measured window\t%s\t%s\t\t\n", c.Window, o.Window)
	row("admitted checkouts/s (201)", c.PerSecond(c.Created), o.PerSecond(o.Created), "%.0f")
	fmt.Fprintf(tw, "shed/s (503)\t%.0f\t%.0f\t\t\n", c.PerSecond(c.Shed), o.PerSecond(o.Shed))
	for _, q := range []float64{50, 95, 99} {
		row(fmt.Sprintf("admitted p%g (ms)", q), ms(Quantile(c.AdmittedLatency, q)), ms(Quantile(o.AdmittedLatency, q)), "%.1f")
	}
	row("admitted max (ms)", ms(MaxLatency(c.AdmittedLatency)), ms(MaxLatency(o.AdmittedLatency)), "%.1f")
	for _, q := range []float64{50, 95, 99} {
		fmt.Fprintf(tw, "shed p%g (ms)\t%s\t%s\t\t\n", q, orDash(c.Shed, ms(Quantile(c.ShedLatency, q))), orDash(o.Shed, ms(Quantile(o.ShedLatency, q))))
	}
	fmt.Fprintf(tw, "shed max (ms)\t%s\t%s\t\t\n", orDash(c.Shed, ms(MaxLatency(c.ShedLatency))), orDash(o.Shed, ms(MaxLatency(o.ShedLatency))))
	row("purchase p50, retries incl. (ms)", ms(Quantile(c.PurchaseLatency, 50)), ms(Quantile(o.PurchaseLatency, 50)), "%.1f")
	row("purchase p99, retries incl. (ms)", ms(Quantile(c.PurchaseLatency, 99)), ms(Quantile(o.PurchaseLatency, 99)), "%.1f")
	fmt.Fprintf(tw, "409 answers\t%s\t%s\t\t\n", conflicts(c), conflicts(o))
	fmt.Fprintf(tw, "replayed 201s\t%d\t%d\t\t\n", c.Replayed, o.Replayed)
	fmt.Fprintf(tw, "purchases given up / cut by the end\t%d / %d\t%d / %d\t\t\n", c.GaveUp, c.Abandoned, o.GaveUp, o.Abandoned)
	fmt.Fprintf(tw, "failed requests\t%d\t%d\t\t\n", c.Errors, o.Errors)
	row("server peak RSS (VmHWM, MiB)", mib(r.Capacity.PeakRSS), mib(r.Overloaded.PeakRSS), "%.1f")
	fmt.Fprintf(tw, "RSS peak, 1st / 2nd half (MiB)\t%.1f / %.1f\t%.1f / %.1f\t\t\n",
		mib(r.Capacity.RSSHalves[0]), mib(r.Capacity.RSSHalves[1]), mib(r.Overloaded.RSSHalves[0]), mib(r.Overloaded.RSSHalves[1]))
	row("server goroutines (peak)", r.Capacity.Runtime["go_goroutines"], r.Overloaded.Runtime["go_goroutines"], "%.0f")
	row("server heap in use (peak, MiB)", r.Capacity.Runtime["go_memstats_heap_inuse_bytes"]/(1<<20),
		r.Overloaded.Runtime["go_memstats_heap_inuse_bytes"]/(1<<20), "%.1f")
	tw.Flush()
	if c.Shed > 0 {
		fmt.Fprintf(w, "note: %d requests were shed at 1× (clients == the admission limit): expected none\n", c.Shed)
	}
	// Little's law: with Factor × MaxInFlight clients and MaxInFlight
	// being served, a queued request waits about (Factor-1) × the 1×
	// latency; only a queue wait shorter than that sheds anything.
	queued := time.Duration(cfg.Factor-1) * Quantile(c.AdmittedLatency, 50)
	fmt.Fprintf(w, "a request queued behind %d× the limit waits about %d × p50 at 1× = %s; the queue wait is %s\n",
		cfg.Factor, cfg.Factor-1, Millis(queued), Millis(cfg.QueueWait))
	retries := o.RetriesPerPurchase
	fmt.Fprintf(w, "%s: purchases by sheds before their 201: 0: %d, 1: %d, 2: %d, 3+: %d\n",
		r.Overloaded.Name, retries[0], retries[1], retries[2], o.Created-retries[0]-retries[1]-retries[2])
	for _, p := range []*Phase{&r.Capacity, &r.Overloaded} {
		fmt.Fprintf(w, "%s: 201s per second: %v\n", p.Name, p.Result.Timeline)
	}
	for _, p := range []*Phase{&r.Capacity, &r.Overloaded} {
		if len(p.Result.ErrorSamples) > 0 {
			fmt.Fprintf(w, "%s failures:\n", p.Name)
			for i, e := range p.Result.ErrorSamples {
				if i == 10 {
					break
				}
				fmt.Fprintf(w, "  %6d  %s\n", e.Count, e.What)
			}
		}
		if a := p.Audit; a != nil {
			fmt.Fprintf(w, "%s audit: %d orders confirmed (%d units, %d shoppers): %d read back by their shopper, %d missing, %d nobody was told of, %d keys with two orders; stock %d -> %d (-%d); server counted %.0f orders, %.0f units, %.0f shed (clients saw %d)\n",
				p.Name, a.Orders, a.Units, a.Shoppers, a.Found, a.Missing, a.Unexpected, a.DuplicateKeys,
				p.StockBefore, p.StockAfter, p.StockBefore-p.StockAfter,
				p.Counters.OrdersPlaced, p.Counters.UnitsSold, p.Counters.Shed, p.Result.AllShed)
			for _, s := range a.Problems {
				fmt.Fprintln(w, "  "+s)
			}
		}
		if p.ServerAlive {
			fmt.Fprintf(w, "%s server: stayed up, ready after the run, exited cleanly on SIGTERM\n", p.Name)
		} else if p.ServerOutput != "" {
			fmt.Fprintf(w, "%s server output:\n%s\n", p.Name, p.ServerOutput)
		}
	}
	if f := r.Failures(); len(f) > 0 {
		fmt.Fprintln(w, "FAILURES:")
		for _, s := range f {
			fmt.Fprintln(w, "  "+s)
		}
	}
	fmt.Fprintln(w, "targets (against the capacity run above):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range r.Targets() {
		met := "met"
		if !t.Met {
			met = "MISSED"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", t.What, t.Got, met)
	}
	tw.Flush()
}

func orDash(n int64, v float64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", v)
}

func conflicts(r *CheckoutResult) string {
	if len(r.Conflicts) == 0 {
		return "0"
	}
	s := ""
	for code, n := range r.Conflicts {
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%d %s", n, code)
	}
	return s
}
