package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/flashscale/flashscale/service/config"
	fshttp "github.com/flashscale/flashscale/service/http"
	"github.com/flashscale/flashscale/service/shop"
)

type accountBody struct {
	Account *struct{ Email, Name string }
}

func sessionCookie(t *testing.T, r resp) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == fshttp.SessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", fshttp.SessionCookie, r.header)
	return nil
}

// Registration signs the shopper in with a cookie a script cannot read
// and a cross-site request does not carry, normalizes the email (one
// account per address however it is typed) and names every bad field.
func TestRegister(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		env := newEnvOn(t, kind, func(c *config.Config) { c.CookieSecure = true })
		s := env.newcomer()
		if r := s.do("GET", "/api/session", nil, nil); r.status != 200 || string(r.body) != `{"account":null}` {
			t.Fatalf("a guest's session: %d %s", r.status, r.body)
		}
		long := strings.Repeat("pass phrase ", 6) // 72 characters, no composition rules
		r := s.do("POST", "/api/accounts", map[string]string{"email": "  Asha.Rao@Example.IN ", "password": long, "name": " Asha Rao "}, nil)
		var a accountBody
		r.decode(t, &a)
		if r.status != http.StatusCreated || a.Account == nil || a.Account.Email != "asha.rao@example.in" || a.Account.Name != "Asha Rao" {
			t.Fatalf("register: %d %s", r.status, r.body)
		}
		if strings.Contains(string(r.body), "argon2") || strings.Contains(string(r.body), "shopper") {
			t.Fatalf("the response leaks internals: %s", r.body)
		}
		c := sessionCookie(t, r)
		if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != int(env.server.Config().SessionMaxAge.Seconds()) || !shop.ValidSessionToken(c.Value) {
			t.Fatalf("session cookie %+v: want HttpOnly, Secure, SameSite=Lax, Path=/, the absolute lifetime, an opaque token", c)
		}
		// The store holds the token's hash, never the token.
		if _, err := env.store.GetSession(t.Context(), c.Value, env.server.Now()); shop.ErrorCode(err) != shop.ENOTFOUND {
			t.Fatalf("the raw token finds a session: %v", err)
		}
		if who := env.shopperAt(c.Value).do("GET", "/api/session", nil, nil); who.status != 200 || !strings.Contains(string(who.body), `"email":"asha.rao@example.in"`) {
			t.Fatalf("who am I: %d %s", who.status, who.body)
		}

		dup := env.newcomer().do("POST", "/api/accounts", map[string]string{"email": "ASHA.RAO@example.in", "password": "another password", "name": "Someone"}, nil)
		if dup.status != http.StatusConflict || dup.errCode(t) != shop.ECONFLICT || dup.header.Get("Set-Cookie") != "" {
			t.Fatalf("a registered email: %d %s", dup.status, dup.body)
		}

		for _, tc := range []struct {
			body   map[string]string
			fields []string
		}{
			{map[string]string{}, []string{"email", "password", "name"}},
			{map[string]string{"email": "not-an-email", "password": "short", "name": strings.Repeat("n", 101)}, []string{"email", "password", "name"}},
			{map[string]string{"email": strings.Repeat("a", 250) + "@b.in", "password": strings.Repeat("p", 257), "name": "A\u202eB"}, []string{"email", "password", "name"}},
		} {
			r := env.newcomer().do("POST", "/api/accounts", tc.body, nil)
			var e struct{ Error shop.Error }
			r.decode(t, &e)
			if r.status != 422 || e.Error.Code != shop.EINVALID || len(e.Error.Fields) != len(tc.fields) {
				t.Errorf("register %v: %d %s; want 422 naming %v", tc.body, r.status, r.body, tc.fields)
			}
		}
		if r := env.newcomer().do("POST", "/api/accounts", `{"email":`, nil); r.status != 400 || r.errCode(t) != shop.EMALFORMED {
			t.Errorf("malformed JSON: %d %s", r.status, r.body)
		}
	})
}

