package image_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/flashscale/flashscale/service/image"
	"github.com/flashscale/flashscale/service/smoke"
	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	smoketest.Cleanup()
	os.Exit(code)
}

// probeSrc reports, from inside the image, what the service would meet
// there: its identity, the CA bundle Go finds, and where it may write.
const probeSrc = `package main

import (
	"crypto/x509"
	"encoding/json"
	"os"
	"os/user"
	"strconv"
)

func writable(p string) bool {
	err := os.WriteFile(p, []byte("x"), 0o600)
	os.Remove(p)
	return err == nil
}

func main() {
	out := map[string]any{"uid": os.Getuid(), "gid": os.Getgid(), "args": os.Args[1:], "port": os.Getenv("PORT")}
	if u, err := user.LookupId(strconv.Itoa(os.Getuid())); err == nil {
		out["user"], out["home"] = u.Username, u.HomeDir
	}
	if pool, err := x509.SystemCertPool(); err == nil {
		out["roots"] = len(pool.Subjects()) //nolint:staticcheck // a count is all we need
	}
	out["writeTmp"] = writable("/tmp/probe")
	out["writeData"] = writable("/data/probe")
	out["writeRoot"] = writable("/probe")
	out["writeEtc"] = writable("/etc/passwd")
	json.NewEncoder(os.Stdout).Encode(out)
}
`

// buildProbe compiles probeSrc statically, outside the module.
func buildProbe(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "probe.go"), []byte(probeSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", "probe", "probe.go")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=-buildvcs=false", "GO111MODULE=on")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the probe: %v\n%s", err, b)
	}
	return filepath.Join(dir, "probe")
}

var created = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func opts(bin string) image.Options {
	return image.Options{Binary: bin, Version: "1.4.0-abc1234", Revision: "abc1234def5678abc1234def5678abc1234def56",
		Source: "https://github.com/flashscale/flashscale", Created: created}
}

// buildTarball runs the command as Jenkins does and reads the image back
// from the tarball it wrote: the checks see the artifact, not memory.
func buildTarball(t *testing.T, bin string, extra ...string) (v1.Image, string) {
	t.Helper()
	o := opts(bin)
	out := filepath.Join(t.TempDir(), "image.tar")
	args := append([]string{"--binary", bin, "--version", o.Version, "--revision", o.Revision,
		"--created", o.Created.Format(time.RFC3339), "--tarball", out}, extra...)
	var stdout, stderr bytes.Buffer
	if code := image.Main(args, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("flashscale-image exit %d: %s", code, &stderr)
	}
	return readArchive(t, out, "flashscale:"+o.Version), strings.TrimSpace(stdout.String())
}

// readArchive unpacks an OCI archive and returns the image its index
// names ref.
func readArchive(t *testing.T, path, ref string) v1.Image {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.Clean("/"+h.Name))
		if h.Typeflag == tar.TypeDir {
			_ = os.MkdirAll(p, 0o755)
			continue
		}
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		b, _ := io.ReadAll(tr)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lp, err := layout.FromPath(dir)
	if err != nil {
		t.Fatalf("not an OCI layout: %v", err)
	}
	idx, _ := lp.ImageIndex()
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := name.ParseReference(ref)
	for _, d := range m.Manifests {
		if d.Annotations[image.RefNameAnnotation] == want.String() {
			img, err := idx.Image(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			return img
		}
	}
	t.Fatalf("archive index has no image named %s: %+v", want, m.Manifests)
	return nil
}

