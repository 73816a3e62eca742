// Package sqlitetest gives tests a disk the SQLite store really cannot
// write to, and that recovers: the kernel refuses the writes, no fake
// driver does.
package sqlitetest

import (
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Disk is a directory whose writes a test can make fail and succeed again.
type Disk struct {
	// Dir is where the store's files go.
	Dir string
	// How writes are made to fail: "tmpfs" (a small tmpfs filled to
	// ENOSPC) or "file-size limit" (RLIMIT_FSIZE, EFBIG), see NewDisk.
	How string

	tb     testing.TB
	filler string
}

// NewDisk mounts a tmpfs of size bytes on a fresh directory (unmounted
// when the test ends): Fill fills it with a file until ENOSPC, Free deletes
// the file. Mounting needs CAP_SYS_ADMIN; without it (an unprivileged CI
// container) Fill instead lowers the process's soft RLIMIT_FSIZE so that
// the kernel refuses every further file write with EFBIG, as it refuses
// them on a full disk, and Free raises it again. That limit is process
// wide: the test must not run in parallel with others that write files.
func NewDisk(tb testing.TB, size int) *Disk {
	tb.Helper()
	d := &Disk{Dir: filepath.Join(tb.TempDir(), "disk"), tb: tb}
	if err := os.Mkdir(d.Dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	err := syscall.Mount("tmpfs", d.Dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV,
		"size="+strconv.Itoa(size)+",mode=0700")
	if err != nil {
		d.How = "file-size limit"
		tb.Logf("no tmpfs (%v): writes will fail by RLIMIT_FSIZE instead", err)
		return d
	}
	d.How = "tmpfs"
	// Registered after TempDir's cleanup, so it runs first.
	tb.Cleanup(func() {
		if err := syscall.Unmount(d.Dir, syscall.MNT_DETACH); err != nil {
			tb.Errorf("unmounting %s: %v", d.Dir, err)
		}
	})
	return d
}

// Fill makes every further write that needs space fail.
func (d *Disk) Fill() {
	d.tb.Helper()
	if d.How != "tmpfs" {
		// The default action of SIGXFSZ ends the process; ignored, the
		// write returns EFBIG.
		signal.Ignore(syscall.SIGXFSZ)
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			d.tb.Fatal(err)
		}
		lim.Cur = 1 // a write at any offset past the first byte fails
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			d.tb.Fatal(err)
		}
		d.tb.Cleanup(d.Free)
		return
	}
	d.filler = filepath.Join(d.Dir, "filler")
	f, err := os.Create(d.filler)
	if err != nil {
		d.tb.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err = f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		d.tb.Fatalf("filling %s: %v, want ENOSPC", d.Dir, err)
	}
}

// Free gives the space back.
func (d *Disk) Free() {
	d.tb.Helper()
	if d.How != "tmpfs" {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			d.tb.Fatal(err)
		}
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			d.tb.Fatal(err)
		}
		signal.Reset(syscall.SIGXFSZ)
		return
	}
	if d.filler != "" {
		if err := os.Remove(d.filler); err != nil {
			d.tb.Fatal(err)
		}
		d.filler = ""
	}
}
