package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	smoketest.Cleanup()
	os.Exit(code)
}

// start runs the real binary (bin/flashscale under make test) as a process,
// so signals, exit codes and the listener behave exactly as in a pod.
// These tests prove that drains and flips lose nothing, and count any 503
// as a lost request: the store deadline is raised well above the 5 s
// default so that a shared machine's slow fsyncs cannot pass for one.
func start(t *testing.T, dataDir string, env ...string) *smoketest.Server {
	t.Helper()
	return smoketest.Start(t, append([]string{"FLASHSCALE_DATA_DIR=" + dataDir,
		"FLASHSCALE_ADMIN_TOKEN=drain-test-admin-token", "FLASHSCALE_ACCESS_LOG=off",
		"FLASHSCALE_STORE_TIMEOUT=30s"}, env...)...)
}

func TestRejectsUnknownColour(t *testing.T) {
	cmd := exec.Command(smoketest.Binary(t), "serve")
	cmd.Env = append(os.Environ(), "DEPLOY_COLOR=purple", "FLASHSCALE_DATA_DIR="+t.TempDir(), fmt.Sprintf("PORT=%d", smoketest.FreePort(t)))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 || !strings.Contains(string(out), "DEPLOY_COLOR") {
		t.Fatalf("want a non-zero exit naming DEPLOY_COLOR, got %v: %s", err, out)
	}
}

func TestVersionCommand(t *testing.T) {
	out, err := exec.Command(smoketest.Binary(t), "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "flashscale ") {
		t.Fatalf("%v %s", err, out)
	}
	if err := exec.Command(smoketest.Binary(t), "frobnicate").Run(); err == nil {
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
	load := runShoppers(p.URL, 16, "boat-airdopes-141")

	// A slow client: headers now, the rest of its body after the listener
	// has closed. An accepted request must still be answered.
	pr, pw := io.Pipe()
	slow, _ := http.NewRequest("POST", p.URL+"/api/checkout", pr)
	slow.Header.Set("Content-Type", "application/json")
	slow.Header.Set("Idempotency-Key", "slow-1")
	slowJar, _ := cookiejar.New(nil)
	if err := signUp(&http.Client{Jar: slowJar}, p.URL, "slow@example.in"); err != nil {
		t.Fatal(err) // the session checkout needs
	}
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
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Readiness fails at once, while traffic still flows.
	for {
		res, err := http.Get(p.URL + "/readyz")
		if err != nil {
			t.Fatalf("readyz during the shutdown delay: %v", err)
		}
		res.Body.Close()
		if res.StatusCode == 503 {
			break
		}
		if time.Since(sigAt) > delay/2 {
			t.Fatalf("readyz still %d %s after SIGTERM", res.StatusCode, time.Since(sigAt))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The load balancer stops sending new work within the delay.
	time.Sleep(delay/2 - time.Since(sigAt))
	load.finish(t)
	// The listener is closed now; finish the slow upload.
	time.Sleep(delay + 300*time.Millisecond - time.Since(sigAt))
	if _, err := http.Get(p.URL + "/healthz"); !isNotAccepted(err) {
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
	load.checkNothingLost(t, q.URL, "boat-airdopes-141", 1000)
	_, after, _ := strings.Cut(string(b), `"id":"`)
	id, _, _ := strings.Cut(after, `"`)
	if res, err := (&http.Client{Jar: slowJar}).Get(q.URL + "/api/orders/" + id); err != nil || res.StatusCode != 200 {
		t.Fatalf("the slow order %s is missing: %v %v", id, err, res)
	}
}
