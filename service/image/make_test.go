package image_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMakeImageFromAFreshClone runs `make image` the way a newcomer does,
// in a clean clone of the current commit (no bin/, no build/, no
// node_modules), and reads the image back from the tarball it wrote. The
// clone shares this machine's Go and npm caches, so it compiles and
// downloads only what the tests' own build has not.
// It needs git, make and the Node.js that .ci/prereqs.sh accepts: without
// them it is skipped on a developer machine and fails in CI.
func TestMakeImageFromAFreshClone(t *testing.T) {
	required := os.Getenv("CI") == "true" || os.Getenv("FLASHSCALE_REQUIRE_TOOLS") != ""
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, tool := range []string{"git", "make", "bash", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		missing = append(missing, "a git checkout of the repository (git rev-parse HEAD: "+err.Error()+")")
	}
	if out, err := exec.Command("bash", filepath.Join(root, ".ci/prereqs.sh"), "go", "node").CombinedOutput(); err != nil {
		missing = append(missing, strings.TrimSpace(string(out)))
	}
	switch {
	case len(missing) > 0 && required:
		t.Fatalf("make image cannot be tried from a fresh clone here; CI must: missing %s", strings.Join(missing, "; "))
	case len(missing) > 0:
		t.Skipf("SKIPPING the fresh-clone make image test: missing %s (this fails instead when CI is set)", strings.Join(missing, "; "))
	case testing.Short() && !required:
		t.Skip("-short: the fresh-clone make image test runs npm ci and builds the shop and three binaries")
	}
	sha := strings.TrimSpace(string(head))

	clone := filepath.Join(t.TempDir(), "flashscale")
	git := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// --shared borrows the objects instead of copying them; the clone has
	// no work-tree files but those of the commit.
	git("clone", "--quiet", "--shared", "--no-checkout", root, clone)
	git("-C", clone, "checkout", "--quiet", "--detach", sha)

	// Stop make in time to report what it printed, before go test's own
	// timeout kills the test without a word.
	ctx := t.Context()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-time.Minute))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "image")
	cmd.Dir = clone
	for _, kv := range os.Environ() {
		// A make running this test must not hand the clone its jobserver or goals.
		if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("make image in a fresh clone of %.12s: %v after %s\n%s", sha, err, time.Since(start).Round(time.Second), tail(out.String(), 60))
	}
	t.Logf("make image in a fresh clone took %s; it printed, at the end:\n%s", time.Since(start).Round(time.Second), tail(out.String(), 12))

	tarballs, _ := filepath.Glob(filepath.Join(clone, "build", "flashscale-*.oci.tar"))
	if len(tarballs) != 1 {
		t.Fatalf("make image wrote %v in build/, want one flashscale-<version>.oci.tar\n%s", tarballs, tail(out.String(), 20))
	}
	version := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(tarballs[0]), "flashscale-"), ".oci.tar")
	img := readArchive(t, tarballs[0], "flashscale:"+version)
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) < 2 {
		t.Errorf("manifest has %d layers, want the base files and the binary", len(m.Layers))
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	labels := cf.Config.Labels
	if labels["org.opencontainers.image.revision"] != sha || labels["org.opencontainers.image.version"] != version {
		t.Errorf("labels %v, want revision %s and version %s", labels, sha, version)
	}
	if strings.HasSuffix(version, "-dirty") {
		t.Errorf("version %q: a fresh clone must not be dirty after make image (a build step wrote into tracked files)", version)
	}
	if got := cf.Config.Entrypoint; len(got) != 1 || got[0] != "/flashscale" {
		t.Errorf("entrypoint %q", got)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