func TestConfig(t *testing.T) {
	img, printed := buildTarball(t, buildProbe(t))
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != "65532:65532" {
		t.Errorf("User = %q, want the non-root 65532:65532", c.User)
	}
	if !slices.Equal(c.Entrypoint, []string{"/flashscale"}) || !slices.Equal(c.Cmd, []string{"serve"}) {
		t.Errorf("Entrypoint %q Cmd %q, want [/flashscale] [serve]", c.Entrypoint, c.Cmd)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok || len(c.ExposedPorts) != 1 {
		t.Errorf("ExposedPorts = %v, want 8080/tcp", c.ExposedPorts)
	}
	if !slices.Contains(c.Env, "PORT=8080") {
		t.Errorf("Env = %q lacks PORT=8080", c.Env)
	}
	for _, e := range c.Env {
		if strings.HasPrefix(e, "DEPLOY_COLOR") || strings.HasPrefix(e, "APP_VERSION") {
			t.Errorf("Env has %s: colour and version come from the Deployment, not the image", e)
		}
	}
	want := map[string]string{
		"org.opencontainers.image.version":  "1.4.0-abc1234",
		"org.opencontainers.image.revision": "abc1234def5678abc1234def5678abc1234def56",
		"org.opencontainers.image.created":  "2026-11-25T10:00:00Z",
		"org.opencontainers.image.source":   "https://github.com/flashscale/flashscale",
		"org.opencontainers.image.title":    "flashscale",
	}
	for k, v := range want {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" || !cf.Created.Equal(created) {
		t.Errorf("os/arch/created = %s/%s/%s", cf.OS, cf.Architecture, cf.Created)
	}
	mt, _ := img.MediaType()
	layers, _ := img.Layers()
	if mt != types.OCIManifestSchema1 || len(layers) != 2 {
		t.Errorf("manifest %s with %d layers, want an OCI manifest with base and app layers", mt, len(layers))
	}
	digest, _ := img.Digest()
	if printed != digest.String() {
		t.Errorf("printed digest %q, the tarball holds %s", printed, digest)
	}
}

func TestReproducible(t *testing.T) {
	probe := buildProbe(t)
	a, err := image.Build(opts(probe))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := image.Build(opts(probe))
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("same inputs, digests %s and %s", da, db)
	}
	o := opts(probe)
	o.Version = "1.4.1-fff0000"
	c, _ := image.Build(o)
	if dc, _ := c.Digest(); dc == da {
		t.Error("a different version gave the same digest")
	}
}

func TestLayoutOutput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "oci")
	var stderr bytes.Buffer
	if code := image.Main([]string{"--binary", buildProbe(t), "--version", "1.0.0-x", "--layout", dir}, nil, io.Discard, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := p.ImageIndex()
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) != 1 {
		t.Fatalf("layout index: %v %+v", err, m)
	}
}

func TestRejects(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.pem")
	_ = os.WriteFile(empty, []byte("not a certificate\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"dynamic binary", []string{"--binary", "/bin/ls", "--version", "1", "--tarball", "x"}, 1, "dynamically linked"},
		{"not an executable", []string{"--binary", "/etc/passwd", "--version", "1", "--tarball", "x"}, 1, "not a Linux executable"},
		{"no certificates", []string{"--binary", "@probe", "--version", "1", "--tarball", "x", "--ca-certs", empty}, 1, "no PEM certificates"},
		{"no output", []string{"--binary", "/bin/ls", "--version", "1"}, 2, "nothing to do"},
		{"no version", []string{"--binary", "/bin/ls", "--tarball", "x"}, 2, "--version are required"},
		{"bad created", []string{"--binary", "/bin/ls", "--version", "1", "--tarball", "x", "--created", "yesterday"}, 2, "RFC 3339"},
		{"push a digest", []string{"--binary", "@probe", "--version", "1", "--push", "r.example/x@sha256:" + strings.Repeat("a", 64)}, 2, "give a tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := slices.Clone(tc.args)
			for i, a := range args {
				if a == "@probe" {
					args[i] = buildProbe(t)
				}
				if a == "x" {
					args[i] = filepath.Join(t.TempDir(), "x.tar")
				}
			}
			var stderr bytes.Buffer
			if code := image.Main(args, nil, io.Discard, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}

// requireRoot skips without root (chroot and chown need it) unless CI
// requires the check, where a skip would hide a missing proof.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" || os.Getenv("FLASHSCALE_REQUIRE_TOOLS") != "" {
		t.Fatal("the image run test needs root for chroot; CI must run it")
	}
	t.Skip("needs root for chroot")
}

// unpack writes the image's flattened filesystem into a new directory,
// with the modes and owners the tar records.
func unpack(t *testing.T, img v1.Image) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, filepath.Clean("/"+h.Name))
		mode := h.FileInfo().Mode()
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			var f *os.File
			if f, err = os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err == nil {
				_, err = io.Copy(f, tr)
				err = errors.Join(err, f.Close())
			}
		default:
			t.Fatalf("unexpected %c entry %s", h.Typeflag, h.Name)
		}
		if err == nil {
			err = os.Chown(p, h.Uid, h.Gid)
		}
		if err == nil {
			err = os.Chmod(p, mode&(os.ModePerm|os.ModeSticky|os.ModeSetuid|os.ModeSetgid))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// chrootAs runs the image's entrypoint inside root as the image's user,
// the way a container runtime would.
func chrootAs(cf *v1.ConfigFile, root string) func(*exec.Cmd) {
	return func(cmd *exec.Cmd) {
		var uid, gid uint32
		if _, err := fmt.Sscanf(cf.Config.User, "%d:%d", &uid, &gid); err != nil {
			panic("image user " + cf.Config.User + " is not numeric uid:gid")
		}
		cmd.Path = cf.Config.Entrypoint[0]
		cmd.Args = append(slices.Clone(cf.Config.Entrypoint), cf.Config.Cmd...)
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: uid, Gid: gid}}
		// Nothing from the host: the image's environment plus what a
		// Deployment sets (colour, version, a test port).
		env := slices.Clone(cf.Config.Env)
		for _, kv := range cmd.Env {
			for _, k := range []string{"PORT=", "DEPLOY_COLOR=", "APP_VERSION=", "FLASHSCALE_LOG_FORMAT=", "FLASHSCALE_DRAIN_TIMEOUT="} {
				if strings.HasPrefix(kv, k) {
					env = append(env, kv)
				}
			}
		}
		cmd.Env = env
	}
}

