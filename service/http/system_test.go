package http_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flashscale/flashscale/service/config"
	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/sqlite/sqlitetest"
)

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func scrape(t *testing.T, env *testEnv) string {
	t.Helper()
	r := env.newcomer().do("GET", "/metrics", nil, nil)
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

// seriesCount counts the series of a metric family in a scrape.
func seriesCount(scrape, family string) int {
	n := 0
	for _, line := range strings.Split(scrape, "\n") {
		if strings.HasPrefix(line, family+"{") {
			n++
		}
	}
	return n
}

// Labels come from closed sets whatever a client sends: 20,000 made-up
// methods once grew /metrics to 100 MB. After one request of each kind,
// hundreds more distinct methods and paths add no series.
func TestMetricLabelsStayBounded(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	send := func(from, to int) {
		for i := from; i < to; i++ {
			s.do(fmt.Sprintf("M%dX", i), "/api/products", nil, nil)                  // unknown method, known route
			s.do(fmt.Sprintf("BREW%d", i), fmt.Sprintf("/api/nope/%d", i), nil, nil) // unknown method and route
			s.do("GET", fmt.Sprintf("/api/products/ghost-%d", i), nil, nil)          // unknown id
			s.do("GET", fmt.Sprintf("/api/x%d/y", i), nil, nil)                      // unknown route
		}
	}
	send(0, 5)
	scrape(t, env) // the scrape itself is a series
	before := scrape(t, env)
	send(5, 305)
	after := scrape(t, env)
	for _, family := range []string{"flashscale_http_requests_total", "flashscale_http_request_duration_seconds_bucket"} {
		if b, a := seriesCount(before, family), seriesCount(after, family); a != b {
			t.Errorf("%s: %d series after 1,200 more requests, %d before; labels must not grow with input", family, a, b)
		}
	}
	for _, want := range []string{
		`flashscale_http_requests_total{code="405",method="other",route="unmatched"} 305`,
		`flashscale_http_requests_total{code="404",method="other",route="unmatched"} 305`,
	} {
		if !strings.Contains(after, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, raw := range []string{"M7X", "BREW7", "ghost-7", "x7"} {
		if strings.Contains(after, raw) {
			t.Errorf("request input %q leaked into a label", raw)
		}
	}
}

// HEAD on a GET route answers as GET, without the body (curl -I /healthz
// was a 405).
func TestHeadAnswersLikeGet(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/api/products", "/api/products/dell-inspiron-15", "/api/build-info", "/"} {
		get, head := s.do("GET", path, nil, nil), s.do("HEAD", path, nil, nil)
		if head.status != get.status || head.status != 200 || len(head.body) != 0 ||
			head.header.Get("Content-Type") != get.header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q %d bytes; GET: %d %q", path, head.status, head.header.Get("Content-Type"), len(head.body),
				get.status, get.header.Get("Content-Type"))
		}
	}
	if head := s.do("HEAD", "/api/products", nil, nil); head.header.Get("ETag") == "" {
		t.Error("HEAD /api/products lacks the ETag")
	}
	if head := s.do("HEAD", "/api/nope", nil, nil); head.status != 404 {
		t.Errorf("HEAD of an unknown API path: %d", head.status)
	}
	if m := scrape(t, env); !strings.Contains(m, `flashscale_http_requests_total{code="200",method="HEAD",route="/healthz"} 1`) {
		t.Error("HEAD requests must be counted as HEAD")
	}
}

// holdLock takes locks that stop the store's work for as long as the test
// wants, from a connection of its own, and returns the release. On
// PostgreSQL: ACCESS EXCLUSIVE on products and orders (every read and
// write of a product or order waits). On SQLite, where readers never wait
// under WAL: the write lock, as another process would hold it.
func holdLock(t *testing.T, env *testEnv, kind string) (release func()) {
	t.Helper()
	ctx := t.Context()
	switch kind {
	case onPostgres:
		conn, err := pgx.Connect(ctx, env.dbURL)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `LOCK TABLE products, orders IN ACCESS EXCLUSIVE MODE`); err != nil {
			t.Fatal(err)
		}
		return func() { _ = tx.Rollback(context.Background()); _ = conn.Close(context.Background()) }
	default:
		db, err := sql.Open("sqlite", filepath.Join(env.dataDir, "flashscale.db"))
		if err != nil {
			t.Fatal(err)
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
			t.Fatal(err)
		}
		return func() { _, _ = conn.ExecContext(context.Background(), `ROLLBACK`); conn.Close(); db.Close() }
	}
}

