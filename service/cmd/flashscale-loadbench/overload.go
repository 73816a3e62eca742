package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/flashscale/flashscale/service/loadtest"
)

// overloadOptions are the -scenario overload flags.
type overloadOptions struct {
	maxInFlight, factor, stock int
	pairs                      int
	queueWait, runDuration     time.Duration
	warmup, retryJitter        time.Duration
}

func (o *overloadOptions) flags(fs *flag.FlagSet) {
	d := loadtest.DefaultOverload()
	fs.IntVar(&o.maxInFlight, "max-inflight", d.MaxInFlight, "overload: the server's FLASHSCALE_CHECKOUT_MAX_INFLIGHT, and the capacity run's clients")
	fs.DurationVar(&o.queueWait, "queue-wait", d.QueueWait, "overload: the server's FLASHSCALE_CHECKOUT_QUEUE_WAIT")
	fs.IntVar(&o.factor, "factor", d.Factor, "overload: clients of the overload run, as a multiple of -max-inflight")
	fs.DurationVar(&o.runDuration, "run-duration", d.Duration, "overload: length of each of the two runs, warm-up included")
	fs.DurationVar(&o.warmup, "warmup", d.Warmup, "overload: start of each run left out of its statistics")
	fs.DurationVar(&o.retryJitter, "retry-jitter", d.RetryJitter, "overload: random extra wait on top of Retry-After")
	fs.IntVar(&o.stock, "overload-stock", d.Stock, "overload: stock of the product everyone buys; must not sell out")
	fs.IntVar(&o.pairs, "pairs", 3, "overload: pairs of runs (capacity, overload, capacity, overload …); a target holds when it held in more than half of them")
}

// benchOverload runs -scenario overload on one store.
func benchOverload(ctx context.Context, o options, store string, out io.Writer) int {
	ov := o.overload
	fmt.Fprintf(out, "== %s: overload: capacity with %d clients, then %d× (%d clients), %s each ==\n",
		store, ov.maxInFlight, ov.factor, ov.factor*ov.maxInFlight, ov.runDuration)
	if la, err := loadtest.LoadAverage(); err == nil && la > 1 {
		fmt.Fprintf(out, "warning: load average %.1f before the run: other processes compete for the CPUs\n", la)
	}
	cfg := loadtest.DefaultOverload()
	runs := 0
	cfg.NewServer = func(ctx context.Context) (loadtest.ServerOptions, func(), error) {
		runs++
		return serverOptions(ctx, o, store, fmt.Sprintf("server-overload-%s-%d.log", store, runs), out)
	}
	cfg.MaxInFlight, cfg.QueueWait, cfg.Factor = ov.maxInFlight, ov.queueWait, ov.factor
	cfg.Duration, cfg.Warmup = ov.runDuration, ov.warmup
	cfg.Stock, cfg.RetryJitter, cfg.ShedRetries = ov.stock, ov.retryJitter, o.shedRetries
	cfg.Progress = out
	if ov.pairs < 1 {
		fmt.Fprintf(out, "FAILED: -pairs %d: want at least 1\n\n", ov.pairs)
		return 1
	}
	code := 0
	var pairs [][]loadtest.Target
	for i := range ov.pairs {
		fmt.Fprintf(out, "-- %s: pair %d of %d --\n", store, i+1, ov.pairs)
		r, err := loadtest.RunOverload(ctx, cfg)
		if err != nil {
			fmt.Fprintf(out, "FAILED: %v\n\n", err)
			return 1
		}
		loadtest.WriteOverload(out, r)
		// A lost order or a crash fails the run in any pair; targets are
		// judged over all pairs below.
		if len(r.Failures()) > 0 {
			code = 1
		}
		pairs = append(pairs, r.Targets())
	}
	fmt.Fprintf(out, "%s: targets over %d pairs (each pair: its overload run against its own capacity run):\n", store, len(pairs))
	for _, t := range loadtest.PairedTargets(pairs) {
		met := "met"
		if !t.Met {
			met = "MISSED"
			if o.strict {
				code = 1
			}
		}
		fmt.Fprintf(out, "  %s: %s: %s\n", t.What, t.Got, met)
	}
	fmt.Fprintln(out)
	return code
}