func TestFilesystemUnderChroot(t *testing.T) {
	requireRoot(t)
	img, _ := buildTarball(t, buildProbe(t))
	cf, _ := img.ConfigFile()
	root := unpack(t, img)

	cmd := exec.Command("/placeholder")
	cmd.Env = []string{"PORT=8080"}
	chrootAs(cf, root)(cmd)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running the probe in the image: %v", err)
	}
	var got struct {
		UID, GID                                 int
		Args                                     []string
		Port, User, Home                         string
		Roots                                    int
		WriteTmp, WriteData, WriteRoot, WriteEtc bool
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("probe output %q: %v", out, err)
	}
	if got.UID != 65532 || got.GID != 65532 || got.User != "nonroot" || got.Home != "/home/nonroot" {
		t.Errorf("runs as uid %d gid %d user %q home %q, want 65532/65532 nonroot /home/nonroot", got.UID, got.GID, got.User, got.Home)
	}
	if !slices.Equal(got.Args, []string{"serve"}) || got.Port != "8080" {
		t.Errorf("args %q port %q, want [serve] 8080", got.Args, got.Port)
	}
	if got.Roots < 10 {
		t.Errorf("Go finds %d CA roots in the image, want the build machine's bundle", got.Roots)
	}
	if !got.WriteTmp || !got.WriteData {
		t.Errorf("/tmp writable %v, /data writable %v: want both", got.WriteTmp, got.WriteData)
	}
	if got.WriteRoot || got.WriteEtc {
		t.Errorf("the service user can write / (%v) or /etc/passwd (%v)", got.WriteRoot, got.WriteEtc)
	}
}

func TestDockerfileMatchesImage(t *testing.T) {
	root, err := smoketest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{
		`ENTRYPOINT ["/flashscale"]`,
		`CMD ["serve"]`,
		"USER 65532:65532",
		"EXPOSE 8080",
		"ENV PORT=8080 FLASHSCALE_DATA_DIR=/data",
		"CGO_ENABLED=0",
		"-trimpath",
		smoketest.BuildInfoPkg + ".Version=",
		smoketest.BuildInfoPkg + ".Commit=",
		smoketest.BuildInfoPkg + ".BuildTime=",
		image.LabelVersion, image.LabelRevision, image.LabelCreated, image.LabelSource, image.LabelTitle,
		"gcr.io/distroless/static-debian12:nonroot",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q: it must build the image flashscale-image builds", want)
		}
	}
	for _, l := range strings.Split(df, "\n") {
		if f := strings.Fields(l); len(f) > 1 && (f[0] == "ENV" || f[0] == "ARG") && strings.Contains(l, "DEPLOY_COLOR") {
			t.Errorf("Dockerfile sets DEPLOY_COLOR (%q): the colour comes from the Deployment", l)
		}
	}
}

