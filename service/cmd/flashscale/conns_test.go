package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

// The real process, started with a low soft open-file limit as many
// systems set it: it raises the soft limit to the hard one, and with
// FLASHSCALE_MAX_CONNS=8 and a 10-minute idle timeout it serves 40
// keep-alive clients one after another while holding at most 8 client
// sockets (idle ones make way), where it once kept every idle connection
// until the descriptors ran out.
func TestConnectionsBoundedAndFileLimitRaised(t *testing.T) {
	const limit = 8
	var cmd *exec.Cmd
	p := smoketest.StartCmd(t, smoketest.Binary(t), func(c *exec.Cmd) {
		// exec keeps the pid: the shell becomes the server.
		c.Args = []string{"/bin/sh", "-c", `ulimit -Sn 1024 && exec "$0" serve`, c.Path}
		c.Path = "/bin/sh"
		cmd = c
	}, "FLASHSCALE_DATA_DIR="+t.TempDir(), "FLASHSCALE_ACCESS_LOG=off",
		"FLASHSCALE_MAX_CONNS="+strconv.Itoa(limit), "FLASHSCALE_IDLE_TIMEOUT=10m")
	pid := cmd.Process.Pid

	soft, hard := fileLimits(t, pid)
	if soft != hard {
		t.Errorf("open-file limit soft %s, hard %s: the soft limit must be raised to the hard one", soft, hard)
	}

	for i := range 5 * limit {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		res, err := c.Get(p.URL + "/healthz")
		if err != nil {
			t.Fatalf("client %d (%d sockets open in the server): %v", i+1, sockets(t, pid), err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	// The listener plus at most the cap of clients.
	if n := sockets(t, pid); n > limit+1 {
		t.Fatalf("the server holds %d sockets after %d keep-alive clients; want at most %d clients and its listener", n, 5*limit, limit)
	}
}

// fileLimits reads the soft and hard "Max open files" of a process.
func fileLimits(t *testing.T, pid int) (soft, hard string) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			f := strings.Fields(rest)
			if len(f) >= 2 {
				return f[0], f[1]
			}
		}
	}
	t.Fatalf("no open-file limit in /proc/%d/limits:\n%s", pid, b)
	return "", ""
}

// sockets counts a process's open sockets.
func sockets(t *testing.T, pid int) int {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(dir + "/" + e.Name()); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n
}
