package http_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/web"
)

// inlineCatalog extracts the catalog a page carries.
func inlineCatalog(t *testing.T, page []byte) shop.Listing {
	t.Helper()
	open := `<script id="` + web.InlineID + `" type="application/json">`
	s := string(page)
	i := strings.Index(s, open)
	if i < 0 {
		t.Fatalf("the page carries no catalog: %s", page)
	}
	s = s[i+len(open):]
	var l shop.Listing
	if err := json.Unmarshal([]byte(s[:strings.Index(s, "</script>")]), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestShopPagesKnowTheClientRoutes(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	for path, status := range map[string]int{
		"/":                           200,
		"/cart":                       200,
		"/checkout":                   200,
		"/orders":                     200,
		"/orders/FS-ANY":              200,
		"/orders/FS-ANY/confirmation": 200,
		"/version":                    200,
		"/health":                     200,
		"/products/dell-inspiron-15":  200,
		// The server knows the catalog: a product it does not sell is a 404.
		"/products/no-such-product": 404,
		"/no-such-page":             404,
		"/orders/FS-ANY/track":      404,
		"/cart/extra":               404,
		"/deals":                    404,
	} {
		r := s.do("GET", path, nil, nil)
		if r.status != status {
			t.Errorf("%s: status %d, want %d", path, r.status, status)
			continue
		}
		// Every page, found or not, is the shop's own page, so the shop
		// renders its not-found view inside the usual header and footer.
		if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), `<div id="root">`) {
			t.Errorf("%s: not the shop's page: %q %.80s", path, r.header.Get("Content-Type"), r.body)
		}
		// The inline catalog is data, not script: the policy still allows
		// no inline script.
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
	m := scrape(t, env)
	if !strings.Contains(m, `flashscale_http_requests_total{code="404",method="GET",route="web"}`) {
		t.Error("404 pages are counted under the route label web")
	}
	if strings.Contains(m, "no-such") {
		t.Error("a raw path leaked into a label")
	}
}

func TestPageInlinesTheCurrentCatalog(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	api := s.do("GET", "/api/products", nil, nil)
	var want shop.Listing
	api.decode(t, &want)
	page := s.do("GET", "/", nil, nil)
	if got := inlineCatalog(t, page.body); len(got.Products) != len(want.Products) || got.Products[0] != want.Products[0] ||
		len(got.Categories) != len(want.Categories) {
		t.Fatalf("inline catalog differs from GET /api/products")
	}
	// The page is revalidated by ETag, which follows the catalog.
	etag := page.header.Get("ETag")
	if r := s.do("GET", "/", nil, map[string]string{"If-None-Match": etag}); r.status != 304 {
		t.Fatalf("revalidation: %d", r.status)
	}
	if r := env.admin("PUT", "/api/admin/products/dell-inspiron-15/stock", map[string]int{"stock": 3}); r.status != 200 {
		t.Fatalf("admin: %d %s", r.status, r.body)
	}
	r := s.do("GET", "/products/dell-inspiron-15", nil, map[string]string{"If-None-Match": etag})
	if r.status != 200 || r.header.Get("ETag") == etag {
		t.Fatalf("after a stock change: %d, ETag %q (was %q)", r.status, r.header.Get("ETag"), etag)
	}
	if got := inlineCatalog(t, r.body); got.Products[0].ID != "dell-inspiron-15" || got.Products[0].Stock != 3 {
		t.Fatalf("the page carries the new stock: %+v", got.Products[0])
	}
	// A not-found page carries it too: the shop's header works there.
	if r := s.do("GET", "/nope", nil, nil); r.status != 404 || len(inlineCatalog(t, r.body).Products) == 0 {
		t.Fatalf("404 page: %d", r.status)
	}
}
