package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func scrape(t *testing.T, env *testEnv) string {
	t.Helper()
	r := env.shopper().do("GET", "/metrics", nil, nil)
	if r.status != 200 {
		t.Fatalf("/metrics: %d", r.status)
	}
	return string(r.body)
}

func TestBuildInfoHealthAndProbes(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	var bi map[string]string
	r := s.do("GET", "/api/build-info", nil, nil)
	r.decode(t, &bi)
	if bi["version"] != "1.2.3-test" || bi["color"] != "blue" || bi["buildTime"] == "" || bi["commit"] == "" {
		t.Fatalf("build info %v", bi)
	}
	if r := s.do("GET", "/api/health", nil, nil); r.status != 200 || !strings.Contains(string(r.body), `"status":"ok"`) {
		t.Fatalf("health %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/healthz", nil, nil); r.status != 200 {
		t.Fatalf("healthz %d", r.status)
	}
	if r := s.do("GET", "/readyz", nil, nil); r.status != 200 {
		t.Fatalf("readyz %d", r.status)
	}
	env.server.Drain()
	if r := s.do("GET", "/readyz", nil, nil); r.status != 503 {
		t.Fatalf("readyz while draining %d", r.status)
	}
	if r := s.do("GET", "/healthz", nil, nil); r.status != 200 {
		t.Fatalf("liveness must not fail while draining: %d", r.status)
	}
	// A draining instance still serves, and asks clients to reconnect elsewhere.
	if r := s.do("GET", "/api/products", nil, nil); r.status != 200 || !r.close {
		t.Fatalf("while draining: %d, connection close %v", r.status, r.close)
	}
	env.store.Close()
	if r := s.do("GET", "/api/health", nil, nil); r.status != 503 {
		t.Fatalf("health with the store closed: %d %s", r.status, r.body)
	}
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	s.do("GET", "/api/products/dell-inspiron-15", nil, nil)
	s.do("GET", "/api/products/whatever-id-123", nil, nil)
	s.do("GET", "/api/definitely/not/a/route", nil, nil)
	m := scrape(t, env)
	for _, want := range []string{
		`flashscale_http_requests_total{code="200",method="GET",route="/api/products/:id"} 1`,
		`flashscale_http_requests_total{code="404",method="GET",route="/api/products/:id"} 1`,
		`flashscale_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`flashscale_build_info{color="blue",commit="unknown",version="1.2.3-test"} 1`,
		`flashscale_product_stock{product="dell-inspiron-15"} 100`,
		`flashscale_http_request_duration_seconds_bucket{code="200",method="GET",route="/api/products/:id",le="+Inf"} 1`,
		"flashscale_http_requests_in_flight ",
		"go_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, raw := range []string{"whatever-id-123", "definitely"} {
		if strings.Contains(m, raw) {
			t.Errorf("a raw path leaked into a label: %q", raw)
		}
	}
}

func TestSecurityHeadersAndCORS(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	r := s.do("GET", "/api/products", nil, map[string]string{"Origin": "https://evil.example.com"})
	if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Content-Security-Policy") == "" || r.header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("security headers missing: %v", r.header)
	}
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("an unconfigured origin got CORS access")
	}
	r = s.do("GET", "/api/products", nil, map[string]string{"Origin": "https://partner.example.com"})
	if r.header.Get("Access-Control-Allow-Origin") != "https://partner.example.com" {
		t.Fatalf("configured origin: %v", r.header)
	}
	r = s.do("OPTIONS", "/api/checkout", nil, map[string]string{"Origin": "https://partner.example.com", "Access-Control-Request-Method": "POST"})
	if r.status != 204 || !strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
		t.Fatalf("preflight: %d %v", r.status, r.header)
	}
	if r = s.do("OPTIONS", "/api/checkout", nil, map[string]string{"Origin": "https://evil.example.com"}); r.status != 403 {
		t.Fatalf("preflight from an unknown origin: %d", r.status)
	}
}

func TestWebFallbackNeverCoversAPI(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	for _, tc := range []struct {
		method, path string
		status       int
		ctype        string
	}{
		{"GET", "/", 200, "text/html"},
		{"GET", "/orders/FS-123", 200, "text/html"},
		{"GET", "/orders/FS-123/track", 404, "text/html"},
		{"GET", "/api/nope", 404, "application/json"},
		{"GET", "/api", 404, "application/json"},
		{"POST", "/orders", 404, "application/json"},
		{"DELETE", "/api/products", 405, "application/json"},
		{"GET", "/assets/missing-123.js", 404, "text/plain"},
	} {
		r := s.do(tc.method, tc.path, nil, nil)
		if r.status != tc.status || !strings.HasPrefix(r.header.Get("Content-Type"), tc.ctype) {
			t.Errorf("%s %s: %d %q, want %d %s", tc.method, tc.path, r.status, r.header.Get("Content-Type"), tc.status, tc.ctype)
		}
		if tc.ctype == "application/json" {
			r.errCode(t)
		}
	}
	if r := s.do("GET", "/", nil, nil); r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("index.html must be revalidated, Cache-Control=%q", r.header.Get("Cache-Control"))
	}
	_ = http.StatusOK
}
