package smoke_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/smoke"
	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	smoketest.Cleanup()
	os.Exit(code)
}

func startColor(t *testing.T, color, version string) *smoketest.Server {
	t.Helper()
	return smoketest.Start(t, "DEPLOY_COLOR="+color, "APP_VERSION="+version)
}

func check(t *testing.T, rep smoke.Report, name string) smoke.Check {
	t.Helper()
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s check in report:\n%s", name, reportText(rep))
	return smoke.Check{}
}

func reportText(rep smoke.Report) string {
	var b bytes.Buffer
	_, _ = rep.WriteTo(&b)
	return b.String()
}

func TestHealthyServerPasses(t *testing.T) {
	srv := startColor(t, "green", "1.2.0-abc1234")
	var stdout, stderr bytes.Buffer
	code := smoke.Main([]string{"--url", srv.URL + "/", "--expect-color", "green", "--expect-version", "1.2.0-abc1234", "--timeout", "20s"}, &stdout, &stderr)
	if code != smoke.ExitPass {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s\nserver:\n%s", code, &stdout, &stderr, srv.Log())
	}
	out := stdout.String()
	for _, want := range []string{
		"PASS after 1 attempt",
		"PASS  readiness   GET /readyz: 200 ready",
		"PASS  build-info  color=green version=1.2.0-abc1234",
		"PASS  products",
		"PASS  quote",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestWrongExpectationsFail(t *testing.T) {
	srv := startColor(t, "blue", "1.0.0-aaaaaaa")
	for _, tc := range []struct {
		name, color, version, want string
	}{
		{"wrong colour", "green", "", `color is "blue", want "green"`},
		{"wrong version", "", "1.1.0-bbbbbbb", `version is "1.0.0-aaaaaaa", want "1.1.0-bbbbbbb"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var progress bytes.Buffer
			rep := smoke.Run(context.Background(), smoke.Options{URL: srv.URL,
				ExpectColor: tc.color, ExpectVersion: tc.version, Timeout: 1500 * time.Millisecond, Progress: &progress})
			if rep.Passed {
				t.Fatalf("passed, want failure:\n%s", reportText(rep))
			}
			bi := check(t, rep, smoke.CheckBuildInfo)
			if bi.OK || !strings.Contains(bi.Detail, tc.want) {
				t.Errorf("build-info check = %+v, want a failure saying %q", bi, tc.want)
			}
			// Only the expectation is wrong: the rest of the deployment is fine.
			for _, name := range []string{smoke.CheckReadiness, smoke.CheckProducts, smoke.CheckQuote} {
				if c := check(t, rep, name); !c.OK {
					t.Errorf("%s failed on a healthy server: %s", name, c.Detail)
				}
			}
			if rep.Attempts < 2 || !strings.Contains(progress.String(), "retrying") {
				t.Errorf("%d attempts, progress %q: want retries until the deadline", rep.Attempts, progress.String())
			}
		})
	}

	var stdout bytes.Buffer
	code := smoke.Main([]string{"--url", srv.URL, "--expect-color", "green", "--timeout", "1s"}, &stdout, io.Discard)
	if code != smoke.ExitFail || !strings.Contains(stdout.String(), "FAIL  build-info") {
		t.Errorf("Main exit %d, report:\n%s\nwant exit 1 and a failed build-info line", code, &stdout)
	}
}

func TestUnreachableFailsWithinDeadline(t *testing.T) {
	u := fmt.Sprintf("http://127.0.0.1:%d", smoketest.FreePort(t))
	start := time.Now()
	rep := smoke.Run(context.Background(), smoke.Options{URL: u, Timeout: 2 * time.Second})
	took := time.Since(start)
	if rep.Passed {
		t.Fatal("passed against a closed port")
	}
	if took > 3*time.Second {
		t.Errorf("took %s, want to give up at the 2s deadline", took)
	}
	if c := check(t, rep, smoke.CheckReadiness); c.OK || !strings.Contains(c.Detail, "refused") {
		t.Errorf("readiness = %+v, want connection refused", c)
	}
	if c := check(t, rep, smoke.CheckQuote); !c.Skipped {
		t.Errorf("quote = %+v, want skipped without a product list", c)
	}
	if rep.Attempts < 3 {
		t.Errorf("%d attempts in 2s, want backoff retries", rep.Attempts)
	}
}

// proxy stands in for the load balancer: pick chooses the backend per
// request (nil answers 502, like an ALB rule without healthy targets).
func proxy(t *testing.T, pick func(*http.Request) *smoketest.Server) *httptest.Server {
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := pick(r)
		if s == nil {
			http.Error(w, "no backend", http.StatusBadGateway)
			return
		}
		u, _ := url.Parse(s.URL)
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func TestPreviewHeaderOnEveryRequest(t *testing.T) {
	blue := startColor(t, "blue", "1.0.0-aaaaaaa")
	green := startColor(t, "green", "1.1.0-bbbbbbb")
	var bare atomic.Int32
	lb := proxy(t, func(r *http.Request) *smoketest.Server {
		if r.Header.Get(smoke.PreviewHeader) == "true" {
			return green
		}
		bare.Add(1)
		return blue
	})

	rep := smoke.Run(context.Background(), smoke.Options{URL: lb.URL, Preview: true,
		ExpectColor: "green", ExpectVersion: "1.1.0-bbbbbbb", Timeout: 10 * time.Second})
	if !rep.Passed {
		t.Fatalf("preview smoke failed:\n%s", reportText(rep))
	}
	if n := bare.Load(); n != 0 {
		t.Errorf("%d requests without the preview header", n)
	}

	rep = smoke.Run(context.Background(), smoke.Options{URL: lb.URL, ExpectColor: "green", Timeout: time.Second})
	if rep.Passed {
		t.Errorf("without --preview the live colour (blue) answered, yet the smoke expecting green passed")
	}
}

func TestConsecutiveRounds(t *testing.T) {
	blue := startColor(t, "blue", "1.0.0-aaaaaaa")
	green := startColor(t, "green", "1.1.0-bbbbbbb")
	// A load balancer mid-switch: build-info alternates between colours.
	var n atomic.Int32
	lb := proxy(t, func(r *http.Request) *smoketest.Server {
		if r.URL.Path == "/api/build-info" && n.Add(1)%2 == 0 {
			return blue
		}
		return green
	})
	if rep := smoke.Run(context.Background(), smoke.Options{URL: lb.URL, ExpectColor: "green", Timeout: 5 * time.Second}); !rep.Passed {
		t.Errorf("one round wanted, failed:\n%s", reportText(rep))
	}
	rep := smoke.Run(context.Background(), smoke.Options{URL: lb.URL, ExpectColor: "green", Consecutive: 2, Timeout: 4 * time.Second})
	if rep.Passed {
		t.Errorf("two rounds in a row wanted from a flapping load balancer, passed:\n%s", reportText(rep))
	}
}

// TestBrokenResponsesFail tampers with one endpoint at a time between the
// smoke and a real server, and expects exactly that check to fail.
func TestBrokenResponsesFail(t *testing.T) {
	srv := startColor(t, "blue", "1.0.0-aaaaaaa")
	target, _ := url.Parse(srv.URL)
	for _, tc := range []struct {
		name, path string
		status     int
		body       string
		failed     string
		want       string
	}{
		{"not ready", "/readyz", 503, "draining", smoke.CheckReadiness, `status 503 "draining"`},
		{"empty catalog", "/api/products", 200, `{"products":[]}`, smoke.CheckProducts, "catalog is empty"},
		{"quote error", "/api/cart/quote", 500, `{"error":{"code":"internal","message":"x"}}`, smoke.CheckQuote, "status 500"},
		{"quote price mismatch", "/api/cart/quote", 200,
			`{"quote":{"lines":[{"productId":"%s","quantity":1,"unitPrice":1,"lineTotal":1,"available":true}],"total":1,"currency":"INR","available":true}}`,
			smoke.CheckQuote, "prices"},
		{"build-info not JSON", "/api/build-info", 200, `<html>`, smoke.CheckBuildInfo, "not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp := httputil.NewSingleHostReverseProxy(target)
			lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != tc.path {
					rp.ServeHTTP(w, r)
					return
				}
				body := tc.body
				if strings.Contains(body, "%s") {
					// Echo the product the smoke asked about, so only the price is wrong.
					b, _ := io.ReadAll(r.Body)
					id := strings.SplitN(strings.SplitN(string(b), `"productId":"`, 2)[1], `"`, 2)[0]
					body = fmt.Sprintf(body, id)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, body)
			}))
			defer lb.Close()
			rep := smoke.Run(context.Background(), smoke.Options{URL: lb.URL, Timeout: 800 * time.Millisecond})
			if rep.Passed {
				t.Fatalf("passed:\n%s", reportText(rep))
			}
			for _, c := range rep.Checks {
				if c.Skipped && tc.failed == smoke.CheckProducts && c.Name == smoke.CheckQuote {
					continue // nothing to quote without a catalog
				}
				wantOK := c.Name != tc.failed
				if c.OK != wantOK {
					t.Errorf("%s: ok=%v, want %v (%s)", c.Name, c.OK, wantOK, c.Detail)
				}
				if c.Name == tc.failed && !strings.Contains(c.Detail, tc.want) {
					t.Errorf("%s detail %q lacks %q", c.Name, c.Detail, tc.want)
				}
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--url is required"},
		{[]string{"--url", "shop.example.com"}, "want an http(s) URL"},
		{[]string{"--url", "http://x", "--expect-color", "purple"}, "must be blue, green or none"},
		{[]string{"--url", "http://x", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"--url", "http://x", "extra"}, `unexpected argument "extra"`},
	} {
		var stderr bytes.Buffer
		if code := smoke.Main(tc.args, io.Discard, &stderr); code != smoke.ExitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("Main(%q) = %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), smoke.ExitUsage, tc.want)
		}
	}
}
