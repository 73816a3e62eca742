package smoke

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Exit codes of Main.
const (
	ExitPass  = 0
	ExitFail  = 1
	ExitUsage = 2
)

// Main is `flashscale smoke`: args are the arguments after the sub-command
// name. It prints the report to stdout and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitPass
	}
	if err != nil {
		fmt.Fprintln(stderr, "flashscale smoke:", err)
		return ExitUsage
	}
	o.Progress = stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := Run(ctx, o)
	_, _ = rep.WriteTo(stdout)
	if !rep.Passed {
		return ExitFail
	}
	return ExitPass
}

func parseArgs(args []string, stderr io.Writer) (Options, error) {
	var o Options
	fs := flag.NewFlagSet("flashscale smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.URL, "url", "", "base URL of the site, e.g. https://shop.example.com (required)")
	fs.BoolVar(&o.Preview, "preview", false, "send "+PreviewHeader+": true so the load balancer routes to the idle colour")
	fs.StringVar(&o.ExpectColor, "expect-color", "", "fail unless /api/build-info reports this colour (blue, green or none)")
	fs.StringVar(&o.ExpectVersion, "expect-version", "", "fail unless /api/build-info reports this version")
	fs.DurationVar(&o.Timeout, "timeout", 2*time.Minute, "overall deadline; failed rounds are retried with backoff until then")
	fs.IntVar(&o.Consecutive, "consecutive", 1, "rounds in a row that must pass")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: flashscale smoke --url URL [--preview] [--expect-color C] [--expect-version V] [--timeout D]")
		fmt.Fprintln(fs.Output(), "Checks /readyz, /api/build-info, /api/products and a cart quote; exits 1 with a report when a check fails.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.URL == "" {
		return o, errors.New("--url is required")
	}
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, fmt.Errorf("--url %q: want an http(s) URL like https://shop.example.com", o.URL)
	}
	switch o.ExpectColor {
	case "", "blue", "green", "none":
	default:
		return o, fmt.Errorf("--expect-color %q: must be blue, green or none", o.ExpectColor)
	}
	if o.Timeout <= 0 {
		return o, errors.New("--timeout must be positive")
	}
	if o.Consecutive < 1 {
		return o, errors.New("--consecutive must be at least 1")
	}
	return o, nil
}
