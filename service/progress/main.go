package progress

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"syscall"
	"time"
)

// Main is the flashscale-progress command: it runs the command after "--"
// with its output read as -format says, and exits with its status.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flashscale-progress", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: flashscale-progress [flags] -- command [args...]")
		fs.PrintDefaults()
	}
	var (
		o     Options
		count string
	)
	fs.StringVar(&o.Label, "label", "", "name on the lines progress prints (default: the command's name)")
	fs.StringVar(&o.Format, "format", Lines, "how to read the output: lines, go-build (go build -v) or go-test (go test -json)")
	fs.DurationVar(&o.Every, "every", 30*time.Second, "print a status line when nothing was printed for this long")
	fs.StringVar(&count, "count", "", "lines format: count the lines matching this regexp instead of printing them")
	fs.StringVar(&o.Noun, "noun", "lines", "lines format: what -count counts, for the status line")
	fs.IntVar(&o.Total, "total", 0, "go-test format: the number of packages expected")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cmdArgs := fs.Args()
	if len(cmdArgs) == 0 {
		fs.Usage()
		return 2
	}
	if count != "" {
		re, err := regexp.Compile(count)
		if err != nil {
			fmt.Fprintf(stderr, "flashscale-progress: -count: %v\n", err)
			return 2
		}
		o.Count = re
	}
	if o.Label == "" {
		o.Label = filepath.Base(cmdArgs[0])
	}
	if o.Every <= 0 {
		fmt.Fprintln(stderr, "flashscale-progress: -every must be positive")
		return 2
	}
	if _, err := newReporter(o, io.Discard, time.Now()); err != nil {
		fmt.Fprintf(stderr, "flashscale-progress: %v\n", err)
		return 2
	}
	code, err := run(cmdArgs, o, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "flashscale-progress: %v\n", err)
	}
	return code
}

// run starts the command with stdout and stderr on one pipe, so its lines
// keep their order, and reports on it until it ends.
func run(args []string, o Options, out io.Writer) (int, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return 1, err
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = os.Stdin
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return 127, err
	}
	pw.Close() // the child holds the write end now; EOF comes when it exits

	// A Ctrl-C reaches the whole process group; a signal sent to progress
	// alone (a CI timeout) is passed on, and progress waits for the command
	// so the report of what it printed is complete.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()

	var waitErr error
	procErr := Process(pr, out, o, func() bool {
		waitErr = cmd.Wait()
		return waitErr != nil
	})
	pr.Close()
	var exit *exec.ExitError
	switch {
	case waitErr == nil:
		return 0, procErr
	case errors.As(waitErr, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), procErr
		}
		return exit.ExitCode(), procErr
	default:
		return 1, errors.Join(waitErr, procErr)
	}
}