// A lock held longer than the store deadline once made 40 product reads
// wait 17 s, used up the pool and turned readiness to 503 although the
// database answered. Now every blocked call fails within its deadline
// with 503 unavailable + Retry-After while the lock is still held, and
// /readyz, on a connection of its own, keeps saying 200.
func TestStoreLockFailsFastAndReadinessStaysTrue(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		env := newEnvOn(t, kind, func(c *config.Config) { c.StoreTimeout, c.DBMaxConns = 500*time.Millisecond, 4 })
		// Signed in before the lock: what is measured is the calls under it.
		shoppers := make([]*shopper, 40)
		for i := range shoppers {
			shoppers[i] = env.shopper()
		}
		release := holdLock(t, env, kind)
		released := false
		defer func() {
			if !released {
				release()
			}
		}()

		type call struct{ method, path, key string }
		var calls []call
		for i := range 40 {
			switch {
			case i%4 == 0:
				calls = append(calls, call{"POST", "/api/checkout", fmt.Sprintf("locked-%d", i)})
			case kind == onPostgres && i%4 == 1:
				calls = append(calls, call{"GET", "/api/orders", ""})
			case kind == onPostgres:
				calls = append(calls, call{"GET", "/api/products/dell-inspiron-15", ""})
			default: // SQLite reads never wait; its writes do
				calls = append(calls, call{"PUT", "/api/admin/products/dell-inspiron-15/stock", ""})
			}
		}
		results := make([]resp, len(calls))
		var wg sync.WaitGroup
		for i, c := range calls {
			wg.Go(func() {
				s := shoppers[i]
				hdr := map[string]string{"Authorization": "Bearer " + adminToken}
				var body any
				switch c.method {
				case "POST":
					hdr["Idempotency-Key"] = c.key
					body = checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1})
				case "PUT":
					body = map[string]int{"stock": 1}
				}
				results[i] = s.do(c.method, c.path, body, hdr)
			})
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		// Readiness while the blocked calls hold or queue for the pool.
		probes := 0
		for waiting := true; waiting; probes++ {
			if r := env.newcomer().do("GET", "/readyz", nil, nil); r.status != 200 {
				t.Errorf("/readyz while a lock blocks the store: %d %s; the database answers, so 200", r.status, r.body)
			}
			select {
			case <-done:
				waiting = false
			case <-time.After(50 * time.Millisecond):
			}
			if probes > 600 { // 30 s: they wait for the lock, as they once did
				release()
				released = true
				<-done
				t.Fatal("store calls waited for the lock instead of failing at their deadline")
			}
		}
		for i, r := range results {
			if r.status != 503 || r.errCode(t) != shop.EUNAVAILABLE || r.header.Get("Retry-After") == "" {
				t.Errorf("%s %s under the lock: %d %v %s; want 503 unavailable with Retry-After", calls[i].method, calls[i].path, r.status, r.header, r.body)
			}
		}
		release()
		released = true
		s := env.shopper()
		if r := s.do("GET", "/api/products/dell-inspiron-15", nil, nil); r.status != 200 {
			t.Fatalf("after the lock: %d %s", r.status, r.body)
		}
		if r := s.checkout("locked-0", checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1})); r.status != 201 {
			t.Fatalf("checkout after the lock: %d %s", r.status, r.body)
		}
		if r := s.do("GET", "/readyz", nil, nil); r.status != 200 {
			t.Fatalf("/readyz after the lock: %d", r.status)
		}
	})
}

// tcpProxy stands between the PostgreSQL store and the server, so a test
// can cut the network (every connection closed, new ones refused) and
// restore it, as a failover or a network partition does.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *tcpProxy) serve(c net.Conn) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		c.Close()
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(up, c); up.Close() }()
	_, _ = io.Copy(c, up)
	c.Close()
}

// cut closes every proxied connection and refuses new ones until restore.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *tcpProxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// When the store cannot be reached (PostgreSQL behind a cut network) or
// cannot write (SQLite on a real full disk), requests that need it answered
// 500 internal and, on SQLite, readiness kept saying 200. Now they answer
// 503 unavailable with Retry-After, readiness fails, and both recover with
// the store; a checkout retried with the same key then places its order.
func TestStoreOutageIs503AndRecovers(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		var outage, recover func()
		env := newEnvOn(t, kind, func(c *config.Config) {
			c.StoreTimeout = time.Second
			switch kind {
			case onPostgres:
				u, err := url.Parse(pgtest.NewDatabase(t))
				if err != nil {
					t.Fatal(err)
				}
				proxy := newTCPProxy(t, u.Host)
				u.Host = proxy.ln.Addr().String()
				c.DatabaseURL = u.String()
				outage, recover = proxy.cut, proxy.restore
			case onSQLite:
				disk := sqlitetest.NewDisk(t, 8<<20)
				c.DataDir = disk.Dir
				outage, recover = disk.Fill, disk.Free
			}
		})
		s := env.shopper()
		buy := func(key string) resp {
			return s.checkout(key, checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1}))
		}
		if r := buy("before"); r.status != 201 {
			t.Fatalf("checkout before the outage: %d %s", r.status, r.body)
		}

		outage()
		want503 := func(what string, r resp) {
			t.Helper()
			if r.status != 503 || r.errCode(t) != shop.EUNAVAILABLE || r.header.Get("Retry-After") == "" {
				t.Errorf("%s during the outage: %d %v %s; want 503 unavailable with Retry-After", what, r.status, r.header, r.body)
			}
		}
		want503("checkout", buy("during"))
		if kind == onPostgres { // SQLite reads a full disk fine
			want503("GET /api/products/:id", s.do("GET", "/api/products/dell-inspiron-15", nil, nil))
			want503("GET /api/orders", s.do("GET", "/api/orders", nil, nil))
		}
		if r := s.do("GET", "/readyz", nil, nil); r.status != 503 {
			t.Errorf("/readyz during the outage: %d %s", r.status, r.body)
		}
		if r := s.do("GET", "/api/health", nil, nil); r.status != 503 || !strings.Contains(string(r.body), `"status":"unavailable"`) {
			t.Errorf("/api/health during the outage: %d %s", r.status, r.body)
		}

		recover()
		var ready resp
		for range 50 { // the pool reconnects on its next use
			if ready = s.do("GET", "/readyz", nil, nil); ready.status == 200 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if ready.status != 200 {
			t.Fatalf("/readyz after the outage: %d %s", ready.status, ready.body)
		}
		if r := buy("during"); r.status != 201 {
			t.Fatalf("the same key after the outage: %d %s", r.status, r.body)
		}
		if p, err := env.store.GetProduct(t.Context(), "dell-inspiron-15"); err != nil || p.Stock != 98 {
			t.Fatalf("stock %d, %v; want 98 (two orders)", p.Stock, err)
		}
	})
}
