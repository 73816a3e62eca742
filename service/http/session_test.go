package http_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashscale/flashscale/service/config"
	fshttp "github.com/flashscale/flashscale/service/http"
	"github.com/flashscale/flashscale/service/shop"
)

// shopperAt is a cookieless client that presents tok as its session.
func (e *testEnv) shopperAt(tok string) *cookieShopper {
	return &cookieShopper{s: e.cookieless(), tok: tok}
}

type cookieShopper struct {
	s   *shopper
	tok string
}

func (c *cookieShopper) do(method, path string, body any, hdr map[string]string) resp {
	h := map[string]string{"Cookie": fshttp.SessionCookie + "=" + c.tok}
	for k, v := range hdr {
		h[k] = v
	}
	return c.s.do(method, path, body, h)
}

// Orders, tracking and per-shopper limits belong to the account: what one
// device bought, another device of the account lists, tracks and counts
// against the cap. Guests are asked to sign in.
func TestOrdersBelongToTheAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		env := newEnvOn(t, kind, nil)
		phone := env.shopper()
		r := phone.checkout("k1", checkoutBody(shop.LineRequest{ProductID: "sony-wh-1000xm5", Quantity: 1}))
		var o orderBody
		r.decode(t, &o)
		if r.status != 201 {
			t.Fatalf("checkout: %d %s", r.status, r.body)
		}
		laptop := phone.device()
		var list struct{ Orders []shop.Order }
		lr := laptop.do("GET", "/api/orders", nil, nil)
		lr.decode(t, &list)
		if lr.status != 200 || len(list.Orders) != 1 || list.Orders[0].ID != o.Order.ID {
			t.Fatalf("the other device's orders: %d %s", lr.status, lr.body)
		}
		if g := laptop.do("GET", "/api/orders/"+o.Order.ID, nil, nil); g.status != 200 {
			t.Fatalf("tracking on the other device: %d %s", g.status, g.body)
		}
		if rem := remaining(t, laptop, "sony-wh-1000xm5"); rem == nil || *rem != 1 {
			t.Fatalf("remaining on the other device: %v; want 1 of 2", rem)
		}
		// The cap holds across devices: the second unit on the laptop, a
		// third from the phone is over it.
		if r := laptop.checkout("k2", checkoutBody(shop.LineRequest{ProductID: "sony-wh-1000xm5", Quantity: 1})); r.status != 201 {
			t.Fatalf("second unit: %d %s", r.status, r.body)
		}
		if r := phone.checkout("k3", checkoutBody(shop.LineRequest{ProductID: "sony-wh-1000xm5", Quantity: 1})); r.status != 409 || r.errCode(t) != shop.ELIMIT {
			t.Fatalf("third unit from the first device: %d %s", r.status, r.body)
		}
		// Another account sees none of it.
		other := env.shopper()
		if g := other.do("GET", "/api/orders/"+o.Order.ID, nil, nil); g.status != 404 {
			t.Fatalf("another account's order: %d %s", g.status, g.body)
		}
		guest := env.newcomer()
		for _, path := range []string{"/api/orders", "/api/orders/" + o.Order.ID} {
			if g := guest.do("GET", path, nil, nil); g.status != 401 || g.errCode(t) != shop.ESIGNINREQUIRED {
				t.Errorf("guest %s: %d %s", path, g.status, g.body)
			}
		}
		// A guest's product page has no allowance (no store read of
		// purchases for nobody), and a quote treats the guest as having
		// bought nothing.
		if rem := remaining(t, guest, "sony-wh-1000xm5"); rem == nil || *rem != 2 {
			t.Errorf("a guest's remaining: %v; want the whole cap", rem)
		}
	})
}

