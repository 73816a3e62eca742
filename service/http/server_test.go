package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashscale/flashscale/service/config"
	fshttp "github.com/flashscale/flashscale/service/http"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/sqlite"
	"github.com/flashscale/flashscale/service/web"
)

const adminToken = "test-admin-token-0123456789"

type testEnv struct {
	t      *testing.T
	srv    *httptest.Server
	server *fshttp.Server
	store  shop.Store
	reg    *prometheus.Registry
}

// newEnv starts the real server on a fresh SQLite store. mod adjusts the
// production defaults.
func newEnv(t *testing.T, mod func(*config.Config)) *testEnv {
	t.Helper()
	return newEnvWith(t, mod, nil)
}

// newEnvWith is newEnv with the store wrapped by wrap (nil: as it is), for
// tests of how the server copes with a failing store.
func newEnvWith(t *testing.T, mod func(*config.Config), wrap func(shop.Store) shop.Store) *testEnv {
	t.Helper()
	cfg, err := config.Parse(map[string]string{
		"DEPLOY_COLOR": "blue", "APP_VERSION": "1.2.3-test", "FLASHSCALE_ADMIN_TOKEN": adminToken,
		"FLASHSCALE_ALLOWED_ORIGINS": "https://partner.example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "flashscale.db"))
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
	return &testEnv{t: t, srv: hs, server: s, store: store, reg: reg}
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
	env    *testEnv
	client *http.Client
}

func (e *testEnv) shopper() *shopper {
	jar, _ := cookiejar.New(nil)
	return &shopper{env: e, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
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
	return e.shopper().do(method, path, body, map[string]string{"Authorization": "Bearer " + adminToken})
}
