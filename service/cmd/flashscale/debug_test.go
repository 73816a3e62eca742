package main

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

// The profiler answers on its own loopback listener, and stops with it.
func TestDebugListenerServesTheProfiler(t *testing.T) {
	ln := freeAddr(t)
	stop, err := startDebug(ln, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + ln + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile:") {
		t.Fatalf("GET /debug/pprof/goroutine: %s %.200s", res.Status, body)
	}
	stop()
	if _, err := http.Get("http://" + ln + "/debug/pprof/"); err == nil {
		t.Fatal("the profiler still answers after stop")
	}
}

// The shop's own port never serves the profiler, whatever
// FLASHSCALE_DEBUG_ADDR says: importing net/http/pprof registers it on
// http.DefaultServeMux, which the shop must not use.
func TestShopPortHasNoProfiler(t *testing.T) {
	debug := freeAddr(t)
	srv := start(t, t.TempDir(), "FLASHSCALE_DEBUG_ADDR="+debug)
	res, err := http.Get("http://" + debug + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /debug/pprof/ on FLASHSCALE_DEBUG_ADDR: %s", res.Status)
	}
	res, err = http.Get(srv.URL + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK {
		t.Fatalf("GET /debug/pprof/ on the shop's port: %s, want no profiler", res.Status)
	}
}

func freeAddr(t *testing.T) string {
	return "127.0.0.1:" + strconv.Itoa(smoketest.FreePort(t))
}
