package http_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/flashscale/flashscale/service/shop"
)

func TestListProducts(t *testing.T) {
	env := newEnv(t, nil)
	s := env.newcomer()
	r := s.do("GET", "/api/products", nil, nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var body struct{ Products []shop.Product }
	r.decode(t, &body)
	if len(body.Products) != len(shop.SeedCatalog()) {
		t.Fatalf("got %d products, want %d", len(body.Products), len(shop.SeedCatalog()))
	}
	byID := map[string]shop.Product{}
	for _, p := range body.Products {
		byID[p.ID] = p
	}
	dell := byID["dell-inspiron-15"]
	if dell.Price != 5_500_000 || dell.MRP != 6_500_000 || dell.Currency != "INR" || dell.Stock <= 0 || dell.ImageURL == "" {
		t.Fatalf("dell = %+v", dell)
	}

	// Browsing needs no identity: a guest gets no cookie at all.
	if got := r.header.Get("Set-Cookie"); got != "" {
		t.Fatalf("the listing set a cookie for a guest: %q", got)
	}

	etag := r.header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if nm := s.do("GET", "/api/products", nil, map[string]string{"If-None-Match": etag}); nm.status != http.StatusNotModified || len(nm.body) != 0 {
		t.Fatalf("If-None-Match: status %d body %q", nm.status, nm.body)
	}

	// An admin stock change is visible at once and changes the ETag.
	if a := env.admin("PUT", "/api/admin/products/dell-inspiron-15/stock", map[string]int{"stock": 3}); a.status != 200 {
		t.Fatalf("admin stock: %d %s", a.status, a.body)
	}
	r2 := s.do("GET", "/api/products", nil, map[string]string{"If-None-Match": etag})
	if r2.status != 200 || r2.header.Get("ETag") == etag {
		t.Fatalf("after a stock change: status %d etag %q (old %q)", r2.status, r2.header.Get("ETag"), etag)
	}
}

func TestListProductsGzip(t *testing.T) {
	env := newEnv(t, nil)
	if b := gunzipGet(t, env, "/api/products"); !bytes.HasPrefix(b, []byte(`{"products":[`)) {
		t.Fatalf("gunzipped body %q", b[:min(len(b), 40)])
	}
}

// gunzipGet fetches path asking for gzip, requires it and returns the
// unzipped body.
func gunzipGet(t *testing.T, env *testEnv, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", env.srv.URL+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("%s: Content-Encoding %q", path, res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGetProduct(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	r := s.do("GET", "/api/products/samsung-43-4k-tv", nil, nil)
	var body struct{ Product shop.Product }
	r.decode(t, &body)
	if r.status != 200 || body.Product.Price != 3_800_000 || body.Product.MRP != 4_800_000 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r = s.do("GET", "/api/products/no-such-thing", nil, nil)
	if r.status != 404 || r.errCode(t) != shop.ENOTFOUND {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

func TestQuote(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	env.admin("PUT", "/api/admin/products/lg-front-load-washer/stock", map[string]int{"stock": 1})
	r := s.do("POST", "/api/cart/quote", map[string]any{"items": []map[string]any{
		{"productId": "dell-inspiron-15", "quantity": 2, "price": 1},
		{"productId": "lg-front-load-washer", "quantity": 2},
		{"productId": "ghost", "quantity": 1},
	}}, nil)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var body struct{ Quote shop.Quote }
	r.decode(t, &body)
	q := body.Quote
	if len(q.Lines) != 3 || q.Available {
		t.Fatalf("quote %+v", q)
	}
	if l := q.Lines[0]; !l.Available || l.UnitPrice != 5_500_000 || l.LineTotal != 11_000_000 {
		t.Fatalf("client price must be ignored: %+v", l)
	}
	if l := q.Lines[1]; l.Available || l.Reason != "insufficient_stock" || l.Stock != 1 {
		t.Fatalf("short line %+v", l)
	}
	if l := q.Lines[2]; l.Available || l.Reason != "not_found" {
		t.Fatalf("unknown line %+v", l)
	}
	if q.Total != 11_000_000 {
		t.Fatalf("total %d counts only available lines", q.Total)
	}

	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"empty cart", `{"items":[]}`, 422, shop.EINVALID},
		{"zero quantity", `{"items":[{"productId":"dell-inspiron-15","quantity":0}]}`, 422, shop.EINVALID},
		{"string quantity", `{"items":[{"productId":"dell-inspiron-15","quantity":"2"}]}`, 400, shop.EMALFORMED},
		{"not json", `{"items":`, 400, shop.EMALFORMED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do("POST", "/api/cart/quote", tc.body, nil)
			if r.status != tc.status || r.errCode(t) != tc.code {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
}

// A NUL or invalid UTF-8 in a path id was a 500 on PostgreSQL and a 404 on
// SQLite; on both it is a JSON 404 not_found, and nothing changes.
func TestUnstorablePathIDsAreNotFound(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		env := newEnvOn(t, kind, nil)
		s := env.shopper()
		bearer := map[string]string{"Authorization": "Bearer " + adminToken}
		for _, tc := range []struct {
			method, path string
			body         any
			hdr          map[string]string
		}{
			{"GET", "/api/products/%00", nil, nil},
			{"GET", "/api/products/dell-inspiron-15%00", nil, nil},
			{"GET", "/api/products/%ff%fe", nil, nil},
			{"GET", "/api/orders/%ff%fe", nil, nil},
			{"GET", "/api/orders/%00", nil, nil},
			{"PUT", "/api/admin/products/%ff/stock", map[string]int{"stock": 0}, bearer},
			{"PUT", "/api/admin/products/%00/sale", map[string]any{}, bearer},
			{"POST", "/api/admin/orders/%00/advance", nil, bearer},
			{"POST", "/api/admin/orders/%c3/advance", nil, bearer},
			{"GET", "/api/products/" + strings.Repeat("x", 200), nil, nil},
		} {
			r := s.do(tc.method, tc.path, tc.body, tc.hdr)
			if r.status != 404 || r.errCode(t) != shop.ENOTFOUND {
				t.Errorf("%s %s: %d %s, want 404 not_found", tc.method, tc.path, r.status, r.body)
			}
		}
		if p, err := env.store.GetProduct(t.Context(), "dell-inspiron-15"); err != nil || p.Stock != 100 {
			t.Fatalf("stock %d, %v", p.Stock, err)
		}
	})
}

// The catalog listing, which every shopper polls, carries every header a
// browser or cache acts on, each once, and nothing else: the security
// headers, Vary (one line), the validator and caching rule, the type and
// length, and CORS for an allowed origin. Referrer-Policy is left to the
// shop's pages, the documents it has effect on.
func TestListProductsHeaders(t *testing.T) {
	env := newEnv(t, nil)
	s := env.cookieless()
	common := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Vary":                    "Origin, Accept-Encoding",
		"Cache-Control":           "no-cache",
		"Content-Type":            "application/json; charset=utf-8",
	}
	for _, tc := range []struct {
		name  string
		req   map[string]string
		extra map[string]string
	}{
		{"same origin", map[string]string{"Accept-Encoding": "identity"}, nil},
		{"gzip", map[string]string{"Accept-Encoding": "gzip"}, map[string]string{"Content-Encoding": "gzip"}},
		{"allowed origin", map[string]string{"Accept-Encoding": "identity", "Origin": "https://partner.example.com"}, map[string]string{
			"Access-Control-Allow-Origin":      "https://partner.example.com",
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Expose-Headers":    "ETag, Retry-After, Idempotent-Replayed",
		}},
		{"other origin", map[string]string{"Accept-Encoding": "identity", "Origin": "https://evil.example.com"}, nil},
	} {
		r := s.do("GET", "/api/products", nil, tc.req)
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d", tc.name, r.status)
		}
		want := map[string]string{}
		for k, v := range common {
			want[k] = v
		}
		for k, v := range tc.extra {
			want[k] = v
		}
		for k, v := range want {
			if got := r.header.Values(k); len(got) != 1 || got[0] != v {
				t.Errorf("%s: %s %q, want the one line %q", tc.name, k, got, v)
			}
		}
		if etag := r.header.Values("Etag"); len(etag) != 1 || !strings.HasPrefix(etag[0], `"`) {
			t.Errorf("%s: ETag %q", tc.name, etag)
		}
		if n := r.header.Get("Content-Length"); n != strconv.Itoa(len(r.body)) {
			t.Errorf("%s: Content-Length %q for %d bytes", tc.name, n, len(r.body))
		}
		for k := range r.header {
			if _, ok := want[k]; !ok && k != "Etag" && k != "Content-Length" && k != "Date" {
				t.Errorf("%s: unexpected header %s: %q", tc.name, k, r.header[k])
			}
		}
	}
	if r := s.do("GET", "/", nil, nil); r.header.Get("Referrer-Policy") != "strict-origin-when-cross-origin" {
		t.Errorf("the shop's page: Referrer-Policy %q", r.header.Get("Referrer-Policy"))
	}
}