// Sign-in: a new token every time (a token planted before sign-in never
// becomes signed in), the previous one of the browser revoked, and an
// unknown email answered exactly like a wrong password.
func TestSignIn(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		env := newEnvOn(t, kind, nil)
		owner := env.shopper()
		planted := "planted-" + strings.Repeat("x", 35)
		b := env.newcomer()
		b.addr = "203.0.113.9"
		r := b.do("POST", "/api/session", map[string]string{"email": " " + strings.ToUpper(owner.email), "password": owner.password},
			map[string]string{"Cookie": fshttp.SessionCookie + "=" + planted})
		if r.status != 200 || !strings.Contains(string(r.body), owner.email) {
			t.Fatalf("sign in: %d %s", r.status, r.body)
		}
		first := sessionCookie(t, r).Value
		if first == planted {
			t.Fatal("sign-in kept the planted token")
		}
		again := b.do("POST", "/api/session", map[string]string{"email": owner.email, "password": owner.password}, nil)
		second := sessionCookie(t, again).Value
		if again.status != 200 || second == first {
			t.Fatalf("a second sign-in: %d, token changed %v", again.status, second != first)
		}
		if who := env.shopperAt(first).do("GET", "/api/session", nil, nil); string(who.body) != `{"account":null}` {
			t.Fatalf("the token replaced by a sign-in still works: %s", who.body)
		}
		if who := env.shopperAt(second).do("GET", "/api/session", nil, nil); !strings.Contains(string(who.body), owner.email) {
			t.Fatalf("the new token: %s", who.body)
		}

		wrong := env.newcomer().do("POST", "/api/session", map[string]string{"email": owner.email, "password": "not the password"}, nil)
		unknown := env.newcomer().do("POST", "/api/session", map[string]string{"email": "nobody@example.in", "password": "not the password"}, nil)
		if wrong.status != 401 || unknown.status != 401 || string(wrong.body) != string(unknown.body) || wrong.errCode(t) != shop.EBADCREDENTIALS {
			t.Fatalf("wrong password %d %s; unknown email %d %s: want the same 401", wrong.status, wrong.body, unknown.status, unknown.body)
		}
		if wrong.header.Get("Set-Cookie") != "" || unknown.header.Get("Set-Cookie") != "" {
			t.Fatal("a failed sign-in set a cookie")
		}
		if r := env.newcomer().do("POST", "/api/session", map[string]string{"email": owner.email}, nil); r.status != 422 || r.errCode(t) != shop.EINVALID {
			t.Fatalf("no password: %d %s", r.status, r.body)
		}
		if m := scrape(t, env); !strings.Contains(m, `flashscale_signins_total{outcome="invalid_credentials"} 2`) ||
			!strings.Contains(m, `flashscale_signins_total{outcome="signed_in"} 2`) || !strings.Contains(m, `flashscale_signins_total{outcome="registered"} 1`) {
			t.Error("sign-ins not counted by outcome")
		}
	})
}

// An unknown email costs the same argon2id hash as a wrong password, so
// response times do not tell which emails are registered. Medians of a
// few tries each; the bound is loose because the machine is shared.
func TestSignInTimingDoesNotEnumerate(t *testing.T) {
	env := newEnv(t, func(c *config.Config) { c.SigninPerAccount, c.SigninPerAddress = 0, 0 })
	owner := env.shopper()
	median := func(email string) float64 {
		var d []float64
		for range 5 {
			start := env.server.Now()
			if r := env.newcomer().do("POST", "/api/session", map[string]string{"email": email, "password": "not the password"}, nil); r.status != 401 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			d = append(d, float64(env.server.Now().Sub(start)))
		}
		for i := range d {
			for j := i + 1; j < len(d); j++ {
				if d[j] < d[i] {
					d[i], d[j] = d[j], d[i]
				}
			}
		}
		return d[len(d)/2]
	}
	wrong, unknown := median(owner.email), median("nobody@example.in")
	if unknown < wrong/3 || wrong < unknown/3 {
		t.Fatalf("median sign-in: wrong password %.1f ms, unknown email %.1f ms; want alike", wrong/1e6, unknown/1e6)
	}
}