// Sign-out revokes the session in the store: the cookie, replayed, is a
// guest's, on this server and on any other; the account's other devices
// stay signed in.
func TestSignOut(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		env := newEnvOn(t, kind, nil)
		phone := env.shopper()
		laptop := phone.device()
		tok := ""
		for _, c := range phone.client.Jar.Cookies(mustURL(t, env.srv.URL)) {
			if c.Name == fshttp.SessionCookie {
				tok = c.Value
			}
		}
		r := phone.do("DELETE", "/api/session", nil, nil)
		if r.status != http.StatusNoContent {
			t.Fatalf("sign out: %d %s", r.status, r.body)
		}
		if c := sessionCookie(t, r); c.MaxAge >= 0 || c.Value != "" {
			t.Fatalf("sign-out must clear the cookie: %+v", c)
		}
		if _, err := env.store.GetSession(t.Context(), shop.SessionTokenHash(tok), env.server.Now()); shop.ErrorCode(err) != shop.ENOTFOUND {
			t.Fatalf("the session is still in the store: %v", err)
		}
		stolen := env.shopperAt(tok)
		if who := stolen.do("GET", "/api/session", nil, nil); string(who.body) != `{"account":null}` {
			t.Fatalf("the signed-out token: %s", who.body)
		}
		if r := stolen.do("POST", "/api/checkout", checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1}),
			map[string]string{"Idempotency-Key": "after-signout"}); r.status != 401 || r.errCode(t) != shop.ESIGNINREQUIRED {
			t.Fatalf("checkout with the signed-out token: %d %s", r.status, r.body)
		}
		if who := laptop.do("GET", "/api/session", nil, nil); !strings.Contains(string(who.body), phone.email) {
			t.Fatalf("the other device after a sign-out elsewhere: %s", who.body)
		}
		// Signing out as a guest, or twice, is fine.
		if r := env.newcomer().do("DELETE", "/api/session", nil, nil); r.status != http.StatusNoContent {
			t.Fatalf("a guest signing out: %d", r.status)
		}
	})
}

// podStore is a second pod's view of the shared store: it counts the
// session lookups that reach the store, and its revocation feed can be cut.
type podStore struct {
	shop.Store
	lookups    atomic.Int64
	feedDown   atomic.Bool
	feedErrors atomic.Int64

	mu          sync.Mutex
	prunes      []time.Time // the before of each prune
	fullBatches int         // prunes still to report a full batch (without deleting)
}

func (p *podStore) PruneSessionRevocations(ctx context.Context, before time.Time, limit int) (int, error) {
	p.mu.Lock()
	p.prunes = append(p.prunes, before)
	full := p.fullBatches > 0
	if full {
		p.fullBatches--
	}
	p.mu.Unlock()
	if full {
		return limit, nil
	}
	return p.Store.PruneSessionRevocations(ctx, before, limit)
}

func (p *podStore) pruned() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.prunes)
}

func (p *podStore) GetSession(ctx context.Context, tokenHash string, now time.Time) (shop.Session, error) {
	p.lookups.Add(1)
	return p.Store.GetSession(ctx, tokenHash, now)
}

func (p *podStore) SessionRevocations(ctx context.Context, since time.Time) ([]string, time.Time, error) {
	if p.feedDown.Load() {
		p.feedErrors.Add(1)
		return nil, time.Time{}, shop.Unavailable(errors.New("connection refused"), "The store is unavailable.")
	}
	return p.Store.SessionRevocations(ctx, since)
}

// pod is a second server on env's store, as the other pod of a
// deployment or the other colour of a blue/green pair, with a clock the
// test moves and its log kept.
type pod struct {
	t     *testing.T
	env   *testEnv
	srv   *fshttp.Server
	url   string
	store *podStore
	log   *lockedBuffer
	mu    sync.Mutex
	clock time.Time
}

func (e *testEnv) otherPod() *pod {
	e.t.Helper()
	return e.otherPodOn(&podStore{Store: e.store})
}

func (e *testEnv) otherPodOn(store *podStore) *pod {
	e.t.Helper()
	p := &pod{t: e.t, env: e, store: store, log: &lockedBuffer{}, clock: time.Now()}
	srv := fshttp.New(fshttp.Options{Config: e.server.Config(), Store: p.store, Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(p.log, nil)), Now: p.now})
	if err := srv.Start(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	e.t.Cleanup(hs.Close)
	p.url, p.srv = hs.URL, srv
	return p
}

// vouched waits until the feed vouches for the cache again after the
// clock moved: its next poll, by this pod's clock.
func (p *pod) vouched() {
	p.t.Helper()
	eventually(p.t, 3*time.Second, "the revocation feed vouching for the cache", p.srv.RevocationFeedVouches)
}

func (p *pod) now() time.Time { p.mu.Lock(); defer p.mu.Unlock(); return p.clock }

func (p *pod) advance(d time.Duration) { p.mu.Lock(); p.clock = p.clock.Add(d); p.mu.Unlock() }

// who is GET /api/session on this pod with the cookies (the cookies s had
// on the first pod, when given).
func (p *pod) who(s *shopper, cookies ...*http.Cookie) string {
	p.t.Helper()
	req, _ := http.NewRequest("GET", p.url+"/api/session", nil)
	if cookies == nil {
		cookies = s.client.Jar.Cookies(mustURL(p.t, p.env.srv.URL))
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		p.t.Fatalf("the other pod: %d %s", res.StatusCode, b)
	}
	return string(b)
}

