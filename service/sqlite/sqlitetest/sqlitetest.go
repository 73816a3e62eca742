// Package sqlitetest gives tests a real full disk for the SQLite store: a
// small tmpfs of its own that a test fills and empties again, so the store
// meets ENOSPC from the kernel, not from a fake.
package sqlitetest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Required reports whether a missing capability must fail tests rather
// than skip them: in CI, or when FLASHSCALE_REQUIRE_TOOLS=1.
func Required() bool {
	ci := strings.ToLower(os.Getenv("CI"))
	return (ci != "" && ci != "false" && ci != "0") || os.Getenv("FLASHSCALE_REQUIRE_TOOLS") == "1"
}

// SmallDisk mounts a tmpfs of size bytes on a fresh directory and returns
// it; it is unmounted when the test ends. Mounting needs root: without it
// the test fails when Required, and is skipped loudly otherwise.
func SmallDisk(tb testing.TB, size int) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV,
		"size="+strconv.Itoa(size)+",mode=0700"); err != nil {
		msg := "mounting a small tmpfs (needs root) for a real full disk: " + err.Error()
		if Required() {
			tb.Fatal(msg)
		}
		tb.Skip("SKIPPING FULL-DISK TEST: " + msg + " (this fails instead when CI is set or FLASHSCALE_REQUIRE_TOOLS=1)")
	}
	// Registered after TempDir's cleanup, so it runs first.
	tb.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			tb.Errorf("unmounting %s: %v", dir, err)
		}
	})
	return dir
}

// Fill writes a file into dir until the disk has no space left, and
// returns the function that deletes it again.
func Fill(tb testing.TB, dir string) (free func()) {
	tb.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err = f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		tb.Fatalf("filling %s: %v, want ENOSPC", dir, err)
	}
	return func() {
		if err := os.Remove(path); err != nil {
			tb.Fatal(err)
		}
	}
}
