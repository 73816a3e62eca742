package http_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// BenchmarkProductsRequest serves GET /api/products one request at a time,
// with our middleware and with a bare Gin handler of the same bytes: over
// one keep-alive loopback connection (client and server in this process,
// as in BenchmarkProductsVsBareGin) and in process (the handler alone). It
// is for counting instructions, which machine noise does not change:
//
//	go test -c -o http.test ./service/http/
//	GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind ./http.test \
//	    -test.run '^$' -test.bench 'ProductsRequest/loopback/ours' -test.benchtime 2000x
//
// and again with 4000x: the difference over 2000 is one request's cost,
// without the setup.
func BenchmarkProductsRequest(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := benchServer(b, ctx)
	// The catalog is loaded once and not refreshed: a refresh each second
	// of wall time would add instructions that depend on how long the run
	// took (valgrind makes it 50 times slower), not on the requests.
	once, stop := context.WithCancel(ctx)
	err := srv.Start(once)
	stop()
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/products", nil))
	body := rec.Body.Bytes()
	bare := gin.New()
	bare.GET("/api/products", func(c *gin.Context) { c.Data(200, "application/json; charset=utf-8", body) })

	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"ours", srv.Handler()}, {"bare", bare}} {
		b.Run("loopback/"+h.name, func(b *testing.B) {
			ts := httptest.NewServer(h.h)
			defer ts.Close()
			c := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}}
			defer c.CloseIdleConnections()
			b.ReportAllocs()
			for b.Loop() {
				res, err := c.Get(ts.URL + "/api/products")
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
		b.Run("inprocess/"+h.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/api/products", nil)
			req.Header.Set("Origin", "https://partner.example.com")
			b.ReportAllocs()
			for b.Loop() {
				w := &discardWriter{h: http.Header{}}
				h.h.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}
