package loadtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/loadtest"
	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

// TestShoppersAgainstRealServer runs a short, fast-thinking crowd against
// the real binary on each store: every route must be exercised with zero
// failures, the doorbuster must sell out and its 409s be counted as
// sold-out (not failures), and the stock that left the store must equal
// exactly what the shoppers were told they bought.
func TestShoppersAgainstRealServer(t *testing.T) {
	bin := smoketest.Binary(t)
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			// Zero failed requests is asserted: a shared machine's slow
			// fsyncs must not pass for store timeouts (default 5 s).
			opts := loadtest.ServerOptions{Bin: bin, DataDir: t.TempDir(), Env: []string{"FLASHSCALE_STORE_TIMEOUT=30s"}}
			if store == "postgres" {
				opts.DatabaseURL = pgtest.NewDatabase(t)
			}
			ctx := context.Background()
			srv, err := loadtest.StartServer(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := srv.Stop(30 * time.Second); err != nil {
					t.Errorf("%v\n%s", err, srv.Output())
				}
			}()
			const hotStock = 3
			products, err := loadtest.Stock(ctx, srv, 1000, hotStock)
			if err != nil {
				t.Fatal(err)
			}

			cfg := loadtest.DefaultConfig(srv.URL, 20, 2500*time.Millisecond)
			cfg.RampUp = 200 * time.Millisecond
			cfg.ThinkMin, cfg.ThinkMax = 5*time.Millisecond, 25*time.Millisecond
			cfg.HotRatio = 0.5
			res, err := loadtest.Run(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			var table strings.Builder
			loadtest.WriteTable(&table, res)
			t.Logf("\n%s", &table)

			if n := res.Failed(); n != 0 {
				t.Errorf("%d failed requests", n)
			}
			// Every shopper registered (signed in) before the sale.
			if s := res.SignUp; s.OK != 20 || s.Requests != 20 {
				t.Errorf("sign-up: %d of 20 registered (%d responses)", s.OK, s.Requests)
			}
			for _, route := range loadtest.Routes {
				if s := res.Route(route); s.OK == 0 {
					t.Errorf("%s: no successful request (%d responses)", route, s.Requests)
				}
			}
			if s := res.Route(loadtest.RouteCheckout); s.SoldOut == 0 {
				t.Errorf("the doorbuster (%d units) never sold out: %d checkouts, %d orders", hotStock, s.Requests, s.OK)
			}
			if n := res.Total.Shed; n != 0 {
				t.Errorf("%d requests shed at 20 users", n)
			}
			for _, p := range products {
				now, err := loadtest.GetProduct(ctx, srv.URL, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if sold := int64(p.Stock - now.Stock); sold != res.UnitsBought[p.ID] {
					t.Errorf("%s: stock went %d -> %d but shoppers were sold %d", p.ID, p.Stock, now.Stock, res.UnitsBought[p.ID])
				}
			}
			if got := res.UnitsBought[products[0].ID]; got != hotStock {
				t.Errorf("doorbuster: sold %d units, want all %d", got, hotStock)
			}
			if rss, err := srv.PeakRSS(); err != nil || rss < 1<<20 {
				t.Errorf("peak RSS of the server = %d, %v; want a plausible size", rss, err)
			}
		})
	}
}

// fakeShop answers like the API except where a test says otherwise, and
// records which connection carried which session cookie (the one
// registration set).
type fakeShop struct {
	checkoutStatus int // what POST /api/checkout answers
	shedQuotes     bool

	mu          sync.Mutex
	next        int
	registered  int
	cookieConns map[string]map[string]bool // cookie -> remote addrs
	connCookies map[string]map[string]bool // remote addr -> cookies
}

