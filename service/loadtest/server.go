package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ServerOptions says how to start a flashscale process.
type ServerOptions struct {
	// Bin is the flashscale binary.
	Bin string
	// DatabaseURL selects PostgreSQL; empty means SQLite in DataDir.
	DatabaseURL string
	DataDir     string
	// Env adds KEY=VALUE settings (e.g. FLASHSCALE_CHECKOUT_MAX_INFLIGHT).
	Env []string
	// Log receives the server's output; nil keeps only the last lines for
	// error messages.
	Log io.Writer
	// ReadyTimeout bounds the wait for /readyz.
	ReadyTimeout time.Duration
}

// Server is a flashscale process started by StartServer.
type Server struct {
	URL        string
	AdminToken string

	cmd  *exec.Cmd
	tail *tailBuffer
	done chan struct{}
	err  error // Wait's result, valid once done is closed
}

// StartServer runs `flashscale serve` on a free loopback port with the
// admin API on, and waits until it is ready.
func StartServer(ctx context.Context, o ServerOptions) (*Server, error) {
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 60 * time.Second
	}
	var lastErr error
	// The port is free when we pick it, not necessarily when the server
	// binds it (others run tests on this machine too): try a few.
	for range 3 {
		s, err := startOnce(ctx, o)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	return nil, lastErr
}

func startOnce(ctx context.Context, o ServerOptions) (*Server, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	s := &Server{
		URL:        fmt.Sprintf("http://127.0.0.1:%d", port),
		AdminToken: hex.EncodeToString(tok[:]),
		tail:       &tailBuffer{max: 8 << 10},
		done:       make(chan struct{}),
	}
	cmd := exec.Command(o.Bin, "serve")
	// DATABASE_URL is always set, empty for SQLite, so one inherited from
	// the caller's environment cannot pick the store.
	env := append(os.Environ(),
		"PORT="+strconv.Itoa(port),
		"FLASHSCALE_ADMIN_TOKEN="+s.AdminToken,
		"DATABASE_URL="+o.DatabaseURL,
		// The load tools send each shopper's own client address in
		// X-Forwarded-For (clientAddress), as a load balancer would.
		"FLASHSCALE_TRUSTED_PROXIES=127.0.0.1/32,::1/128",
	)
	if o.DataDir != "" {
		env = append(env, "FLASHSCALE_DATA_DIR="+o.DataDir)
	}
	cmd.Env = append(env, o.Env...)
	var out io.Writer = s.tail
	if o.Log != nil {
		out = io.MultiWriter(s.tail, o.Log)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", o.Bin, err)
	}
	s.cmd = cmd
	go func() { s.err = cmd.Wait(); close(s.done) }()

	readyCtx, cancel := context.WithTimeout(ctx, o.ReadyTimeout)
	defer cancel()
	if err := s.waitReady(readyCtx); err != nil {
		_ = s.Stop(5 * time.Second)
		return nil, fmt.Errorf("%w\nserver output:\n%s", err, s.tail)
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if res, err := client.Get(s.URL + "/readyz"); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("flashscale exited before it was ready: %v", s.err)
		case <-ctx.Done():
			return fmt.Errorf("flashscale not ready at %s: %w", s.URL, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Exited reports whether the process has ended (a crash during a run).
func (s *Server) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Output returns the last few KiB the server printed.
func (s *Server) Output() string { return s.tail.String() }

// Stop sends SIGTERM, waits for the drain (killing the process after
// timeout) and returns an error unless it exited cleanly.
func (s *Server) Stop(timeout time.Duration) error {
	if s.Exited() {
		return s.exitErr()
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.exitErr()
	case <-time.After(timeout):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("flashscale did not stop within %s after SIGTERM; killed", timeout)
	}
}

func (s *Server) exitErr() error {
	if s.err != nil {
		return fmt.Errorf("flashscale exited: %w", s.err)
	}
	return nil
}

// PeakRSS is the server's resident-set high-water mark (VmHWM), in bytes.
func (s *Server) PeakRSS() (int64, error) {
	return procStatusBytes(s.PID(), "VmHWM")
}

// RSS is the server's resident set size now (VmRSS), in bytes.
func (s *Server) RSS() (int64, error) {
	return procStatusBytes(s.PID(), "VmRSS")
}

// CPUTime is the server's user plus system CPU time so far.
func (s *Server) CPUTime() (time.Duration, error) {
	return procCPUTime(s.PID())
}

// procStatusBytes reads a "kB" field of /proc/<pid>/status.
func procStatusBytes(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("/proc/%d/status: unexpected %s line %q", pid, field, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		return kb << 10, err
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// clockTicks is USER_HZ, which Linux fixes at 100 on every architecture Go
// supports for the values it exports in /proc/<pid>/stat.
const clockTicks = 100

// procCPUTime reads utime+stime from /proc/<pid>/stat.
func procCPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces; fields after its
	// closing parenthesis are space-separated, utime and stime being the
	// 12th and 13th of them.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// FreePort returns a TCP port that was free on the loopback interface.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