// metrics is this pod's /metrics.
func (p *pod) metrics() string {
	p.t.Helper()
	res, err := http.Get(p.url + "/metrics")
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// metricValue is the value of the series named (with its labels) in a
// scrape.
func metricValue(t *testing.T, scrape, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(scrape, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no series %s in the scrape", series)
	return 0
}

// cached reports whether a request for s is answered without a session
// lookup in the store, and checks it is s's account.
func (p *pod) cached(s *shopper) bool {
	p.t.Helper()
	before := p.store.lookups.Load()
	if got := p.who(s); !strings.Contains(got, s.email) {
		p.t.Fatalf("the other pod does not know %s: %s", s.email, got)
	}
	return p.store.lookups.Load() == before
}

// eventually polls cond every 10 ms until it holds, failing after within.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// Sessions live in the store: a second pod on the same database knows the
// session the first one created, and keeps it cached well past the 5 s
// the cache lasted before the revocation feed (no store read per request).
// A sign-out on the first pod reaches the second through the feed within
// about a poll (1 s), not when its cache lets go; the account's other
// device stays signed in there, still from the cache.
func TestSignOutReachesOtherPods(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		env := newEnvOn(t, kind, nil)
		phone := env.shopper()
		laptop := phone.device()
		b := env.otherPod()
		for _, s := range []*shopper{phone, laptop} {
			if b.cached(s) {
				t.Fatal("a session the other pod never saw came from its cache")
			}
			if !b.cached(s) {
				t.Fatal("the other pod looked the session up again at once")
			}
		}
		// Past the old 5 s lifetime: the feed vouches for the cache (its
		// next poll, by this pod's clock), and hits stay hits.
		b.advance(time.Minute)
		b.vouched()
		for _, s := range []*shopper{phone, laptop} {
			if !b.cached(s) {
				t.Fatal("a minute after the lookup, with the feed vouching for it, the session was looked up again")
			}
		}

		cookies := phone.client.Jar.Cookies(mustURL(t, env.srv.URL))
		if r := phone.do("DELETE", "/api/session", nil, nil); r.status != http.StatusNoContent {
			t.Fatalf("sign out: %d", r.status)
		}
		took := eventually(t, 3*time.Second, "the signed-out token refused on the other pod",
			func() bool { return b.who(phone, cookies...) == `{"account":null}` })
		t.Logf("sign-out reached the other pod in %v", took)
		if !b.cached(laptop) {
			t.Error("the account's other device was looked up again after a sign-out: the feed dropped more than the token")
		}
	})
}

// The long cache does not stop the idle expiry from moving with use: a
// shopper whose requests all land on one pod, every 50 s with a one-minute
// FLASHSCALE_SESSION_IDLE, stays signed in long past that minute, because
// the pod's entry ends when a touch is due and the next request writes it.
func TestCachedSessionStillExtendsIdle(t *testing.T) {
	env := newEnv(t, func(c *config.Config) { c.SessionIdle = time.Minute })
	s := env.shopper()
	b := env.otherPod()
	b.cached(s)
	for i := range 5 {
		b.advance(50 * time.Second)
		b.vouched() // a hit would be trusted: only the entry's own end makes it a lookup
		if got := b.who(s); !strings.Contains(got, s.email) {
			t.Fatalf("%d s of requests every 50 s with a one-minute idle timeout: signed out (%s)", (i+1)*50, got)
		}
	}
}

// A pod prunes revocations an hour old (the database's clock) when it
// starts and then once a minute; a prune that deleted a full batch is
// followed by another at the next read, not a minute later.
func TestPodsPruneRevocations(t *testing.T) {
	env := newEnv(t, nil)
	store := &podStore{Store: env.store, fullBatches: 2}
	env.otherPodOn(store)
	eventually(t, 5*time.Second, "three prunes, two of them full", func() bool { return len(store.pruned()) >= 3 })
	prunes := store.pruned()
	if want := time.Now().Add(-time.Hour); prunes[0].Before(want.Add(-time.Minute)) || prunes[0].After(want.Add(time.Minute)) {
		t.Errorf("the first prune was of revocations before %v; want an hour ago (%v)", prunes[0], want)
	}
	time.Sleep(2 * time.Second) // two more polls: no prune, the last one was not full
	if n := len(store.pruned()); n != 3 {
		t.Errorf("%d prunes within seconds after a prune that was not full; want 3", n)
	}
}

