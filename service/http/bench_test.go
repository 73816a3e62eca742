package http_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashscale/flashscale/service/config"
	fshttp "github.com/flashscale/flashscale/service/http"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/sqlite"
	"github.com/flashscale/flashscale/service/web"
)

// BenchmarkProductsVsBareGin measures GET /api/products with the full
// production middleware (metrics, security headers, CORS, the CSRF check,
// access log at its production level) against a bare Gin handler serving
// the same bytes, in the same run, over real loopback connections. It
// reports the throughput ratio; the target is >= 0.7.
func BenchmarkProductsVsBareGin(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if _, err := store.SeedProducts(ctx, shop.SeedCatalog()); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Parse(map[string]string{"DEPLOY_COLOR": "blue", "FLASHSCALE_ALLOWED_ORIGINS": "https://partner.example.com"})
	if err != nil {
		b.Fatal(err)
	}
	srv := fshttp.New(fshttp.Options{Config: cfg, Store: store, Registry: prometheus.NewRegistry(), Web: web.New(),
		Logger: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: cfg.LogLevel}))})
	if err := srv.Start(ctx); err != nil {
		b.Fatal(err)
	}
	ours := httptest.NewServer(srv.Handler())
	defer ours.Close()

	body := fetch(b, ours.URL+"/api/products")
	bare := gin.New()
	bare.GET("/api/products", func(c *gin.Context) { c.Data(200, "application/json; charset=utf-8", body) })
	baseline := httptest.NewServer(bare)
	defer baseline.Close()

	const clients = 32
	const rounds = 8
	round := time.Second
	if testing.Short() {
		round = 200 * time.Millisecond
	}
	var oursTotal, bareTotal float64
	b.ResetTimer()
	for range rounds { // interleave so drift on a noisy machine hits both alike
		bareTotal += throughput(b, baseline.URL+"/api/products", clients, round)
		oursTotal += throughput(b, ours.URL+"/api/products", clients, round)
	}
	b.StopTimer()
	ratio := oursTotal / bareTotal
	b.ReportMetric(oursTotal/rounds, "ours_req/s")
	b.ReportMetric(bareTotal/rounds, "bare_req/s")
	b.ReportMetric(ratio, "ratio")
	b.Logf("GET /api/products: ours %.0f req/s, bare gin %.0f req/s, ratio %.2f (target >= 0.70)", oursTotal/rounds, bareTotal/rounds, ratio)
	if ratio < 0.7 {
		b.Errorf("ratio %.2f is below the 0.7 target", ratio)
	}
}

func fetch(b *testing.B, url string) []byte {
	res, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return body
}

// throughput runs clients keep-alive clients, each with its own cookie jar
// (as browsers do), for d and returns requests per second.
func throughput(b *testing.B, url string, clients int, d time.Duration) float64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}}
			defer c.CloseIdleConnections()
			for time.Now().Before(deadline) {
				res, err := c.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Errorf("status %d", res.StatusCode)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}
