package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashscale/flashscale/service/config"
	fshttp "github.com/flashscale/flashscale/service/http"
	"github.com/flashscale/flashscale/service/postgres"
	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/sqlite"
	"github.com/flashscale/flashscale/service/web"
)

const adminToken = "test-admin-token-0123456789"

type testEnv struct {
	t       *testing.T
	srv     *httptest.Server
	server  *fshttp.Server
	store   shop.Store
	reg     *prometheus.Registry
	dataDir string // the SQLite store's directory
	dbURL   string // the PostgreSQL store's database
}

// The stores an HTTP test can run on.
const (
	onSQLite   = "sqlite"
	onPostgres = "postgres"
)

// eachStore runs fn as a subtest on each store: where the stores differ
// (what text they can hold, how they time out), the API must not.
func eachStore(t *testing.T, fn func(t *testing.T, kind string)) {
	for _, kind := range []string{onSQLite, onPostgres} {
		t.Run(kind, func(t *testing.T) { fn(t, kind) })
	}
}

// newEnv starts the real server on a fresh SQLite store. mod adjusts the
// production defaults.
func newEnv(t *testing.T, mod func(*config.Config)) *testEnv {
	t.Helper()
	return newEnvOn(t, onSQLite, mod)
}

// newEnvWith is newEnv with the store wrapped by wrap (nil: as it is), for
// tests of how the server copes with a failing store.
func newEnvWith(t *testing.T, mod func(*config.Config), wrap func(shop.Store) shop.Store) *testEnv {
	t.Helper()
	return newEnvStore(t, onSQLite, mod, wrap)
}

// newEnvOn starts the real server on a fresh store of the given kind: a
// SQLite file in cfg.DataDir (a temporary directory unless mod sets one)
// or a throwaway PostgreSQL database with cfg.DBMaxConns connections.
func newEnvOn(t *testing.T, kind string, mod func(*config.Config)) *testEnv {
	t.Helper()
	return newEnvStore(t, kind, mod, nil)
}

