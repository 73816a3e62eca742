package progress

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json), including the
// go command's build events.
type event struct {
	Action      string
	Package     string
	ImportPath  string
	Test        string
	Output      string
	FailedBuild string
}

// pkgState is what is known about one package while its tests run.
type pkgState struct {
	started time.Time
	report  []string            // printed when the package ends, in order
	tests   map[string][]string // output of tests still running
	skipped []string            // "TestX: reason"
}

// testFormatter prints, for each package as it ends, what plain `go test`
// prints (its result line, the output of failed tests, anything printed
// outside a test) and the tests it skipped, so a skip is seen even where
// it is allowed. Packages run in parallel; their reports do not interleave.
type testFormatter struct {
	total   int
	pkgs    map[string]*pkgState
	running []string // in start order
	done    int
	noTests int
	failed  []string
}

func newTestFormatter(total int) *testFormatter {
	return &testFormatter{total: total, pkgs: map[string]*pkgState{}}
}

// maxSkipsShown bounds the skip lines per package: a package that skips
// every PostgreSQL test without a server would otherwise fill a screen.
const maxSkipsShown = 8

func (f *testFormatter) pkg(name string, now time.Time) *pkgState {
	p := f.pkgs[name]
	if p == nil {
		p = &pkgState{started: now, tests: map[string][]string{}}
		f.pkgs[name] = p
	}
	return p
}

func (f *testFormatter) line(s string, now time.Time) []string {
	var e event
	if !strings.HasPrefix(s, "{") || json.Unmarshal([]byte(s), &e) != nil {
		return []string{s} // the go command's own messages
	}
	if e.Package == "" {
		if e.Action == "build-output" {
			return []string{strings.TrimSuffix(e.Output, "\n")}
		}
		return nil
	}
	p := f.pkg(e.Package, now)
	switch {
	case e.Action == "start":
		p.started = now
		f.running = append(f.running, e.Package)
	case e.Action == "output" && e.Test == "":
		out := strings.TrimSuffix(e.Output, "\n")
		if out != "PASS" {
			p.report = append(p.report, out)
		}
	case e.Action == "output":
		out := strings.TrimSuffix(e.Output, "\n")
		if !isFrameLine(out) {
			p.tests[e.Test] = append(p.tests[e.Test], out)
		}
	case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
		out := p.tests[e.Test]
		delete(p.tests, e.Test)
		switch e.Action {
		case "fail":
			p.report = append(p.report, resultFirst(out)...)
		case "skip":
			p.skipped = append(p.skipped, e.Test+": "+skipReason(out))
		}
	case e.Action == "pass" || e.Action == "fail" || e.Action == "skip":
		return f.end(e, p)
	}
	return nil
}

// isFrameLine reports the lines `go test -v` adds around tests, which
// plain `go test` does not print.
func isFrameLine(s string) bool {
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// resultFirst puts a failed test's "--- FAIL" line before its log, where
// plain `go test` prints it (the JSON stream has it last).
func resultFirst(out []string) []string {
	i := slices.IndexFunc(out, func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "--- FAIL") })
	if i <= 0 {
		return out
	}
	return slices.Concat(out[i:i+1], out[:i], out[i+1:])
}

// skipReason is the message a test skipped with: its last line that is not
// the "--- SKIP" line itself.
func skipReason(out []string) string {
	for _, l := range slices.Backward(out) {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "--- SKIP") {
			return shorten(l, 160)
		}
	}
	return "(no reason given)"
}

func (f *testFormatter) end(e event, p *pkgState) []string {
	f.done++
	f.running = slices.DeleteFunc(f.running, func(n string) bool { return n == e.Package })
	out := p.report
	// Tests that never ended (a panic or timeout killed the binary) still
	// have their output here: it explains the failure.
	if e.Action == "fail" {
		for _, t := range sortedKeys(p.tests) {
			out = append(out, p.tests[t]...)
		}
		f.failed = append(f.failed, short(e.Package))
	}
	if len(p.report) > 0 && strings.Contains(p.report[len(p.report)-1], "[no test files]") {
		f.noTests++
	}
	if n := len(p.skipped); n > 0 {
		shown := p.skipped[:min(n, maxSkipsShown)]
		for _, s := range shown {
			out = append(out, "    --- SKIP: "+s)
		}
		if n > len(shown) {
			out = append(out, fmt.Sprintf("    ... and %d more skipped", n-len(shown)))
		}
	}
	delete(f.pkgs, e.Package)
	return out
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// short drops the module path: every package here is in one module.
func short(pkg string) string {
	if i := strings.Index(pkg, "/service/"); i >= 0 {
		return pkg[i+1:]
	}
	if i := strings.Index(pkg, "/infra"); i >= 0 {
		return pkg[i+1:]
	}
	return pkg
}

func (f *testFormatter) progress() string {
	s := fmt.Sprintf("%d", f.done)
	if f.total > 0 {
		s += fmt.Sprintf(" of %d", f.total)
	}
	s += " packages done"
	if len(f.failed) > 0 {
		s += fmt.Sprintf(" (%d FAILED: %s)", len(f.failed), strings.Join(f.failed, ", "))
	}
	return s
}

func (f *testFormatter) status(now time.Time) string {
	s := f.progress()
	if len(f.running) == 0 && f.done == 0 {
		return s + "; compiling test binaries (nothing is running yet)"
	}
	if len(f.running) == 0 {
		return s + "; compiling or linking the next test binaries"
	}
	var run []string
	for _, n := range f.running {
		run = append(run, fmt.Sprintf("%s (%s)", short(n), since(f.pkgs[n].started, now)))
	}
	s += "; running: " + strings.Join(run, ", ")
	if f.total > 0 {
		if rest := f.total - f.done - len(f.running); rest > 0 {
			s += fmt.Sprintf("; %d compiling or waiting", rest)
		}
	}
	return s
}

func (f *testFormatter) summary(failed bool) string {
	s := f.progress()
	if f.noTests > 0 {
		s += fmt.Sprintf(", %d without tests", f.noTests)
	}
	if failed && len(f.failed) == 0 {
		s += "; go test FAILED (see above)"
	}
	return s
}