// TestServiceRunsFromImage is the image's proof: the real binary, stamped
// like a release, built into the image, unpacked and run under chroot as
// the image's user until it is ready and serves the shop.
func TestServiceRunsFromImage(t *testing.T) {
	requireRoot(t)
	root, err := smoketest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := os.Getenv("FLASHSCALE_BIN")
	version := "1.4.0-abc1234"
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "flashscale")
		if err := smoketest.Build(bin, version, "abc1234", "2026-11-25T10:00:00Z"); err != nil {
			t.Fatal(err)
		}
	}
	img, _ := buildTarball(t, bin)
	cf, _ := img.ConfigFile()
	rootfs := unpack(t, img)

	srv := smoketest.StartCmd(t, bin, chrootAs(cf, rootfs), "DEPLOY_COLOR=green", "APP_VERSION="+version)
	rep := smoke.Run(t.Context(), smoke.Options{URL: srv.URL, ExpectColor: "green", ExpectVersion: version, Timeout: 20 * time.Second})
	if !rep.Passed {
		var b bytes.Buffer
		_, _ = rep.WriteTo(&b)
		t.Errorf("smoke of the service in the image failed:\n%s\nservice log:\n%s", &b, srv.Log())
	}

	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, statErr := os.Stat(filepath.Join(root, "service/web/dist/index.html"))
	shopBuilt := statErr == nil || os.Getenv("FLASHSCALE_REQUIRE_TOOLS") != ""
	switch {
	case resp.StatusCode != 200:
		t.Errorf("GET / = %d", resp.StatusCode)
	case shopBuilt && !strings.Contains(string(page), `<div id="root">`):
		t.Errorf("the web shop is built but / is not its index page:\n%.400s", page)
	case !shopBuilt && !strings.Contains(string(page), "The web shop is not built"):
		t.Errorf("/ is neither the shop nor the not-built page:\n%.400s", page)
	}
	if !shopBuilt {
		t.Log("web shop not built here: checked the not-built page (make build embeds the shop)")
	}
	if _, err := os.Stat(filepath.Join(rootfs, "data")); err != nil {
		t.Errorf("data dir: %v", err)
	}
}

// TestPushAndCopy pushes to a real (in-memory) registry server: a tag is
// written once, re-pushing the same image is a no-op, a different image
// under the same tag is refused, and a copy to another repository keeps
// the digest.
func TestPushAndCopy(t *testing.T) {
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	probe := buildProbe(t)
	tag := host + "/dev/flashscale:1.4.0-abc1234"

	build := func(version string, extra ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--binary", probe, "--version", version, "--created", "1764064800", "--push", tag}, extra...)
		code := image.Main(args, strings.NewReader("secret\n"), &stdout, &stderr)
		return code, strings.TrimSpace(stdout.String()), stderr.String()
	}
	code, digest, stderr := build("1.4.0-abc1234", "--username", "AWS", "--password-stdin")
	if code != 0 || !strings.Contains(stderr, "pushed "+tag+"@"+digest) {
		t.Fatalf("push: exit %d digest %q stderr %s", code, digest, stderr)
	}
	if code, again, stderr := build("1.4.0-abc1234"); code != 0 || again != digest || !strings.Contains(stderr, "nothing to push") {
		t.Errorf("re-push of the same build: exit %d digest %q stderr %s", code, again, stderr)
	}
	if code, _, stderr := build("1.4.0-other"); code != 1 || !strings.Contains(stderr, "tags are immutable") {
		t.Errorf("push of a different image under the same tag: exit %d stderr %s; want a refusal", code, stderr)
	}

	var stdout, errb bytes.Buffer
	to := host + "/staging/flashscale:1.4.0-abc1234"
	if code := image.Main([]string{"copy", "--from", tag, "--to", to}, nil, &stdout, &errb); code != 0 || strings.TrimSpace(stdout.String()) != digest {
		t.Fatalf("copy: exit %d digest %q (want %s) stderr %s", code, &stdout, digest, &errb)
	}
	ref, _ := name.ParseReference(to)
	desc, err := remote.Head(ref)
	if err != nil || desc.Digest.String() != digest || desc.MediaType != types.OCIManifestSchema1 {
		t.Errorf("copied image: %v %+v, want %s as an OCI manifest", err, desc, digest)
	}
	if code := image.Main([]string{"copy", "--from", host + "/dev/flashscale:nope", "--to", to}, nil, io.Discard, io.Discard); code != 1 {
		t.Errorf("copy of a missing image: exit %d, want 1", code)
	}
}
