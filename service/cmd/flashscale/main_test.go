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
		"FLASHSCALE_ADMIN_TOKEN=drain-test-admin-token", "FLASHSCALE_ACCESS_LOG=off",
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
// turns 503 at once while the instance keeps serving for the shutdown delay
// (the load balancer's deregistration window); a request still being
// uploaded when the listener closes completes; the process exits 0 and every
// order it confirmed exists afterwards.
func TestGracefulDrainUnderLoad(t *testing.T) {
	data := t.TempDir()
	const delay = 800 * time.Millisecond
	p := start(t, data, "FLASHSCALE_SHUTDOWN_DELAY="+delay.String(), "FLASHSCALE_DRAIN_TIMEOUT=10s", "DEPLOY_COLOR=blue")
	load := runShoppers(p.url, 16, "boat-airdopes-141")

	// A slow client: headers now, the rest of its body after the listener
	// has closed. An accepted request must still be answered.
	pr, pw := io.Pipe()
	slow, _ := http.NewRequest("POST", p.url+"/api/checkout", pr)
	slow.Header.Set("Content-Type", "application/json")
	slow.Header.Set("Idempotency-Key", "slow-1")
	slowJar, _ := cookiejar.New(nil)
	slowRes := make(chan *http.Response, 1)
	slowErr := make(chan error, 1)
	go func() {
		res, err := (&http.Client{Jar: slowJar}).Do(slow)
		slowRes <- res
		slowErr <- err
	}()
	body := `{"items":[{"productId":"dell-inspiron-15","quantity":1}],"customer":{"name":"Slow","email":"s@example.in","phone":"9876543210","address":"1 Test Street, Chennai"}}`
	if _, err := pw.Write([]byte(body[:40])); err != nil {
		t.Fatal(err)
	}

	time.Sleep(time.Second)
	sigAt := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Readiness fails at once, while traffic still flows.
	for {
		res, err := http.Get(p.url + "/readyz")
		if err != nil {
			t.Fatalf("readyz during the shutdown delay: %v", err)
		}
		res.Body.Close()
		if res.StatusCode == 503 {
			break
		}
		if time.Since(sigAt) > delay/4 {
			t.Fatalf("readyz still %d %s after SIGTERM", res.StatusCode, time.Since(sigAt))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The load balancer stops sending new work within the delay.
	time.Sleep(delay/2 - time.Since(sigAt))
	load.finish(t)
	// The listener is closed now; finish the slow upload.
	time.Sleep(delay + 300*time.Millisecond - time.Since(sigAt))
	if _, err := http.Get(p.url + "/healthz"); !isNotAccepted(err) {
		t.Fatalf("the listener should be closed by now, got %v", err)
	}
	if _, err := pw.Write([]byte(body[40:])); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	res, err := <-slowRes, <-slowErr
	if err != nil {
		t.Fatalf("the in-flight request failed: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("the in-flight checkout got %d %s", res.StatusCode, b)
	}
	waitExit(t, p)

	// Every confirmed order survived the shutdown.
	q := start(t, data)
	load.checkNothingLost(t, q.url, "boat-airdopes-141", 1000)
	_, after, _ := strings.Cut(string(b), `"id":"`)
	id, _, _ := strings.Cut(after, `"`)
	if res, err := (&http.Client{Jar: slowJar}).Get(q.url + "/api/orders/" + id); err != nil || res.StatusCode != 200 {
		t.Fatalf("the slow order %s is missing: %v %v", id, err, res)
	}
}
