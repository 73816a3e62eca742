package release

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const usage = `usage: flashscale-release <command> [flags]

commands:
  deploy    release --version on the idle colour, smoke it, scale it, flip, smoke, roll back on failure
  rollback  flip traffic back to the idle colour (no version change)
  status    which colour is live and what each colour runs

Needs pulumi and kubectl (read-only: HPA sizes, ready pods, the Ingress's
address) on PATH, run from the Pulumi project directory or with --cwd. Every
change goes through the stack config and pulumi up. Run
"flashscale-release <command> -h" for flags.
`

// Main is the flashscale-release command: args exclude the program name.
// It returns the process exit code: 0 success, 1 failure, 2 usage.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	var o Options
	fs := flag.NewFlagSet("flashscale-release "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Stack, "stack", "", "Pulumi stack (required), e.g. dev")
	fs.StringVar(&o.URL, "url", "", "site URL (default: the stack output siteUrl)")
	fs.StringVar(&o.Dir, "cwd", ".", "Pulumi project directory (holds Pulumi.yaml)")
	fs.DurationVar(&o.SmokeTimeout, "smoke-timeout", 5*time.Minute, "deadline of each smoke run")
	fs.IntVar(&o.LiveConsecutive, "live-consecutive", 3, "smoke rounds in a row the live site must pass after a flip")
	fs.DurationVar(&o.AddressTimeout, "address-timeout", 10*time.Minute, "how long to wait for the load balancer's address when siteUrl is still pending")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig for kubectl (default: the stack output kubeconfig)")
	fs.StringVar(&o.Namespace, "namespace", "flashscale", "namespace of the colour Deployments, HPAs and the Ingress")
	scaling := func(def bool) {
		fs.BoolVar(&o.ScaleFromLive, "min-replicas-from-live", def,
			"raise the target colour's HPA minimum (stack config <colour>MinReplicas, applied by pulumi up) to the live colour's current replicas before the flip, remove it after --settle")
		fs.DurationVar(&o.ScaleTimeout, "scale-timeout", 10*time.Minute, "how long to wait for the scaled pods to be ready")
		fs.DurationVar(&o.Settle, "settle", 5*time.Minute, "how long the raised HPA minimum stays after the flip")
		fs.DurationVar(&o.PollInterval, "poll", 5*time.Second, "how often to check the scaled pods")
	}
	switch cmd {
	case "deploy":
		fs.StringVar(&o.Version, "version", "", "image tag to release, <version>-<short sha> (required)")
		scaling(true)
	case "rollback":
		// A rollback is an emergency: flip first, the HPA scales under load.
		scaling(false)
	case "status":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "flashscale-release: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "flashscale-release %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return 2
	}
	if o.Stack == "" || (cmd == "deploy" && o.Version == "") {
		fmt.Fprintf(stderr, "flashscale-release %s: --stack is required", cmd)
		if cmd == "deploy" {
			fmt.Fprint(stderr, " and so is --version")
		}
		fmt.Fprintln(stderr)
		return 2
	}
	o.Out = stdout

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd {
	case "deploy":
		err = Deploy(ctx, o)
	case "rollback":
		err = Rollback(ctx, o)
	case "status":
		err = Status(ctx, o, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "flashscale-release %s: FAILED: %v\n", cmd, err)
		return 1
	}
	return 0
}
