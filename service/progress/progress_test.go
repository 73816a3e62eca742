package progress

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// assertLines compares what progress printed with the lines expected.
func assertLines(t *testing.T, out string, want ...string) {
	t.Helper()
	if got := strings.TrimRight(out, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

// TestGoTestReport runs the real `go test -json` on a fixture module with
// a passing, a failing, a skipping, a test-less and an uncompilable
// package, and checks the report says what plain go test would, plus the
// skip, without the chatter of passing tests.
func TestGoTestReport(t *testing.T) {
	cmd := exec.Command("go", "test", "-count=1", "-json", "./...")
	cmd.Dir = "testdata/fixture"
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	stream, err := cmd.Output()
	if err == nil {
		t.Fatal("go test on the fixture passed; its bad and broken packages must fail it")
	}
	var out bytes.Buffer
	err = Process(bytes.NewReader(stream), &out, Options{Label: "go test", Format: GoTest, Total: 4}, func() bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"ok  \texample.com/fixture/ok\t",
		"    --- SKIP: TestSkip: ok_test.go:12: needs a thing this machine lacks",
		"--- FAIL: TestFail (",
		"bad_test.go:5: boom: the value was wrong",
		"FAIL\texample.com/fixture/bad\t",
		"undefined: undefinedFunction",
		"FAIL\texample.com/fixture/broken [build failed]",
		"?   \texample.com/fixture/empty\t[no test files]",
		"go test: 4 of 4 packages done (2 FAILED: example.com/fixture/b", // bad and broken, in the order they ended
		", 1 without tests in ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	for _, noise := range []string{"quiet", "=== RUN", "\nPASS\n"} {
		if strings.Contains(got, noise) {
			t.Errorf("report has %q, which plain go test does not print:\n%s", noise, got)
		}
	}
	// The failure line comes before its log, as plain go test prints it.
	if i, j := strings.Index(got, "--- FAIL: TestFail"), strings.Index(got, "boom"); i > j {
		t.Errorf("the log of TestFail comes before its --- FAIL line:\n%s", got)
	}
}

// A package's report is printed in one piece when it ends, even while
// another package runs, and the status line names what is running.
func TestGoTestStatus(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	r, err := newReporter(Options{Label: "go test", Format: GoTest, Total: 5}, &out, t0)
	if err != nil {
		t.Fatal(err)
	}
	ev := func(at time.Duration, s string) { r.onLine(s, t0.Add(at)) }
	r.onTick(t0.Add(31 * time.Second))
	ev(40*time.Second, `{"Action":"start","Package":"m/service/a"}`)
	ev(41*time.Second, `{"Action":"start","Package":"m/infra/stack"}`)
	ev(42*time.Second, `{"Action":"output","Package":"m/infra/stack","Output":"stack log\n"}`)
	ev(43*time.Second, `{"Action":"output","Package":"m/service/a","Output":"ok  \tm/service/a\t3.0s\n"}`)
	ev(44*time.Second, `{"Action":"pass","Package":"m/service/a"}`)
	r.onTick(t0.Add(70 * time.Second)) // 26 s after the last line: quiet
	r.onTick(t0.Add(75 * time.Second))
	assertLines(t, out.String(),
		"go test: 31s, 0 of 5 packages done; compiling test binaries (nothing is running yet)",
		"ok  \tm/service/a\t3.0s",
		"go test: 1m15s, 1 of 5 packages done; running: infra/stack (34s); 3 compiling or waiting",
	)
}

// go build -v prints a package name as it starts each compile: progress
// counts them, names the latest, and prints the compiler's errors.
func TestGoBuildCounts(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	r, _ := newReporter(Options{Label: "go build", Format: GoBuild}, &out, t0)
	for _, l := range []string{"go: downloading github.com/gin-gonic/gin v1.12.0", "internal/abi", "runtime", "modernc.org/sqlite/lib"} {
		r.onLine(l, t0.Add(time.Second))
	}
	r.onTick(t0.Add(29 * time.Second)) // not yet: 30 s of silence is the bound
	r.onTick(t0.Add(30 * time.Second))
	r.onLine("# github.com/flashscale/flashscale/service/http", t0.Add(40*time.Second))
	r.onLine("service/http/x.go:3:1: syntax error", t0.Add(40*time.Second))
	r.onEnd(t0.Add(41*time.Second), true)
	assertLines(t, out.String(),
		"go build: 30s, 3 packages compiled, 1 modules downloaded so far (latest started: modernc.org/sqlite/lib)",
		"# github.com/flashscale/flashscale/service/http",
		"service/http/x.go:3:1: syntax error",
		"go build: FAILED after 3 packages compiled, 1 modules downloaded in 41s",
	)
}

func TestLinesCount(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	r, _ := newReporter(Options{Label: "npm ci", Count: regexp.MustCompile(`^npm http fetch`), Noun: "requests"}, &out, t0)
	r.onLine("npm http fetch GET 200 https://registry.example/vite 40ms", t0)
	r.onLine("npm warn deprecated something", t0)
	r.onTick(t0.Add(45 * time.Second))
	r.onEnd(t0.Add(50*time.Second), false)
	assertLines(t, out.String(),
		"npm warn deprecated something",
		"npm ci: 45s, 1 requests so far (latest: npm http fetch GET 200 https://registry.example/vite 40ms)",
		"npm ci: done, 1 requests in 50s",
	)
}

// The command's exit status comes through, and a command that prints
// nothing for longer than -every gets status lines meanwhile.
func TestMainRunsTheCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Main([]string{"-label", "quiet", "-every", "60ms", "--", "sh", "-c", "sleep 0.5; echo start; sleep 1; echo end >&2; exit 3"}, &stdout, &stderr)
	if code != 3 {
		t.Errorf("exit %d, want the command's 3 (stderr %q)", code, stderr.String())
	}
	got := stdout.String()
	before, silent, _ := strings.Cut(got, "start\n")
	if !strings.Contains(before, "quiet: ") || !strings.Contains(before, "(no output yet)") {
		t.Errorf("no status line before the first output:\n%s", got)
	}
	silent, _, _ = strings.Cut(silent, "end\n")
	if !strings.Contains(silent, "quiet: ") || !strings.Contains(silent, "still running (last output") {
		t.Errorf("no status line during a silent second:\n%s", got)
	}
	if !strings.Contains(got, "end\nquiet: FAILED in ") {
		t.Errorf("stderr line or closing line missing:\n%s", got)
	}
	if code := Main([]string{"--", "/nonexistent/cmd"}, &stdout, &stderr); code != 127 {
		t.Errorf("missing command: exit %d, want 127", code)
	}
	if code := Main([]string{"-format", "xml", "--", "true"}, &stdout, &stderr); code != 2 {
		t.Errorf("unknown format: exit %d, want 2", code)
	}
}
