package http_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

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

// Sessions live in the store: a second server on the same database (the
// other colour of a blue/green pair, or the pod after a restart) knows
// the session the first one created.
func TestSessionSurvivesAnotherServer(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		env := newEnvOn(t, kind, nil)
		s := env.shopper()
		green := fshttp.New(fshttp.Options{Config: env.server.Config(), Store: env.store, Registry: prometheus.NewRegistry(),
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err := green.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(green.Handler())
		defer hs.Close()
		req, _ := http.NewRequest("GET", hs.URL+"/api/session", nil)
		for _, c := range s.client.Jar.Cookies(mustURL(t, env.srv.URL)) {
			req.AddCookie(c)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.Contains(string(b), s.email) {
			t.Fatalf("the other server: %d %s", res.StatusCode, b)
		}
	})
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
