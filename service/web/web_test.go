package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestServesTheBuiltShop(t *testing.T) {
	index := `<!doctype html><html><body><div id="root"></div><script src="/assets/app-abc123.js"></script></body></html>`
	js := strings.Repeat("console.log('flash sale');\n", 100)
	h := newHandler(fstest.MapFS{
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
	h := newHandler(fstest.MapFS{"dist/.keep": {}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "make run") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
