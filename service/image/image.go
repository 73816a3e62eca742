// Package image builds FlashScale's container image without a Docker
// daemon: Jenkins agents on Kubernetes have none, and a daemon is not
// needed to put one static binary into an image.
//
// The image is two layers on nothing (scratch): a base layer with CA
// certificates, a passwd/group naming the non-root user 65532 and the few
// directories a process expects, and a layer with the binary at
// /flashscale. Everything is owned by root and read-only to the
// service user except /tmp and /data, so the image behaves the same with
// or without Kubernetes' readOnlyRootFilesystem. No colour is built in:
// DEPLOY_COLOR comes from the Deployment. File times are the build's
// creation time, so the same inputs give the same digest.
package image

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// What the image promises its runtime; the Dockerfile promises the same
// (image_test.go compares them).
const (
	UID        = 65532
	User       = "65532:65532"
	Entrypoint = "/flashscale"
	Port       = "8080/tcp"
	DataDir    = "/data"
	// DefaultCACerts is where Debian-family build machines keep the bundle.
	DefaultCACerts = "/etc/ssl/certs/ca-certificates.crt"
)

// Cmd is the default sub-command.
var Cmd = []string{"serve"}

// Env is the image's environment. FLASHSCALE_DATA_DIR points the SQLite
// store (a local `docker run` without DATABASE_URL) at the one directory
// the user may write; with PostgreSQL in Kubernetes it is unused.
var Env = []string{"PORT=8080", "FLASHSCALE_DATA_DIR=" + DataDir}

// OCI annotation keys used as labels.
const (
	LabelVersion  = "org.opencontainers.image.version"
	LabelRevision = "org.opencontainers.image.revision"
	LabelCreated  = "org.opencontainers.image.created"
	LabelSource   = "org.opencontainers.image.source"
	LabelTitle    = "org.opencontainers.image.title"
)

// Options describe one image build.
type Options struct {
	// Binary is a statically linked Linux executable.
	Binary string
	// CACerts is a PEM bundle; empty means DefaultCACerts.
	CACerts string
	// Version is the image's version, the same string as its tag and the
	// binary's stamped version (<version>-<short sha>).
	Version  string
	Revision string // full commit
	Source   string // repository URL
	Title    string // default "flashscale"
	// Created stamps the config, the labels and every file.
	Created time.Time
}

// Build assembles the image.
func Build(o Options) (v1.Image, error) {
	if o.Version == "" {
		return nil, errors.New("image: version is required")
	}
	if o.CACerts == "" {
		o.CACerts = DefaultCACerts
	}
	if o.Title == "" {
		o.Title = "flashscale"
	}
	created := o.Created.UTC().Truncate(time.Second)
	if o.Created.IsZero() {
		created = time.Now().UTC().Truncate(time.Second)
	}
	arch, err := CheckBinary(o.Binary)
	if err != nil {
		return nil, err
	}
	bin, err := os.ReadFile(o.Binary)
	if err != nil {
		return nil, err
	}
	certs, err := os.ReadFile(o.CACerts)
	if err != nil {
		return nil, fmt.Errorf("image: CA certificates: %w", err)
	}
	if n := countCerts(certs); n == 0 {
		return nil, fmt.Errorf("image: %s holds no PEM certificates", o.CACerts)
	}

	base, err := layer(created, []entry{
		dir("etc/", 0, 0o755),
		file("etc/passwd", 0, 0o644, "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"),
		file("etc/group", 0, 0o644, "root:x:0:\nnonroot:x:65532:\n"),
		file("etc/nsswitch.conf", 0, 0o644, "hosts: files dns\n"),
		dir("etc/ssl/", 0, 0o755),
		dir("etc/ssl/certs/", 0, 0o755),
		file("etc/ssl/certs/ca-certificates.crt", 0, 0o644, string(certs)),
		dir("home/", 0, 0o755),
		dir("home/nonroot/", UID, 0o700),
		dir("data/", UID, 0o700),
		dir("tmp/", 0, 0o1777),
	})
	if err != nil {
		return nil, err
	}
	app, err := layer(created, []entry{{name: "flashscale", mode: 0o755, body: bin}})
	if err != nil {
		return nil, err
	}

	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, MediaType: types.OCILayer, History: v1.History{
			Created: v1.Time{Time: created}, CreatedBy: "flashscale-image: CA certificates, nonroot user, /tmp, /data"}},
		mutate.Addendum{Layer: app, MediaType: types.OCILayer, History: v1.History{
			Created: v1.Time{Time: created}, CreatedBy: "flashscale-image: /flashscale " + o.Version}},
	)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	if arch == "arm64" {
		cf.Variant = "v8"
	}
	cf.Created = v1.Time{Time: created}
	cf.Author = ""
	cf.Config = v1.Config{
		User:         User,
		Entrypoint:   []string{Entrypoint},
		Cmd:          Cmd,
		Env:          Env,
		WorkingDir:   "/",
		ExposedPorts: map[string]struct{}{Port: {}},
		Labels: map[string]string{
			LabelVersion:  o.Version,
			LabelRevision: o.Revision,
			LabelCreated:  created.Format(time.RFC3339),
			LabelSource:   o.Source,
			LabelTitle:    o.Title,
		},
	}
	return mutate.ConfigFile(img, cf)
}