// newEnvStore is newEnvOn with the store wrapped by wrap (nil: as it is).
func newEnvStore(t *testing.T, kind string, mod func(*config.Config), wrap func(shop.Store) shop.Store) *testEnv {
	t.Helper()
	cfg, err := config.Parse(map[string]string{
		"DEPLOY_COLOR": "blue", "APP_VERSION": "1.2.3-test", "FLASHSCALE_ADMIN_TOKEN": adminToken,
		"FLASHSCALE_ALLOWED_ORIGINS": "https://partner.example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.TrustedProxies = []string{"127.0.0.1/32", "::1/128"}
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var store shop.Store
	var dbURL string
	switch kind {
	case onSQLite:
		store, err = sqlite.Open(ctx, filepath.Join(cfg.DataDir, "flashscale.db"))
	case onPostgres:
		dbURL = cfg.DatabaseURL // the test made one, say behind a proxy
		if dbURL == "" {
			dbURL = pgtest.NewDatabase(t)
		}
		store, err = postgres.Open(ctx, dbURL, cfg.DBMaxConns, postgres.WithStatementTimeout(cfg.StoreTimeout))
	default:
		t.Fatalf("no store %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.SeedProducts(ctx, shop.SeedCatalog()); err != nil {
		t.Fatal(err)
	}
	var served shop.Store = store
	if wrap != nil {
		served = wrap(store)
	}
	reg := prometheus.NewRegistry()
	s := fshttp.New(fshttp.Options{Config: cfg, Store: served, Registry: reg, Web: testShop(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &testEnv{t: t, srv: hs, server: s, store: store, reg: reg, dataDir: cfg.DataDir, dbURL: dbURL}
}

// testShop is a built web shop with the client routes of webapp's
// src/config/paths.ts, so these tests do not depend on whether the real one
// was built into service/web/dist.
func testShop() *web.Handler {
	return web.NewFS(fstest.MapFS{
		"dist/index.html": {Data: []byte(`<!doctype html><html><head><title>FlashScale</title></head><body>` +
			`<div id="root"></div>` + web.Marker + `<script type="module" src="/assets/index-1.js"></script></body></html>`)},
		"dist/routes.json": {Data: []byte(`["/","/products/:id","/cart","/checkout","/orders","/orders/:id",` +
			`"/orders/:id/confirmation","/version","/health"]`)},
		"dist/assets/index-1.js": {Data: []byte(`console.log("shop")`)},
	})
}

// shopper is a browser-like client with its own cookie jar.
type shopper struct {
	env             *testEnv
	client          *http.Client
	email, password string // of its account, when it has one
	// addr is the client address it sends as X-Forwarded-For (the test
	// server trusts loopback as its proxy): each account its own, as
	// shoppers on their own networks, so the per-address sign-in limit
	// counts them apart.
	addr string
}

// newcomer is a browser-like client with its own cookie jar, on its first
// visit: a guest, with no session.
func (e *testEnv) newcomer() *shopper {
	jar, _ := cookiejar.New(nil)
	return &shopper{env: e, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// shopper has registered an account of its own and is signed in: its jar
// holds the fs_session cookie, as a browser's would.
func (e *testEnv) shopper() *shopper {
	e.t.Helper()
	s := e.newcomer()
	n := shopperSeq.Add(1)
	s.email = fmt.Sprintf("shopper-%d@example.in", n)
	s.addr = fmt.Sprintf("198.51.%d.%d", n/250%250, n%250+1)
	s.password = "correct horse battery"
	if r := s.do("POST", "/api/accounts", map[string]string{"email": s.email, "password": s.password, "name": "Asha Rao"}, nil); r.status != http.StatusCreated {
		e.t.Fatalf("register: %d %s", r.status, r.body)
	}
	return s
}

var shopperSeq atomic.Int64

// device is another browser of s's account: a jar of its own, signed in
// with s's email and password.
func (s *shopper) device() *shopper {
	s.env.t.Helper()
	d := s.env.newcomer()
	d.email, d.password, d.addr = s.email, s.password, s.addr
	if r := d.do("POST", "/api/session", map[string]string{"email": s.email, "password": s.password}, nil); r.status != http.StatusOK {
		s.env.t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	return d
}

// cookieless is an API client that keeps no cookies, like a script or a
// browser that blocks them.
func (e *testEnv) cookieless() *shopper {
	return &shopper{env: e, client: &http.Client{Timeout: 10 * time.Second}}
}

type resp struct {
	close  bool // the server asked to close the connection
	status int
	header http.Header
	body   []byte
}

func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// errCode returns the error code of an error response and checks its shape.
func (r resp) errCode(t *testing.T) string {
	t.Helper()
	var body struct {
		Error *struct {
			Code, Message string
		}
	}
	r.decode(t, &body)
	if body.Error == nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("want {\"error\":{\"code\",\"message\"}}, got %d %s", r.status, r.body)
	}
	return body.Error.Code
}

func (s *shopper) do(method, path string, body any, hdr map[string]string) resp {
	s.env.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, s.env.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.addr != "" {
		req.Header.Set("X-Forwarded-For", s.addr)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := s.client.Do(req)
	if err != nil {
		s.env.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{close: res.Close, status: res.StatusCode, header: res.Header, body: b}
}

func validCustomer() shop.Customer {
	return shop.Customer{Name: "Asha Rao", Email: "asha@example.in", Phone: "+91 98765 43210", Address: "12 MG Road, Bengaluru 560001"}
}

func checkoutBody(items ...shop.LineRequest) shop.CheckoutRequest {
	return shop.CheckoutRequest{Items: items, Customer: validCustomer()}
}

func (s *shopper) checkout(key string, body any) resp {
	return s.do("POST", "/api/checkout", body, map[string]string{"Idempotency-Key": key})
}

func (e *testEnv) admin(method, path string, body any) resp {
	return e.newcomer().do(method, path, body, map[string]string{"Authorization": "Bearer " + adminToken})
}

// Every error the application writes under /api is the JSON envelope: a
// trailing slash was a 301 with an HTML body, a refused CORS preflight a
// bare 403.
func TestAPIErrorsAreJSON(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	for _, tc := range []struct {
		method, path string
		hdr          map[string]string
		status       int
		code         string
	}{
		{"GET", "/api/products/", nil, 404, shop.ENOTFOUND},
		{"GET", "/api/orders/", nil, 404, shop.ENOTFOUND},
		{"POST", "/api/checkout/", nil, 404, shop.ENOTFOUND},
		{"PUT", "/api/admin/products/dell-inspiron-15/stock/", nil, 404, shop.ENOTFOUND},
		{"OPTIONS", "/api/checkout", map[string]string{"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"}, 403, shop.EORIGIN},
		{"OPTIONS", "/api/products", nil, 405, shop.EMETHOD},
		{"PATCH", "/api/products", nil, 405, shop.EMETHOD},
		{"GET", "/api/nope", nil, 404, shop.ENOTFOUND},
	} {
		r := s.do(tc.method, tc.path, nil, tc.hdr)
		if r.status != tc.status || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %d %q %s, want %d JSON", tc.method, tc.path, r.status, r.header.Get("Content-Type"), r.body, tc.status)
			continue
		}
		if code := r.errCode(t); code != tc.code {
			t.Errorf("%s %s: code %q, want %q", tc.method, tc.path, code, tc.code)
		}
	}
}

// HSTS only on responses to requests that came over HTTPS (behind the ALB:
// X-Forwarded-Proto: https), never over plain HTTP.
func TestHSTSOnlyOverHTTPS(t *testing.T) {
	env := newEnv(t, func(c *config.Config) { c.CookieSecure = true })
	s := env.shopper()
	for _, tc := range []struct {
		proto string
		want  bool
	}{{"", false}, {"http", false}, {"https", true}, {"HTTPS", true}} {
		hdr := map[string]string{}
		if tc.proto != "" {
			hdr["X-Forwarded-Proto"] = tc.proto
		}
		for _, path := range []string{"/api/products", "/", "/healthz"} {
			r := s.do("GET", path, nil, hdr)
			if got := r.header.Get("Strict-Transport-Security") != ""; got != tc.want {
				t.Errorf("GET %s with X-Forwarded-Proto %q: HSTS %v, want %v", path, tc.proto, got, tc.want)
			}
		}
	}
	plain := newEnv(t, nil) // FLASHSCALE_COOKIE_SECURE off: no HSTS at all
	if r := plain.shopper().do("GET", "/api/products", nil, map[string]string{"X-Forwarded-Proto": "https"}); r.header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS without FLASHSCALE_COOKIE_SECURE")
	}
}

// With CORS configured, every API response says it varies by Origin (the
// catalog used to overwrite Vary with Accept-Encoding alone), so a cache
// never hands one origin's answer to another.
func TestVaryKeepsOrigin(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	for _, origin := range []string{"https://partner.example.com", "https://evil.example.com", ""} {
		hdr := map[string]string{"Accept-Encoding": "gzip"}
		if origin != "" {
			hdr["Origin"] = origin
		}
		r := s.do("GET", "/api/products", nil, hdr)
		vary := strings.Join(r.header.Values("Vary"), ",")
		if !strings.Contains(vary, "Origin") || !strings.Contains(vary, "Accept-Encoding") {
			t.Errorf("GET /api/products from %q: Vary %q, want Origin and Accept-Encoding", origin, vary)
		}
		// The shop's own pages vary by both too: an allowed origin's
		// response carries CORS headers another origin's must not get.
		if page := s.do("GET", "/", nil, hdr); !strings.Contains(strings.Join(page.header.Values("Vary"), ","), "Origin") ||
			!strings.Contains(strings.Join(page.header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("GET / from %q: Vary %q, want Origin and Accept-Encoding", origin, page.header.Values("Vary"))
		}
		hdr["If-None-Match"] = r.header.Get("ETag")
		if r := s.do("GET", "/api/products", nil, hdr); r.status != 304 || !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
			t.Errorf("304 from %q: %d Vary %q", origin, r.status, r.header.Values("Vary"))
		}
	}
}