func (f *fakeShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	c, err := r.Cookie("fs_session")
	if r.URL.Path == "/api/accounts" {
		f.next++
		c = &http.Cookie{Name: "fs_session", Value: fmt.Sprintf("shopper-%d", f.next), Path: "/"}
		http.SetCookie(w, c)
		f.registered++
	} else if err != nil {
		c = &http.Cookie{Name: "fs_session", Value: "none"}
	}
	if f.cookieConns[c.Value] == nil {
		f.cookieConns[c.Value] = map[string]bool{}
	}
	if f.connCookies[r.RemoteAddr] == nil {
		f.connCookies[r.RemoteAddr] = map[string]bool{}
	}
	f.cookieConns[c.Value][r.RemoteAddr] = true
	f.connCookies[r.RemoteAddr][c.Value] = true
	f.mu.Unlock()

	reply := func(status int, body any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}
	errBody := func(code string) any {
		return map[string]any{"error": map[string]string{"code": code, "message": code}}
	}
	switch {
	case r.URL.Path == "/api/accounts":
		reply(201, map[string]any{"account": map[string]string{"email": "e", "name": "n"}})
	case r.URL.Path == "/api/products":
		reply(200, map[string]any{"products": []map[string]any{{"id": "hot", "stock": 5}, {"id": "tv", "stock": 9}}})
	case strings.HasPrefix(r.URL.Path, "/api/products/"):
		reply(200, map[string]any{"product": map[string]any{"id": strings.TrimPrefix(r.URL.Path, "/api/products/")}})
	case r.URL.Path == "/api/cart/quote" && f.shedQuotes:
		w.Header().Set("Retry-After", "0")
		reply(503, errBody("overloaded"))
	case r.URL.Path == "/api/checkout":
		reply(f.checkoutStatus, errBody("internal"))
	case r.URL.Path == "/api/orders":
		reply(200, map[string]any{"orders": []any{}})
	default:
		reply(404, errBody("not_found"))
	}
}

// TestCountsWhatIsNotSuccess checks the generator itself: unexpected
// statuses are failures, shed requests are retried and then given up, and
// each shopper keeps one connection and one cookie of its own.
func TestCountsWhatIsNotSuccess(t *testing.T) {
	f := &fakeShop{checkoutStatus: 500, shedQuotes: true,
		cookieConns: map[string]map[string]bool{}, connCookies: map[string]map[string]bool{}}
	ts := httptest.NewServer(f)
	defer ts.Close()

	const users = 8
	cfg := loadtest.DefaultConfig(ts.URL, users, time.Second)
	cfg.RampUp = 50 * time.Millisecond
	cfg.ThinkMin, cfg.ThinkMax = time.Millisecond, 3*time.Millisecond
	cfg.MaxShedRetries = 2
	res, err := loadtest.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}

	checkout := res.Route(loadtest.RouteCheckout)
	if checkout.Errors == 0 || checkout.Errors != checkout.Requests || checkout.OK != 0 {
		t.Errorf("checkout answered 500 every time: %+v", checkout)
	}
	quote := res.Route(loadtest.RouteQuote)
	if quote.GaveUp == 0 || quote.Shed < 3*quote.GaveUp || quote.Errors != 0 {
		t.Errorf("quotes were always shed: want 3 shed responses per give-up, got %+v", quote)
	}
	if products := res.Route(loadtest.RouteProducts); products.OK == 0 || products.Failed() != 0 {
		t.Errorf("products: %+v", products)
	}
	if got := res.Total.Failed(); got != checkout.Errors+quote.GaveUp {
		t.Errorf("failed = %d, want checkout errors + quote give-ups = %d", got, checkout.Errors+quote.GaveUp)
	}
	found := false
	for _, e := range res.ErrorSamples {
		found = found || (e.Route == loadtest.RouteCheckout && e.What == "500 internal")
	}
	if !found {
		t.Errorf("no failure sample names the 500: %+v", res.ErrorSamples)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.registered != users || res.SignUp.OK != users || res.SignUp.Failed() != 0 {
		t.Errorf("%d users registered %d accounts (result: %+v); want one each before the sale", users, f.registered, res.SignUp)
	}
	if f.cookieConns["none"] != nil {
		t.Errorf("requests without the session cookie from %v", f.cookieConns["none"])
	}
	if len(f.connCookies) != users || len(f.cookieConns) != users {
		t.Errorf("%d users used %d connections and %d cookies; want one each", users, len(f.connCookies), len(f.cookieConns))
	}
	for conn, cookies := range f.connCookies {
		if len(cookies) != 1 {
			t.Errorf("connection %s carried cookies %v; want one shopper per connection", conn, cookies)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"1", time.Second},
		{"2", 2 * time.Second},
		{"0", 100 * time.Millisecond}, // never a busy loop
		{"0.5", 500 * time.Millisecond},
		{"3600", 10 * time.Second}, // capped
		{"", time.Second},
		{"Wed, 21 Oct 2015 07:28:00 GMT", time.Second},
		{"-4", time.Second},
	} {
		if got := loadtest.RetryAfter(tc.header, 10*time.Second); got != tc.want {
			t.Errorf("RetryAfter(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}
