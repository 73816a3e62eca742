package loadtest

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteTable prints the per-route table of a run.
func WriteTable(w io.Writer, r *Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "route\trequests\treq/s\tok\tsold-out\tshed\tgave-up\terrors\tp50\tp95\tp99\tmax\t")
	row := func(s RouteStats) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t\n",
			s.Route, s.Requests, r.Throughput(s), s.OK, s.SoldOut, s.Shed, s.GaveUp, s.Errors,
			Millis(s.Quantile(50)), Millis(s.Quantile(95)), Millis(s.Quantile(99)), Millis(s.Max()))
	}
	for _, s := range r.Routes {
		row(s)
	}
	row(r.Total)
	tw.Flush()
	if n := r.SignUp.Requests; n > 0 || r.SignUp.Errors > 0 {
		fmt.Fprintf(w, "before the sale: %d registrations in %s (%.1f/s; one argon2id hash each), %d failed, p50 %s, p99 %s\n",
			r.SignUp.OK, r.SignUpElapsed.Round(100*time.Millisecond), float64(r.SignUp.OK)/max(r.SignUpElapsed.Seconds(), 1e-9),
			r.SignUp.Failed(), Millis(r.SignUp.Quantile(50)), Millis(r.SignUp.Quantile(99)))
	}
	if len(r.ErrorSamples) > 0 {
		fmt.Fprintln(w, "failures:")
		for i, e := range r.ErrorSamples {
			if i == 10 {
				fmt.Fprintf(w, "  ... %d more kinds\n", len(r.ErrorSamples)-i)
				break
			}
			fmt.Fprintf(w, "  %6d  %s: %s\n", e.Count, e.Route, e.What)
		}
	}
}

// Millis formats a latency in milliseconds.
func Millis(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

// MiB formats a byte count in mebibytes.
func MiB(b int64) string {
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
