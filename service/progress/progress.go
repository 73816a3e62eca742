// Package progress runs a long build or test command and keeps a person
// informed while it runs: a first run on a cold cache spends many minutes
// compiling (the Pulumi SDKs, the pure-Go SQLite) with nothing to show for
// it, so progress reads the command's output and reports what it is doing
// at least every 30 seconds — how many packages `go build -v` has started,
// which `go test -json` packages have finished and which are still running
// — instead of either silence or thousands of lines.
package progress

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
)

// Formats of command output that progress understands.
const (
	// Lines prints every line and reports only when the command is quiet;
	// with Options.Count, matching lines are counted instead of printed.
	Lines = "lines"
	// GoBuild reads `go build -v` (or `go vet`): each package name it prints
	// is counted, and everything else (compile errors) is printed.
	GoBuild = "go-build"
	// GoTest reads `go test -json` and prints what plain `go test` prints
	// per package, plus the tests each package skipped.
	GoTest = "go-test"
)

// Options says how to read a command and report on it.
type Options struct {
	// Label starts every line progress prints itself.
	Label string
	// Format is Lines, GoBuild or GoTest.
	Format string
	// Every is the longest the output stays silent: when nothing has been
	// printed for this long, a status line is.
	Every time.Duration
	// Count (Lines) selects lines to count rather than print, and Noun
	// names them in the status line ("requests").
	Count *regexp.Regexp
	Noun  string
	// Total (GoTest) is the number of packages expected, for "12 of 31".
	Total int
}

// formatter turns one kind of output into lines worth printing.
type formatter interface {
	// line takes one line of output (without its newline) and returns the
	// lines to print now.
	line(s string, now time.Time) []string
	// status says what the command is doing, for the periodic report.
	status(now time.Time) string
	// summary is the last line, once the command has ended.
	summary(failed bool) string
}

// reporter is the state of one run: it decides what to print and when.
type reporter struct {
	label     string
	every     time.Duration
	out       io.Writer
	f         formatter
	start     time.Time
	lastPrint time.Time
}

func newReporter(o Options, out io.Writer, now time.Time) (*reporter, error) {
	if o.Every <= 0 {
		o.Every = 30 * time.Second
	}
	var f formatter
	switch o.Format {
	case "", Lines:
		f = &lineFormatter{count: o.Count, noun: o.Noun, lastAt: now, quiet: true}
	case GoBuild:
		f = &buildFormatter{}
	case GoTest:
		f = newTestFormatter(o.Total)
	default:
		return nil, fmt.Errorf("unknown format %q (want %s, %s or %s)", o.Format, Lines, GoBuild, GoTest)
	}
	return &reporter{label: o.Label, every: o.Every, out: out, f: f, start: now, lastPrint: now}, nil
}

func (r *reporter) print(now time.Time, lines ...string) {
	if len(lines) == 0 {
		return
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	_, _ = io.WriteString(r.out, b.String())
	r.lastPrint = now
}

// onLine handles one line of the command's output.
func (r *reporter) onLine(s string, now time.Time) { r.print(now, r.f.line(s, now)...) }

// onTick prints a status line when the output has been silent too long.
func (r *reporter) onTick(now time.Time) {
	if now.Sub(r.lastPrint) >= r.every {
		r.print(now, fmt.Sprintf("%s: %s, %s", r.label, since(r.start, now), r.f.status(now)))
	}
}

// onEnd prints the closing line.
func (r *reporter) onEnd(now time.Time, failed bool) {
	r.print(now, fmt.Sprintf("%s: %s in %s", r.label, r.f.summary(failed), since(r.start, now)))
}

// Process reads the output of a command until EOF and reports on it to
// out; a status line comes at least every o.Every while it runs. done says
// whether the command failed once its output ended.
func Process(in io.Reader, out io.Writer, o Options, done func() (failed bool)) error {
	r, err := newReporter(o, out, time.Now())
	if err != nil {
		return err
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		br := bufio.NewReader(in)
		for {
			s, err := br.ReadString('\n')
			if s != "" {
				lines <- strings.TrimRight(s, "\r\n")
			}
			if err != nil {
				close(lines)
				if errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed) {
					err = nil
				}
				readErr <- err
				return
			}
		}
	}()
	// Checking six times per period keeps any silence within 1.2 periods.
	tick := time.NewTicker(r.every / 6)
	defer tick.Stop()
	for {
		select {
		case s, ok := <-lines:
			if !ok {
				r.onEnd(time.Now(), done())
				return <-readErr
			}
			r.onLine(s, time.Now())
		case now := <-tick.C:
			r.onTick(now)
		}
	}
}

// since renders a duration the way a person reads a clock: 45s, 3m05s.
func since(start, now time.Time) string {
	d := now.Sub(start).Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// lineFormatter prints what the command prints, counting the lines that
// Count selects instead of printing them.
type lineFormatter struct {
	count  *regexp.Regexp
	noun   string
	n      int
	latest string
	lastAt time.Time // of the last line, printed or counted
	quiet  bool      // nothing printed yet
}

func (f *lineFormatter) line(s string, now time.Time) []string {
	f.lastAt, f.quiet = now, false
	if f.count != nil && f.count.MatchString(s) {
		f.n++
		f.latest = s
		return nil
	}
	return []string{s}
}

func (f *lineFormatter) status(now time.Time) string {
	if f.count != nil && f.n > 0 {
		return fmt.Sprintf("%d %s so far (latest: %s)", f.n, f.noun, shorten(f.latest, 100))
	}
	if f.quiet {
		return "still running (no output yet)"
	}
	return fmt.Sprintf("still running (last output %s ago)", since(f.lastAt, now))
}

func (f *lineFormatter) summary(failed bool) string {
	s := "done"
	if failed {
		s = "FAILED"
	}
	if f.count != nil {
		s += fmt.Sprintf(", %d %s", f.n, f.noun)
	}
	return s
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
