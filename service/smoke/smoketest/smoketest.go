// Package smoketest runs the real flashscale binary for tests of the smoke
// checker, the release sequence and the image: a fresh process on a free
// port with its own data directory, the way a pod runs it.
package smoketest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BuildInfoPkg is the package whose variables -ldflags -X stamps.
const BuildInfoPkg = "github.com/flashscale/flashscale/service/buildinfo"

var (
	buildOnce sync.Once
	buildDir  string
	builtBin  string
	buildErr  error
)

// ModuleRoot is the directory holding go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the flashscale module")
	}
	return filepath.Dir(gomod), nil
}

// Binary returns the flashscale binary under test: $FLASHSCALE_BIN when set
// (make test points it at bin/flashscale, which embeds the web shop),
// otherwise one built once per test process, static like the image's.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("FLASHSCALE_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("FLASHSCALE_BIN: %v", err)
		}
		return p
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "flashscale-bin-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "flashscale")
		buildErr = Build(builtBin, "0.0.0-test", "testcommit", "2026-01-01T00:00:00Z")
	})
	if buildErr != nil {
		t.Fatalf("building flashscale: %v", buildErr)
	}
	return builtBin
}

// Build compiles ./service/cmd/flashscale to out the way release builds
// do: static, trimmed paths, build info stamped.
func Build(out, version, commit, buildTime string) error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	ldflags := fmt.Sprintf("-s -w -X %[1]s.Version=%[2]s -X %[1]s.Commit=%[3]s -X %[1]s.BuildTime=%[4]s",
		BuildInfoPkg, version, commit, buildTime)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, "./service/cmd/flashscale")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, b)
	}
	return nil
}

// Cleanup removes a binary Binary built; call it from TestMain.
func Cleanup() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}

// FreePort returns a TCP port nobody listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Server is a running flashscale process.
type Server struct {
	URL  string
	Port int
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
}

// Log is what the process wrote so far.
func (s *Server) Log() string { return s.log.String() }

// Signal sends sig to the process (drain tests send SIGTERM themselves).
func (s *Server) Signal(sig os.Signal) error { return s.cmd.Process.Signal(sig) }

// Done is closed when the process has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

// ExitErr is how the process ended: nil for exit status 0. Call it after
// Done is closed.
func (s *Server) ExitErr() error {
	if st := s.cmd.ProcessState; st != nil && !st.Success() {
		return fmt.Errorf("flashscale exited: %v", st)
	}
	return nil
}

// Stop terminates the process (SIGTERM, then SIGKILL after 5 s).
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Start runs `flashscale serve` on a free port with a fresh data
// directory plus env (KEY=value), waits until /readyz answers 200 and
// stops it when the test ends.
func Start(t testing.TB, env ...string) *Server {
	t.Helper()
	return StartCmd(t, Binary(t), nil, env...)
}

// StartCmd is Start for any binary; prepare may adjust the command (for
// example to chroot it) before it starts.
func StartCmd(t testing.TB, bin string, prepare func(*exec.Cmd), env ...string) *Server {
	t.Helper()
	s, err := StartCmdE(t, bin, prepare, env...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// StartCmdE is StartCmd returning the error instead of failing the test,
// for use outside the test's goroutine (an in-test load balancer starting
// backends on demand).
func StartCmdE(t testing.TB, bin string, prepare func(*exec.Cmd), env ...string) (*Server, error) {
	var err error
	// A port picked free can be taken before the process binds it (other
	// suites run in parallel): try a few.
	for range 3 {
		var s *Server
		if s, err = startOnce(t, bin, prepare, env); err == nil {
			return s, nil
		}
	}
	return nil, err
}

func startOnce(t testing.TB, bin string, prepare func(*exec.Cmd), env []string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{Port: port, URL: fmt.Sprintf("http://127.0.0.1:%d", port), log: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append(os.Environ(),
		"PORT="+strconv.Itoa(port),
		"FLASHSCALE_DATA_DIR="+t.TempDir(),
		"FLASHSCALE_LOG_FORMAT=text",
		"FLASHSCALE_DRAIN_TIMEOUT=2s",
		"DATABASE_URL=",
	)
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if prepare != nil {
		prepare(s.cmd)
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Stop)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("flashscale exited before it was ready: %v\n%s", s.cmd.ProcessState, s.Log())
		case <-ctx.Done():
			s.Stop()
			return nil, fmt.Errorf("flashscale not ready within 60s\n%s", s.Log())
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
