package image

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Main is the flashscale-image command (args exclude the program name):
// build (the default) or copy. It prints the image digest on stdout and
// returns the exit code: 0 done, 1 failed, 2 usage.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "copy" {
		return copyMain(args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "build" {
		args = args[1:]
	}
	var (
		o                                         Options
		created, tarPath, layoutDir, tag, pushRef string
		digestFile, username                      string
		passwordStdin                             bool
	)
	fs := flag.NewFlagSet("flashscale-image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Binary, "binary", "", "static Linux flashscale binary (required)")
	fs.StringVar(&o.Version, "version", "", "image version = tag = the binary's stamped version, <version>-<short sha> (required)")
	fs.StringVar(&o.Revision, "revision", "", "full git commit (label org.opencontainers.image.revision)")
	fs.StringVar(&o.Source, "source", "https://github.com/flashscale/flashscale", "repository URL (label org.opencontainers.image.source)")
	fs.StringVar(&o.CACerts, "ca-certs", DefaultCACerts, "PEM bundle of CA certificates to include")
	fs.StringVar(&created, "created", "", "creation time, RFC 3339 or Unix seconds (default $SOURCE_DATE_EPOCH, else now)")
	fs.StringVar(&tarPath, "tarball", "", "write the image as an OCI archive (podman load, skopeo oci-archive:, docker load) to this file")
	fs.StringVar(&layoutDir, "layout", "", "write the image into this OCI image layout directory")
	fs.StringVar(&tag, "tag", "", "reference recorded in the archive/layout index (default: --push, else flashscale:<version>)")
	fs.StringVar(&pushRef, "push", "", "push to this reference, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/flashscale:1.4.0-abc1234")
	fs.StringVar(&username, "username", "", "registry user for --push (with --password-stdin; default: the Docker config's credentials)")
	fs.BoolVar(&passwordStdin, "password-stdin", false, "read the registry password for --push from stdin")
	fs.StringVar(&digestFile, "digest-file", "", "also write the image digest to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "flashscale-image: "+format+"\n", a...)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case o.Binary == "" || o.Version == "":
		return usage("--binary and --version are required")
	case tarPath == "" && layoutDir == "" && pushRef == "":
		return usage("nothing to do: give --tarball, --layout or --push")
	case passwordStdin && username == "":
		return usage("--password-stdin needs --username")
	}
	var err error
	if o.Created, err = parseCreated(created); err != nil {
		return usage("%v", err)
	}
	if tag == "" {
		tag = pushRef
	}
	if tag == "" {
		tag = "flashscale:" + o.Version
	}
	ref, err := name.ParseReference(tag)
	if err != nil {
		return usage("--tag %q: %v", tag, err)
	}

	fail := func(err error) int {
		fmt.Fprintln(stderr, "flashscale-image:", err)
		return 1
	}
	img, err := Build(o)
	if err != nil {
		return fail(err)
	}
	digest, err := img.Digest()
	if err != nil {
		return fail(err)
	}
	if tarPath != "" {
		if err := WriteArchive(tarPath, ref, img); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stderr, "wrote %s (%s)\n", tarPath, ref)
	}
	if layoutDir != "" {
		if err := WriteLayout(layoutDir, ref, img); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stderr, "wrote OCI layout %s\n", layoutDir)
	}
	if pushRef != "" {
		pref, err := name.ParseReference(pushRef)
		if err != nil {
			return usage("--push %q: %v", pushRef, err)
		}
		if _, ok := pref.(name.Tag); !ok {
			return usage("--push %q: give a tag, not a digest", pushRef)
		}
		kc, err := keychain(username, passwordStdin, stdin)
		if err != nil {
			return fail(err)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := Push(ctx, pref, img, kc, stderr); err != nil {
			return fail(err)
		}
	}
	if digestFile != "" {
		if err := os.WriteFile(digestFile, []byte(digest.String()+"\n"), 0o644); err != nil {
			return fail(err)
		}
	}
	fmt.Fprintln(stdout, digest)
	return 0
}

func parseCreated(s string) (time.Time, error) {
	if s == "" {
		s = os.Getenv("SOURCE_DATE_EPOCH")
	}
	if s == "" {
		return time.Now().UTC(), nil
	}
	if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(sec, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--created %q: want RFC 3339 or Unix seconds", s)
	}
	return t.UTC(), nil
}

// keychain is the Docker config's credentials (and helpers), or one user
// and a password read from stdin, never from a flag or the environment.
func keychain(username string, passwordStdin bool, stdin io.Reader) (authn.Keychain, error) {
	if !passwordStdin {
		return authn.DefaultKeychain, nil
	}
	pw, err := io.ReadAll(io.LimitReader(stdin, 64<<10))
	if err != nil {
		return nil, err
	}
	return staticKeychain{&authn.Basic{Username: username, Password: strings.TrimSpace(string(pw))}}, nil
}

// copyMain is `flashscale-image copy --from SRC --to DST`: promotion of a
// built image to another stack's repository.
func copyMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var from, to, username string
	var passwordStdin bool
	fs := flag.NewFlagSet("flashscale-image copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&from, "from", "", "source image reference (required)")
	fs.StringVar(&to, "to", "", "destination tag (required); an existing different image there is an error")
	fs.StringVar(&username, "username", "", "registry user (with --password-stdin) for both references")
	fs.BoolVar(&passwordStdin, "password-stdin", false, "read the registry password from stdin")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	src, err1 := name.ParseReference(from)
	dst, err2 := name.NewTag(to)
	if from == "" || to == "" || err1 != nil || err2 != nil || fs.NArg() > 0 || (passwordStdin && username == "") {
		fmt.Fprintln(stderr, "flashscale-image copy: want --from REF --to REPO:TAG [--username U --password-stdin]")
		return 2
	}
	kc, err := keychain(username, passwordStdin, stdin)
	if err == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		var digest fmt.Stringer
		if digest, err = Copy(ctx, src, dst, kc, stderr); err == nil {
			fmt.Fprintln(stdout, digest)
			return 0
		}
	}
	fmt.Fprintln(stderr, "flashscale-image copy:", err)
	return 1
}
