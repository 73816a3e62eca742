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
	r, err := loadtest.RunOverload(ctx, cfg)
	if err != nil {
		fmt.Fprintf(out, "FAILED: %v\n\n", err)
		return 1
	}
	loadtest.WriteOverload(out, r)
	code := 0
	if len(r.Failures()) > 0 {
		code = 1
	}
	for _, t := range r.Targets() {
		if o.strict && !t.Met {
			code = 1
		}
	}
	fmt.Fprintln(out)
	return code
}
