package web

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func TestServesTheBuiltShop(t *testing.T) {
	index := `<!doctype html><html><body><div id="root"></div><script src="/assets/app-abc123.js"></script></body></html>`
	js := strings.Repeat("console.log('flash sale');\n", 100)
	h := NewFS(fstest.MapFS{
		"dist/.keep":                {},
		"dist/index.html":           {Data: []byte(index)},
		"dist/assets/app-abc123.js": {Data: []byte(js)},
		"dist/images/tv.svg":        {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	})
	for _, tc := range []struct {
		path, gzip string
		status     int
		ctype      string
		cache      string
		body       string
	}{
		{path: "/", status: 200, ctype: "text/html", cache: "no-cache", body: index},
		{path: "/orders/FS-123", status: 200, ctype: "text/html", cache: "no-cache", body: index},
		{path: "/assets/app-abc123.js", status: 200, ctype: "text/javascript", cache: "public, max-age=31536000, immutable", body: js},
		{path: "/assets/app-abc123.js", gzip: "gzip, br", status: 200, ctype: "text/javascript", cache: "public, max-age=31536000, immutable", body: js},
		{path: "/images/tv.svg", status: 200, ctype: "image/svg+xml", cache: "public, max-age=3600"},
		{path: "/assets/app-old999.js", status: 404},
		{path: "/favicon.ico", status: 404},
		{path: "/.keep", status: 404},
		// Only embedded files exist: a traversal attempt is just another client route.
		{path: "/../../etc/passwd", status: 200, ctype: "text/html", cache: "no-cache", body: index},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		if tc.gzip != "" {
			req.Header.Set("Accept-Encoding", tc.gzip)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		if res.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, res.StatusCode, tc.status)
			continue
		}
		if tc.status != http.StatusOK {
			continue
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), tc.ctype) || res.Header.Get("Cache-Control") != tc.cache {
			t.Errorf("%s: Content-Type %q Cache-Control %q", tc.path, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
		}
		var body io.Reader = res.Body
		if tc.gzip != "" {
			if res.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s: not gzipped", tc.path)
			}
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			body = zr
		}
		b, _ := io.ReadAll(body)
		if tc.body != "" && string(b) != tc.body {
			t.Errorf("%s: body %.40q", tc.path, b)
		}
	}
}