// CheckBinary returns the Go architecture of a Linux ELF executable and
// refuses a dynamically linked one: the image has no libc or loader, so
// such a binary would fail only when the pod starts.
func CheckBinary(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", fmt.Errorf("image: %s is not a Linux executable: %w", path, err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return "", fmt.Errorf("image: %s is not an executable (%s)", path, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "", fmt.Errorf("image: %s is dynamically linked; build it with CGO_ENABLED=0", path)
		}
	}
	switch f.Machine {
	case elf.EM_X86_64:
		return "amd64", nil
	case elf.EM_AARCH64:
		return "arm64", nil
	}
	return "", fmt.Errorf("image: %s is for %s, want x86-64 or aarch64", path, f.Machine)
}

func countCerts(b []byte) int {
	n := 0
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return n
		}
		if blk.Type == "CERTIFICATE" {
			n++
		}
	}
}

type entry struct {
	name string
	uid  int
	mode int64
	dir  bool
	body []byte
}

func dir(name string, uid int, mode int64) entry {
	return entry{name: name, uid: uid, mode: mode, dir: true}
}
func file(name string, uid int, mode int64, body string) entry {
	return entry{name: name, uid: uid, mode: mode, body: []byte(body)}
}

// layer writes entries into an uncompressed tar; the library compresses it
// (gzip without timestamps, so the digest is stable).
func layer(mtime time.Time, entries []entry) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: mtime,
			Uname: "root", Gname: "root"}
		if e.uid == UID {
			h.Uname, h.Gname = "nonroot", "nonroot"
		}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// RefNameAnnotation names the image in an OCI layout's index.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// WriteArchive writes img as an OCI archive: an OCI image layout packed
// into one tar file, with ref recorded in its index. Unlike the older
// `docker save` format it keeps the OCI manifest, so the digest is the one
// a push produces. podman load, skopeo (oci-archive:) and docker load
// (Docker 25+) read it.
func WriteArchive(path string, ref name.Reference, img v1.Image) (err error) {
	tmp, err := os.MkdirTemp("", "flashscale-oci-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := writeLayout(tmp, img, ref); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	tw := tar.NewWriter(f)
	if err := tw.AddFS(os.DirFS(tmp)); err != nil {
		return err
	}
	return tw.Close()
}

// WriteLayout writes img into an OCI image layout directory.
func WriteLayout(dir string, ref name.Reference, img v1.Image) error {
	return writeLayout(dir, img, ref)
}

func writeLayout(dir string, img v1.Image, ref name.Reference) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return err
		}
	}
	return p.AppendImage(img, layout.WithAnnotations(map[string]string{RefNameAnnotation: ref.String()}))
}

// Push uploads img as ref. Tags are immutable: if ref already names a
// different image, Push fails instead of moving the tag (ECR enforces the
// same, with a less helpful error); the same image is a no-op.
func Push(ctx context.Context, ref name.Reference, img v1.Image, auth authn.Keychain, log io.Writer) error {
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(auth)}
	desc, err := remote.Head(ref, opts...)
	switch {
	case err == nil && desc.Digest == digest:
		fmt.Fprintf(log, "%s already holds %s: nothing to push\n", ref, digest)
		return nil
	case err == nil:
		return fmt.Errorf("%s already exists as %s (this build is %s): tags are immutable, build a new version", ref, desc.Digest, digest)
	case !isNotFound(err):
		return fmt.Errorf("checking %s: %w", ref, err)
	}
	if err := remote.Write(ref, img, opts...); err != nil {
		return fmt.Errorf("pushing %s: %w", ref, err)
	}
	fmt.Fprintf(log, "pushed %s@%s\n", ref, digest)
	return nil
}

// Copy promotes the image src names to dst, byte for byte: the digest
// that passed on one stack is the digest another stack runs. dst follows
// Push's immutability rule.
func Copy(ctx context.Context, src, dst name.Reference, auth authn.Keychain, log io.Writer) (v1.Hash, error) {
	img, err := remote.Image(src, remote.WithContext(ctx), remote.WithAuthFromKeychain(auth))
	if err != nil {
		return v1.Hash{}, fmt.Errorf("reading %s: %w", src, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return v1.Hash{}, err
	}
	return digest, Push(ctx, dst, img, auth, log)
}

func isNotFound(err error) bool {
	var te *transport.Error
	if errors.As(err, &te) {
		return te.StatusCode == 404
	}
	return strings.Contains(err.Error(), "MANIFEST_UNKNOWN")
}

// staticKeychain answers every registry with one username and password
// (ECR: AWS and `aws ecr get-login-password`).
type staticKeychain struct{ auth authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }
