package http_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashscale/flashscale/service/benchreport"
	"github.com/flashscale/flashscale/service/config"
	fshttp "github.com/flashscale/flashscale/service/http"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/sqlite"
	"github.com/flashscale/flashscale/service/web"
)

// productsTarget is the least median ratio of our GET /api/products to a
// bare Gin handler's throughput.
const productsTarget = 0.85

// BenchmarkProductsVsBareGin measures GET /api/products with the full
// production middleware (metrics, security headers, CORS, the CSRF check,
// access log at its production level) against a bare Gin handler serving
// the same bytes, over real loopback connections, interleaved in the same
// run (see package benchreport). It reports the median throughput ratio of
// seven pairs with min and max, fails below 0.85, and prints the heap
// allocations per request of both handlers beside it.
func BenchmarkProductsVsBareGin(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := benchServer(b, ctx)
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
	const pairs = 7
	round := time.Second
	if testing.Short() {
		round = 200 * time.Millisecond
	}
	var oursRates, bareRates, oursWall, bareWall []float64
	b.ResetTimer()
	ratio := benchreport.Interleave(pairs, func() float64 {
		wall, cpu := throughput(b, baseline.URL+"/api/products", clients, round)
		bareRates, bareWall = append(bareRates, cpu), append(bareWall, wall)
		return cpu
	}, func() float64 {
		wall, cpu := throughput(b, ours.URL+"/api/products", clients, round)
		oursRates, oursWall = append(oursRates, cpu), append(oursWall, wall)
		return cpu
	})
	wallRatios := make([]float64, len(oursWall))
	for i := range oursWall {
		wallRatios[i] = oursWall[i] / bareWall[i]
	}
	wallRatio := benchreport.Summarise(wallRatios)
	b.StopTimer()
	oursAllocs, bareAllocs := allocsPerRequest(b, srv.Handler()), allocsPerRequest(b, bare)
	b.ReportMetric(benchreport.Median(oursRates), "ours_req/cpu_s")
	b.ReportMetric(benchreport.Median(bareRates), "bare_req/cpu_s")
	b.ReportMetric(benchreport.Median(oursWall), "ours_req/s")
	b.ReportMetric(benchreport.Median(bareWall), "bare_req/s")
	b.ReportMetric(wallRatio.Median, "wall_ratio")
	b.ReportMetric(ratio.Median, "ratio")
	b.ReportMetric(ratio.Min, "ratio_min")
	b.ReportMetric(ratio.Max, "ratio_max")
	b.ReportMetric(oursAllocs, "ours_allocs/req")
	b.ReportMetric(bareAllocs, "bare_allocs/req")
	b.Logf("GET /api/products: ours %.0f req per CPU-second, bare gin %.0f, ratio %v (target >= %.2f); "+
		"wall clock %.0f vs %.0f req/s, ratio %v; allocations per request %.0f (bare gin %.0f)",
		benchreport.Median(oursRates), benchreport.Median(bareRates), ratio, productsTarget,
		benchreport.Median(oursWall), benchreport.Median(bareWall), wallRatio, oursAllocs, bareAllocs)
	pass := ratio.Median >= productsTarget
	if err := benchreport.Record(benchreport.Result{
		Scenario: "products-vs-bare-gin", Metric: "GET /api/products requests per CPU-second: full middleware vs a bare Gin handler, same bytes",
		Ratio: ratio, Target: productsTarget, Pass: pass,
		Extra: map[string]string{
			"req/cpu-s":  fmt.Sprintf("%.0f vs %.0f", benchreport.Median(oursRates), benchreport.Median(bareRates)),
			"wall req/s": fmt.Sprintf("%.0f vs %.0f (ratio %v)", benchreport.Median(oursWall), benchreport.Median(bareWall), wallRatio),
			"allocs/req": fmt.Sprintf("%.0f vs %.0f", oursAllocs, bareAllocs),
		},
	}); err != nil {
		b.Fatal(err)
	}
	if !pass {
		b.Errorf("ratio %v is below the %.2f target", ratio, productsTarget)
	}
}

// allocsPerRequest is the heap allocations of one GET /api/products served
// by h in process, from a returning shopper (cookie set) on a partner
// origin: what the handler and middleware cost, without the connection.
// What building the request itself allocates is measured alone and
// subtracted.
func allocsPerRequest(b *testing.B, h http.Handler) float64 {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/products", nil))
	cookies := rec.Result().Cookies()
	request := func() (*http.Request, *discardWriter) {
		req := httptest.NewRequest(http.MethodGet, "/api/products", nil)
		req.Header.Set("Origin", "https://partner.example.com")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		return req, &discardWriter{h: http.Header{}}
	}
	served := testing.AllocsPerRun(200, func() {
		req, w := request()
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	})
	built := testing.AllocsPerRun(200, func() { _, _ = request() })
	return served - built
}

// discardWriter is a ResponseWriter that keeps only the status, so the
// allocation count is the handler's, not a recorder's.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return len(p), nil
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
// (as browsers do), for d and returns requests per second of wall time and
// per second of this process's CPU time (user + system). Client and server
// share the process, so the second is the whole cost of a request, and
// unlike the first it does not swing with what else the machine runs.
func throughput(b *testing.B, url string, clients int, d time.Duration) (wall, cpu float64) {
	var n atomic.Int64
	var wg sync.WaitGroup
	cpu0 := cpuTime(b)
	start := time.Now()
	deadline := start.Add(d)
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
	elapsed, used := time.Since(start), cpuTime(b)-cpu0
	return float64(n.Load()) / elapsed.Seconds(), float64(n.Load()) / used.Seconds()
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchServer is the production server on a seeded SQLite store, with a
// partner origin allowed (so CORS runs) and the access log at its
// production level, not yet started.
func benchServer(b *testing.B, ctx context.Context) *fshttp.Server {
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if _, err := store.SeedProducts(ctx, shop.SeedCatalog()); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Parse(map[string]string{"DEPLOY_COLOR": "blue", "FLASHSCALE_ALLOWED_ORIGINS": "https://partner.example.com"})
	if err != nil {
		b.Fatal(err)
	}
	return fshttp.New(fshttp.Options{Config: cfg, Store: store, Registry: prometheus.NewRegistry(), Web: web.New(),
		Logger: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: cfg.LogLevel}))})
}
