package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var binPath string

// TestMain builds the real binary once; the tests run it as a process so
// signals, exit codes and the listener behave exactly as in a pod.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flashscale-bin")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "flashscale")
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building flashscale: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type proc struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
	done chan error
}

func start(t *testing.T, dataDir string, env ...string) *proc {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(binPath, "serve")
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.Env = append(os.Environ(), append([]string{
		fmt.Sprintf("PORT=%d", port), "FLASHSCALE_DATA_DIR=" + dataDir,
		"FLASHSCALE_ADMIN_TOKEN=drain-test-admin-token",
	}, env...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port), logs: logs, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(p.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("server exited early: %v\n%s", err, logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("server not ready\n%s", logs)
	return nil
}

func TestRejectsUnknownColour(t *testing.T) {
	cmd := exec.Command(binPath, "serve")
	cmd.Env = append(os.Environ(), "DEPLOY_COLOR=purple", "FLASHSCALE_DATA_DIR="+t.TempDir(), fmt.Sprintf("PORT=%d", freePort(t)))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 || !strings.Contains(string(out), "DEPLOY_COLOR") {
		t.Fatalf("want a non-zero exit naming DEPLOY_COLOR, got %v: %s", err, out)
	}
}

func TestVersionCommand(t *testing.T) {
	out, err := exec.Command(binPath, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "flashscale ") {
		t.Fatalf("%v %s", err, out)
	}
	if err := exec.Command(binPath, "frobnicate").Run(); err == nil {
		t.Fatal("an unknown command must fail")
	}
}

// isNotAccepted reports a request the server never took: the listener was
// already closed. Anything else failing during a drain is a lost request.
func isNotAccepted(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}

// TestGracefulDrainUnderLoad: SIGTERM during sustained traffic. Readiness
// turns 503 at once, every request the server accepted completes, the
// process exits 0, and every order it confirmed exists afterwards.
func TestGracefulDrainUnderLoad(t *testing.T) {
	data := t.TempDir()
	p := start(t, data, "FLASHSCALE_SHUTDOWN_DELAY=700ms", "FLASHSCALE_DRAIN_TIMEOUT=10s", "DEPLOY_COLOR=blue")

	type placed struct {
		jar http.CookieJar
		id  string
	}
	var (
		wg       sync.WaitGroup
		ok, lost atomic.Int64
		mu       sync.Mutex
		orders   []placed
		failures []string
	)
	stop := make(chan struct{})
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Timeout: 15 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var req *http.Request
				if i%3 == 0 {
					body := `{"items":[{"productId":"boat-airdopes-141","quantity":1}],"customer":{"name":"Drain","email":"d@example.in","phone":"9876543210","address":"1 Test Street, Chennai"}}`
					req, _ = http.NewRequest("POST", p.url+"/api/checkout", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", fmt.Sprintf("w%d-%d", w, i))
				} else {
					req, _ = http.NewRequest("GET", p.url+"/api/products", nil)
				}
				res, err := c.Do(req)
				if err != nil {
					if isNotAccepted(err) {
						return
					}
					lost.Add(1)
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					return
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				switch {
				case res.StatusCode == 201:
					var id string
					if _, after, found := strings.Cut(string(b), `"id":"`); found {
						id, _, _ = strings.Cut(after, `"`)
					}
					mu.Lock()
					orders = append(orders, placed{jar, id})
					mu.Unlock()
					ok.Add(1)
				case res.StatusCode == 200 || res.StatusCode == 409:
					ok.Add(1)
				default:
					lost.Add(1)
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.Path, res.StatusCode, b))
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(time.Second)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Readiness fails during the shutdown delay, while traffic still flows.
	res, err := http.Get(p.url + "/readyz")
	if err != nil || res.StatusCode != 503 {
		t.Fatalf("readyz right after SIGTERM: %v %v", err, res)
	}
	res.Body.Close()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not exit within the drain timeout")
	}
	close(stop)
	wg.Wait()
	if lost.Load() > 0 {
		t.Fatalf("%d accepted requests failed during the drain (ok %d): %v", lost.Load(), ok.Load(), failures[:min(len(failures), 5)])
	}
	if ok.Load() < 50 || len(orders) == 0 {
		t.Fatalf("too little traffic to prove anything: %d ok, %d orders", ok.Load(), len(orders))
	}

	// Every confirmed order survived the shutdown.
	q := start(t, data)
	for _, o := range orders {
		c := &http.Client{Jar: o.jar}
		res, err := c.Get(q.url + "/api/orders/" + o.id)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("confirmed order %s missing after restart: %v %v", o.id, err, res)
		}
		res.Body.Close()
	}
	res, err = http.Get(q.url + "/api/products/boat-airdopes-141")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := fmt.Sprintf(`"stock":%d`, 1000-len(orders)); !strings.Contains(string(b), want) {
		t.Fatalf("stock after %d orders: %s, want %s", len(orders), b, want)
	}
}
