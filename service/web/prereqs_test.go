package web

// Tests of .ci/prereqs.sh, the check `make run`, `make test` and
// .ci/deps.sh run before building the web shop (or anything else): the
// Node.js versions it accepts must be the ones the shop's packages accept,
// and a machine without them must be told so at once.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
)

const repoRoot = "../.."

// nodeRange is NODE_RANGE from .ci/prereqs.sh.
func nodeRange(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, ".ci/prereqs.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^NODE_RANGE="([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal(`.ci/prereqs.sh has no NODE_RANGE="..." line`)
	}
	return string(m[1])
}

// lockEngines returns each package's engines.node from the lock file.
func lockEngines(t *testing.T) map[string]*semver.Constraints {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "webapp/package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct {
			Engines json.RawMessage `json:"engines"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	out := map[string]*semver.Constraints{}
	for name, p := range lock.Packages {
		var e struct {
			Node string `json:"node"`
		}
		if len(p.Engines) == 0 || json.Unmarshal(p.Engines, &e) != nil || e.Node == "" {
			continue // no engines, or the old array form that npm ignores
		}
		c, err := semver.NewConstraint(e.Node)
		if err != nil {
			t.Fatalf("%s: engines.node %q: %v", name, e.Node, err)
		}
		out[name] = c
	}
	if len(out) < 10 {
		t.Fatalf("only %d packages in webapp/package-lock.json declare engines.node", len(out))
	}
	return out
}

// TestNodeRangeIsTheLockFiles checks, over every Node.js release line from
// 16 to 30, that prereqs.sh accepts exactly the versions every locked
// package accepts, with its own bash reading of the range agreeing.
func TestNodeRangeIsTheLockFiles(t *testing.T) {
	rng := nodeRange(t)
	ours, err := semver.NewConstraint(rng)
	if err != nil {
		t.Fatalf("NODE_RANGE %q: %v", rng, err)
	}
	engines := lockEngines(t)
	var versions []string
	for major := 16; major <= 30; major++ {
		for minor := 0; minor <= 40; minor++ {
			versions = append(versions, fmt.Sprintf("%d.%d.0", major, minor))
		}
	}
	bashSays := bashAccepts(t, rng, versions)
	for _, v := range versions {
		sv := semver.MustParse(v)
		var refusedBy []string
		for name, c := range engines {
			if !c.Check(sv) {
				refusedBy = append(refusedBy, strings.TrimPrefix(name, "node_modules/"))
			}
		}
		slices.Sort(refusedBy)
		lockOK := len(refusedBy) == 0
		switch {
		case ours.Check(sv) && !lockOK:
			t.Errorf("NODE_RANGE %q accepts Node %s, which %d locked packages refuse (e.g. %s): narrow it", rng, v, len(refusedBy), refusedBy[0])
		case !ours.Check(sv) && lockOK:
			t.Errorf("NODE_RANGE %q refuses Node %s, which every locked package accepts: widen it (the README states the same minimum)", rng, v)
		}
		if bashSays[v] != ours.Check(sv) {
			t.Errorf("prereqs.sh's version_in_range says %v for %s, semver says %v", bashSays[v], v, ours.Check(sv))
		}
	}
}

// bashAccepts runs prereqs.sh's own range check on each version.
func bashAccepts(t *testing.T, rng string, versions []string) map[string]bool {
	t.Helper()
	script := `source .ci/prereqs.sh; for v in "${@:2}"; do if version_in_range "$v" "$1"; then echo "$v yes"; else echo "$v no"; fi; done`
	cmd := exec.Command("bash", append([]string{"-c", script, "bash", rng}, versions...)...)
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bash: %v", err)
	}
	got := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		v, yes, _ := strings.Cut(l, " ")
		got[v] = yes == "yes"
	}
	return got
}

// TestReadmeStatesTheMinimums: the README's prerequisites give go.mod's Go
// and each lower bound of NODE_RANGE.
func TestReadmeStatesTheMinimums(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod)
	if goVersion == nil {
		t.Fatal("go.mod has no go line")
	}
	wants := []string{"| Go | **" + string(goVersion[1]) + "**"}
	for _, m := range regexp.MustCompile(`\d+\.\d+\.\d+`).FindAllString(nodeRange(t), -1) {
		wants = append(wants, strings.TrimSuffix(m, ".0.0"))
	}
	_, prereqs, _ := strings.Cut(string(readme), "### Prerequisites")
	prereqs, _, _ = strings.Cut(prereqs, "\n### ")
	for _, w := range wants {
		if !strings.Contains(prereqs, w) {
			t.Errorf("README.md's Prerequisites do not say %q", w)
		}
	}
}

// fakeTools builds a PATH holding only what the check may use plus the
// given scripts, and a log the fake npm and the go wrapper append to.
func fakeTools(t *testing.T, scripts map[string]string) (path, log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "calls.log")
	for _, tool := range []string{"bash", "dirname", "id"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]string{
		"go":  `echo "go $*" >>` + log + `; exec ` + realGo + ` "$@"`,
		"npm": `echo "npm $*" >>` + log + `; exit 1`,
	}
	for name, body := range scripts {
		all[name] = body
	}
	for name, body := range all {
		if body == "" {
			continue // this tool is missing
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, log
}

// TestWrongNodeStopsEverythingAtOnce runs make run, make test and
// .ci/deps.sh as on a fresh machine with Debian's Node 18, with no Node,
// and with an old Go: each must fail with a message naming what to
// install, before npm runs or anything is compiled (calls.log holds only
// the version query).
func TestWrongNodeStopsEverythingAtOnce(t *testing.T) {
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Fatal("make is needed to run the Makefile's checks")
	}
	machines := []struct {
		name    string
		scripts map[string]string
		want    []string
	}{
		{"debian node 18", map[string]string{"node": "echo v18.19.0"},
			[]string{"Node.js 18.19.0 cannot build the web shop", "^20.19.0", "nodejs.org", "Node 18"}},
		{"node 23", map[string]string{"node": "echo v23.11.0"}, []string{"Node.js 23.11.0 cannot build the web shop"}},
		{"no node", map[string]string{"node": ""}, []string{"Node.js is not installed", "nodejs.org"}},
		{"old go", map[string]string{"node": "echo v22.13.0", "go": `echo "go $*" >>LOG; echo go1.25.9`},
			[]string{"Go 1.25.9 is too old: go.mod needs Go 1.26.6", "go.dev/dl"}},
	}
	commands := [][]string{
		{makeBin, "--no-print-directory", "run"},
		{makeBin, "--no-print-directory", "test"},
		{"/bin/bash", ".ci/deps.sh"},
	}
	for _, m := range machines {
		for _, c := range commands {
			t.Run(m.name+"/"+filepath.Base(c[len(c)-1]), func(t *testing.T) {
				path, log := fakeTools(t, m.scripts)
				if s, ok := m.scripts["go"]; ok {
					_ = os.WriteFile(filepath.Join(path, "go"), []byte("#!/bin/sh\n"+strings.ReplaceAll(s, "LOG", log)+"\n"), 0o755)
				}
				cmd := exec.Command(c[0], c[1:]...)
				cmd.Dir = repoRoot
				cmd.Env = append(cleanEnv(), "PATH="+path)
				out, err := cmd.CombinedOutput()
				if err == nil {
					t.Fatalf("%v succeeded on a machine with %s:\n%s", c, m.name, out)
				}
				for _, w := range m.want {
					if !strings.Contains(string(out), w) {
						t.Errorf("output lacks %q:\n%s", w, out)
					}
				}
				calls, _ := os.ReadFile(log)
				for _, l := range strings.Split(strings.TrimSpace(string(calls)), "\n") {
					if l != "" && l != "go env GOVERSION" {
						t.Errorf("ran %q before the check failed", l)
					}
				}
			})
		}
	}
}

// cleanEnv is the test's environment without make's own variables (a
// make running this test must not pass its jobserver on).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES":
			continue
		}
		env = append(env, kv)
	}
	return env
}