// Sign-in attempts are limited per account (from any address) and per
// address (for any account), with 429 rate_limited and Retry-After.
func TestSignInRateLimits(t *testing.T) {
	env := newEnv(t, func(c *config.Config) { c.SigninPerAccount, c.SigninPerAddress = 3, 5 })
	owner := env.shopper()
	guess := func(addr, email string) resp {
		s := env.newcomer()
		s.addr = addr
		return s.do("POST", "/api/session", map[string]string{"email": email, "password": "guess guess"}, nil)
	}
	for i := range 3 {
		if r := guess("192.0.2."+string(rune('1'+i)), owner.email); r.status != 401 {
			t.Fatalf("attempt %d: %d %s", i+1, r.status, r.body)
		}
	}
	r := guess("192.0.2.200", owner.email)
	if r.status != http.StatusTooManyRequests || r.errCode(t) != shop.ERATELIMITED || r.header.Get("Retry-After") == "" {
		t.Fatalf("4th attempt on the account from a new address: %d %v %s", r.status, r.header, r.body)
	}
	// Even the right password waits: the limit is on attempts.
	right := env.newcomer()
	right.addr = "192.0.2.201"
	if r := right.do("POST", "/api/session", map[string]string{"email": owner.email, "password": owner.password}, nil); r.status != http.StatusTooManyRequests {
		t.Fatalf("the right password over the account limit: %d %s", r.status, r.body)
	}

	// One address, many accounts: the 6th attempt is refused, whatever the email.
	for i := range 5 {
		if r := guess("198.18.0.1", "someone"+string(rune('a'+i))+"@example.in"); r.status != 401 {
			t.Fatalf("address attempt %d: %d %s", i+1, r.status, r.body)
		}
	}
	if r := guess("198.18.0.1", "someone-else@example.in"); r.status != http.StatusTooManyRequests || r.errCode(t) != shop.ERATELIMITED {
		t.Fatalf("6th attempt from one address: %d %s", r.status, r.body)
	}
	// Registration counts against the address too.
	reg := env.newcomer()
	reg.addr = "198.18.0.1"
	if r := reg.do("POST", "/api/accounts", map[string]string{"email": "new@example.in", "password": "correct horse", "name": "New"}, nil); r.status != http.StatusTooManyRequests {
		t.Fatalf("registration from a limited address: %d %s", r.status, r.body)
	}
	// X-Forwarded-For from a peer that is not a trusted proxy is ignored:
	// the limit counts the peer, so a client cannot pick its own address.
	untrusted := newEnv(t, func(c *config.Config) { c.SigninPerAddress, c.TrustedProxies = 2, nil })
	for i := range 3 {
		s := untrusted.newcomer()
		s.addr = "10.9.9." + string(rune('1'+i))
		r := s.do("POST", "/api/session", map[string]string{"email": "x@example.in", "password": "guess guess"}, nil)
		if want := map[bool]int{true: 401, false: 429}[i < 2]; r.status != want {
			t.Fatalf("attempt %d with a forged X-Forwarded-For: %d; want %d", i+1, r.status, want)
		}
	}
}

// When every hashing slot is busy a sign-in is shed (503 + Retry-After)
// rather than queue without bound: each hash takes 19 MiB.
func TestSignInShedsWhenHashingIsSaturated(t *testing.T) {
	env := newEnv(t, func(c *config.Config) { c.PasswordHashes = 1 })
	owner := env.shopper()
	release := env.server.HoldHashSlots()
	r := env.newcomer().do("POST", "/api/session", map[string]string{"email": owner.email, "password": owner.password}, nil)
	if r.status != 503 || r.errCode(t) != shop.EOVERLOADED || r.header.Get("Retry-After") == "" {
		t.Fatalf("sign-in with hashing saturated: %d %v %s", r.status, r.header, r.body)
	}
	release()
	if r := env.newcomer().do("POST", "/api/session", map[string]string{"email": owner.email, "password": owner.password}, nil); r.status != 200 {
		t.Fatalf("after the slots free: %d %s", r.status, r.body)
	}
}