// A pod whose revocation feed fails stops trusting its cache past 5 s
// after a lookup (the old cache's lifetime), so a sign-out elsewhere still
// reaches it within 5 s; it says so once, and once when the feed is back,
// after which the cache is trusted for long again.
func TestFailingRevocationFeedDistrustsTheCache(t *testing.T) {
	env := newEnv(t, nil)
	phone := env.shopper()
	b := env.otherPod()
	b.cached(phone)
	b.advance(time.Minute)
	b.vouched()
	if !b.cached(phone) {
		t.Fatal("a minute after the lookup, with the feed vouching for it, the session was looked up again")
	}

	b.store.feedDown.Store(true)
	b.advance(6 * time.Second) // past the last good read's word
	if b.cached(phone) {
		t.Fatal("with the feed failing, a session looked up more than 5 s ago came from the cache")
	}
	if !b.cached(phone) {
		t.Fatal("a session looked up just now was looked up again") // trusted for 5 s, as before the feed
	}
	b.advance(6 * time.Second)
	if b.cached(phone) {
		t.Fatal("with the feed failing, a 6 s old entry came from the cache")
	}
	// A sign-out reaches it within those 5 s.
	cookies := phone.client.Jar.Cookies(mustURL(t, env.srv.URL))
	if r := phone.do("DELETE", "/api/session", nil, nil); r.status != http.StatusNoContent {
		t.Fatalf("sign out: %d", r.status)
	}
	b.advance(6 * time.Second)
	if got := b.who(phone, cookies...); got != `{"account":null}` {
		t.Fatalf("with the feed failing, the signed-out token 6 s later: %s", got)
	}

	eventually(t, 5*time.Second, "three failed reads of the feed", func() bool { return b.store.feedErrors.Load() >= 3 })
	const failed, recovered = "reading session revocations failed", "reading session revocations recovered"
	if n := b.log.count(failed); n != 1 {
		t.Errorf("the failing feed was logged %d times; want once", n)
	}
	b.store.feedDown.Store(false)
	eventually(t, 3*time.Second, "the recovery logged", func() bool { return b.log.count(recovered) > 0 })
	if n := b.log.count(failed); n != 1 {
		t.Errorf("the failing feed was logged %d times; want once", n)
	}

	other := env.shopper()
	b.cached(other)
	b.advance(time.Minute)
	b.vouched()
	if !b.cached(other) {
		t.Fatal("the feed back, a session a minute after its lookup was looked up again")
	}
	if n := b.log.count(recovered); n != 1 {
		t.Errorf("the recovery was logged %d times; want once", n)
	}
	m := b.metrics()
	for _, outcome := range []string{"ok", "error"} {
		if n := metricValue(t, m, `flashscale_session_revocation_reads_total{outcome="`+outcome+`"}`); n < 1 {
			t.Errorf("%s reads of the feed counted: %v", outcome, n)
		}
	}
}

// CSRF: a state-changing request a browser sends from another site (by
// Sec-Fetch-Site, or by Origin from older browsers) is refused with 403
// before it reaches the handler; the shop's own pages, the CORS-allowed
// partner origin and non-browser clients pass.
func TestCrossSiteRequestsAreRefused(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	body := checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1})
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "https://evil.example"},
	} {
		h["Idempotency-Key"] = "csrf"
		for _, call := range []struct {
			method, path string
			body         any
		}{{"POST", "/api/checkout", body}, {"DELETE", "/api/session", nil}, {"POST", "/api/session", map[string]string{"email": s.email, "password": s.password}}} {
			if r := s.do(call.method, call.path, call.body, h); r.status != http.StatusForbidden || r.errCode(t) != shop.EORIGIN {
				t.Errorf("%s %s with %v: %d %s; want 403", call.method, call.path, h, r.status, r.body)
			}
		}
	}
	if p, _ := env.store.GetProduct(t.Context(), "dell-inspiron-15"); p.Stock != 100 {
		t.Fatalf("a cross-site checkout took stock: %d left", p.Stock)
	}
	if who := s.do("GET", "/api/session", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}); !strings.Contains(string(who.body), s.email) {
		t.Fatalf("a cross-site request signed the shopper out, or a safe GET was refused: %s", who.body)
	}
	for i, h := range []map[string]string{
		{"Sec-Fetch-Site": "same-origin"},
		{"Origin": "https://partner.example.com"},
		{"Origin": env.srv.URL},
		{}, // curl, Locust
	} {
		h["Idempotency-Key"] = "ok-" + string(rune('a'+i))
		if r := s.do("POST", "/api/checkout", checkoutBody(shop.LineRequest{ProductID: "boat-airdopes-141", Quantity: 1}), h); r.status != 201 {
			t.Errorf("checkout with %v: %d %s", h, r.status, r.body)
		}
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