func TestUnbuiltShopSaysHowToBuildIt(t *testing.T) {
	h := NewFS(fstest.MapFS{"dist/.keep": {}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "make run") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// shop is a built shop as Vite writes it: the page with its marker, the
// client routes, an asset.
func shop() *Handler {
	return NewFS(fstest.MapFS{
		"dist/index.html":         {Data: []byte(`<!doctype html><html><head><title>FlashScale</title></head><body><div id="root"></div>` + Marker + `<script type="module" src="/assets/app-1.js"></script></body></html>`)},
		"dist/routes.json":        {Data: []byte(`["/","/products/:id","/cart","/orders/:id","/orders/:id/confirmation"]`)},
		"dist/assets/app-1.js":    {Data: []byte("console.log(1)")},
		"dist/images/product.svg": {Data: []byte("<svg/>")},
	})
}

func get(h *Handler, path string, hdr map[string]string, data Data, exists Exists) *http.Response {
	req := httptest.NewRequest("GET", path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.Serve(rec, req, data, exists)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	var r io.Reader = res.Body
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	b, _ := io.ReadAll(r)
	return string(b)
}

func TestClientRoutesAndNotFound(t *testing.T) {
	h := shop()
	known := func(route string, params map[string]string) bool {
		return route != "/products/:id" || params["id"] == "tv"
	}
	for path, status := range map[string]int{
		"/": 200, "/index.html": 200, "/cart": 200, "/cart/": 200, "/products/tv": 200,
		"/orders/FS-1": 200, "/orders/FS-1/confirmation": 200,
		// Unknown pages get the shop's page (it renders its own "not found")
		// with a real 404.
		"/products/radio": 404, "/nope": 404, "/cart/extra": 404, "/orders/FS-1/track": 404, "/products": 404,
		"/../../etc/passwd": 404,
		// Files that do not exist are plain 404s, never the page.
		"/assets/app-2.js": 404, "/robots.txt": 404,
	} {
		res := get(h, path, nil, Data{}, known)
		if res.StatusCode != status {
			t.Errorf("%s: status %d, want %d", path, res.StatusCode, status)
			continue
		}
		page := strings.Contains(body(t, res), `<div id="root">`)
		if wantPage := !strings.HasPrefix(path, "/assets/") && path != "/robots.txt"; page != wantPage {
			t.Errorf("%s: page %v, want %v", path, page, wantPage)
		}
		if page && (res.Header.Get("Cache-Control") != "no-cache" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html")) {
			t.Errorf("%s: headers %v", path, res.Header)
		}
	}
	// Files are served as files.
	if res := get(h, "/images/product.svg", nil, Data{}, known); res.StatusCode != 200 || body(t, res) != "<svg/>" {
		t.Errorf("an image: %d", res.StatusCode)
	}
	route, params, ok := h.Match("/orders/FS-9/confirmation")
	if !ok || route != "/orders/:id/confirmation" || params["id"] != "FS-9" {
		t.Errorf("Match = %q %v %v", route, params, ok)
	}
}

func TestShopWithoutRouteListServesEveryPath(t *testing.T) {
	h := NewFS(fstest.MapFS{"dist/index.html": {Data: []byte(`<div id="root"></div>`)}})
	for _, path := range []string{"/", "/anything/at/all"} {
		if res := get(h, path, nil, Data{}, func(string, map[string]string) bool { return false }); res.StatusCode != 200 {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
	}
}

func TestPageCarriesTheCatalogInline(t *testing.T) {
	h := shop()
	catalog := []byte(`{"products":[{"id":"tv","name":"</script><script>alert(1)</script> <!-- TV"}]}`)
	data := Data{Key: `"v1"`, JSON: catalog}
	res := get(h, "/", map[string]string{"Accept-Encoding": "gzip"}, data, nil)
	page := body(t, res)
	open := `<script id="fs-catalog" type="application/json">`
	i := strings.Index(page, open)
	if i < 0 || !strings.Contains(page, `<div id="root"></div>`+open) || strings.Contains(page, Marker) {
		t.Fatalf("no inline catalog at the marker: %s", page)
	}
	inline := page[i+len(open) : i+len(open)+strings.Index(page[i+len(open):], "</script>")]
	// The shopper-supplied text cannot close the element early...
	if strings.Contains(inline, "<") {
		t.Fatalf("inline data contains '<': %s", inline)
	}
	// ...and still parses to exactly the catalog.
	var got, want any
	if err := json.Unmarshal([]byte(inline), &got); err != nil {
		t.Fatalf("inline data is not JSON: %v\n%s", err, inline)
	}
	_ = json.Unmarshal(catalog, &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("inline %v, want %v", got, want)
	}

	// The ETag names the page and the catalog: unchanged, a revalidation is
	// a 304; a new catalog is a new page.
	etag := res.Header.Get("ETag")
	if etag == "" || !strings.Contains(etag, "v1") {
		t.Fatalf("ETag %q", etag)
	}
	if res := get(h, "/cart", map[string]string{"If-None-Match": etag}, data, nil); res.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %d", res.StatusCode)
	}
	first := h.rendered.Load()
	get(h, "/cart", nil, data, nil)
	if h.rendered.Load() != first {
		t.Fatal("the same catalog was rendered twice")
	}
	data2 := Data{Key: `"v2"`, JSON: []byte(`{"products":[]}`)}
	res = get(h, "/", map[string]string{"If-None-Match": etag}, data2, nil)
	if res.StatusCode != 200 || res.Header.Get("ETag") == etag || !strings.Contains(body(t, res), `{"products":[]}`) {
		t.Fatalf("after a catalog change: %d %q", res.StatusCode, res.Header.Get("ETag"))
	}
	// A 404 page carries the catalog too, and a HEAD gets headers only.
	if res := get(h, "/nope", nil, data2, nil); res.StatusCode != 404 || !strings.Contains(body(t, res), open) {
		t.Fatalf("404 page: %d", res.StatusCode)
	}
	req := httptest.NewRequest("HEAD", "/", nil)
	rec := httptest.NewRecorder()
	h.Serve(rec, req, data2, nil)
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
		t.Fatalf("HEAD: %d %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestConcurrentRequestsRenderEachCatalogOnce(t *testing.T) {
	h := shop()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			key := fmt.Sprintf(`"v%d"`, i%2)
			res := get(h, "/", nil, Data{Key: key, JSON: []byte(`{"k":` + key + `}`)}, nil)
			if !strings.Contains(body(t, res), `{"k":`+key+`}`) {
				t.Errorf("request %d got another catalog", i)
			}
		})
	}
	wg.Wait()
}
