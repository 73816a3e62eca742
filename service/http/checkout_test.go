package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/flashscale/flashscale/service/config"
	fshttp "github.com/flashscale/flashscale/service/http"
	"github.com/flashscale/flashscale/service/shop"
)

type orderBody struct{ Order shop.Order }

func TestCheckoutPlacesOrderAndReplays(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	body := checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1}, shop.LineRequest{ProductID: "boat-airdopes-141", Quantity: 2})
	r := s.checkout("key-1", body)
	if r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var first orderBody
	r.decode(t, &first)
	o := first.Order
	if o.ID == "" || o.Status != shop.StatusProcessing || len(o.History) != 1 || o.Total != 5_500_000+2*109_900 || o.Currency != "INR" {
		t.Fatalf("order %+v", o)
	}
	if strings.Contains(string(r.body), "shopper") {
		t.Fatalf("the shopper id must never be sent: %s", r.body)
	}

	// A retry with the same key and body replays the same order.
	r = s.checkout("key-1", body)
	var replay orderBody
	r.decode(t, &replay)
	if r.status != http.StatusCreated || replay.Order.ID != o.ID || r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s", r.status, r.body)
	}
	// The same key for a different cart is rejected.
	other := checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 2})
	if r = s.checkout("key-1", other); r.status != 422 || r.errCode(t) != shop.EIDEMPOTENCY {
		t.Fatalf("reused key: %d %s", r.status, r.body)
	}
	// Stock moved exactly once.
	p, _ := env.store.GetProduct(t.Context(), "dell-inspiron-15")
	if p.Stock != 99 {
		t.Fatalf("stock %d, want 99", p.Stock)
	}
	// The order is visible to its shopper and no one else.
	if r = s.do("GET", "/api/orders/"+o.ID, nil, nil); r.status != 200 {
		t.Fatalf("own order: %d %s", r.status, r.body)
	}
	stranger := env.shopper()
	if r = stranger.do("GET", "/api/orders/"+o.ID, nil, nil); r.status != 404 || r.errCode(t) != shop.ENOTFOUND {
		t.Fatalf("another shopper's order: %d %s", r.status, r.body)
	}
	// Another shopper using the same Idempotency-Key gets an order of its own.
	if r = stranger.checkout("key-1", body); r.status != 201 {
		t.Fatalf("keys are per shopper: %d %s", r.status, r.body)
	}
	var theirs orderBody
	r.decode(t, &theirs)
	if theirs.Order.ID == o.ID {
		t.Fatal("two shoppers shared an order through the same key")
	}
}

func TestCheckoutRejections(t *testing.T) {
	env := newEnv(t, nil)
	env.admin("PUT", "/api/admin/products/whirlpool-double-door-fridge/stock", map[string]int{"stock": 1})
	s := env.shopper()
	valid := `{"items":[{"productId":"dell-inspiron-15","quantity":1}],"customer":{"name":"A","email":"a@b.in","phone":"9876543210","address":"12 MG Road, Pune"}}`
	for _, tc := range []struct {
		name   string
		key    string
		ctype  string
		body   string
		status int
		code   string
		field  string
	}{
		{name: "no key", body: valid, status: 400, code: shop.EKEYREQUIRED},
		{name: "key with spaces", key: "a b", body: valid, status: 422, code: shop.EINVALID, field: "Idempotency-Key"},
		{name: "malformed", key: "k1", body: `{"items":[`, status: 400, code: shop.EMALFORMED},
		{name: "two values", key: "k2", body: valid + valid, status: 400, code: shop.EMALFORMED},
		{name: "wrong type", key: "k3", body: `{"items":{}}`, status: 400, code: shop.EMALFORMED},
		{name: "not json content type", key: "k4", ctype: "text/plain", body: valid, status: 415, code: shop.EUNSUPPORTED},
		{name: "too large", key: "k5", body: `{"customer":{"name":"` + strings.Repeat("x", 70_000) + `"}}`, status: 413, code: shop.ETOOLARGE},
		{name: "bad email", key: "k6", body: strings.Replace(valid, "a@b.in", "not-an-email", 1), status: 422, code: shop.EINVALID, field: "customer.email"},
		{name: "bad phone", key: "k7", body: strings.Replace(valid, "9876543210", "12", 1), status: 422, code: shop.EINVALID, field: "customer.phone"},
		{name: "quantity over limit", key: "k8", body: strings.Replace(valid, `"quantity":1`, `"quantity":11`, 1), status: 422, code: shop.EINVALID, field: "items[0].quantity"},
		{name: "unknown product", key: "k9", body: strings.Replace(valid, "dell-inspiron-15", "ghost", 1), status: 422, code: shop.EINVALID, field: "items[0].productId"},
		{name: "sold out", key: "k10", body: strings.Replace(valid, `"productId":"dell-inspiron-15","quantity":1`, `"productId":"whirlpool-double-door-fridge","quantity":2`, 1), status: 409, code: shop.ESOLDOUT},
		{name: "over the per-shopper cap", key: "k11", body: strings.Replace(valid, `"quantity":1`, `"quantity":3`, 1), status: 409, code: shop.ELIMIT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", env.srv.URL+"/api/checkout", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.key != "" {
				req.Header.Set("Idempotency-Key", tc.key)
			}
			res, err := s.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var body struct{ Error shop.Error }
			if err := jsonDecode(res.Body, &body); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.status || body.Error.Code != tc.code || body.Error.Message == "" {
				t.Fatalf("got %d %+v, want %d %s", res.StatusCode, body.Error, tc.status, tc.code)
			}
			if tc.field != "" && body.Error.Fields[tc.field] == "" {
				t.Fatalf("want a message for field %s, got %v", tc.field, body.Error.Fields)
			}
			if tc.code == shop.ESOLDOUT && (len(body.Error.Shortages) != 1 || body.Error.Shortages[0].ProductID != "whirlpool-double-door-fridge" || body.Error.Shortages[0].Available != 1) {
				t.Fatalf("sold out must name the short product: %+v", body.Error.Shortages)
			}
		})
	}
	if p, _ := env.store.GetProduct(t.Context(), "whirlpool-double-door-fridge"); p.Stock != 1 {
		t.Fatalf("a rejected checkout changed stock to %d", p.Stock)
	}
	metrics := scrape(t, env)
	for _, want := range []string{
		`flashscale_checkout_rejections_total{reason="sold_out"} 1`,
		`flashscale_checkout_rejections_total{reason="purchase_limit"} 1`,
		`flashscale_checkout_rejections_total{reason="shed"} 0`,
		`flashscale_orders_placed_total 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestConcurrentCheckoutsNeverOversell: 200 shoppers race for 50 units.
func TestConcurrentCheckoutsNeverOversell(t *testing.T) {
	env := newEnv(t, nil)
	env.admin("PUT", "/api/admin/products/sony-wh-1000xm5/stock", map[string]int{"stock": 50})
	const shoppers = 200
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		status = map[int]int{}
	)
	// Signed in before the sale, as shoppers are; then all at once.
	accounts := make([]*shopper, shoppers)
	for i := range accounts {
		accounts[i] = env.shopper()
	}
	for i := range shoppers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := accounts[i].checkout(fmt.Sprintf("k-%d", i), checkoutBody(shop.LineRequest{ProductID: "sony-wh-1000xm5", Quantity: 1}))
			mu.Lock()
			status[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if status[201] != 50 || status[409] != shoppers-50 {
		t.Fatalf("statuses %v: want exactly 50 created and %d sold out", status, shoppers-50)
	}
	if p, _ := env.store.GetProduct(t.Context(), "sony-wh-1000xm5"); p.Stock != 0 {
		t.Fatalf("stock %d, want 0", p.Stock)
	}
	if m := scrape(t, env); !strings.Contains(m, "flashscale_units_sold_total 50\n") || !strings.Contains(m, "flashscale_orders_placed_total 50\n") {
		t.Fatal("metrics must count exactly 50 orders and units")
	}
}

func TestCheckoutShedsWhenFull(t *testing.T) {
	// No slot at all and no queue: every checkout is shed, fast, with Retry-After.
	env := newEnv(t, func(c *config.Config) { c.CheckoutMaxInFlight, c.CheckoutQueueWait = 1, 0 })
	release := env.server.HoldCheckoutSlots(1)
	defer release()
	r := env.shopper().checkout("k", checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1}))
	if r.status != 503 || r.errCode(t) != shop.EOVERLOADED || r.header.Get("Retry-After") == "" {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
	if !strings.Contains(scrape(t, env), `flashscale_checkout_rejections_total{reason="shed"} 1`) {
		t.Fatal("shed not counted")
	}
	release()
	if r = env.shopper().checkout("k", checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1})); r.status != 201 {
		t.Fatalf("after the slot frees: %d %s", r.status, r.body)
	}
}

// Checkout belongs to an account. A client without a session (a guest, a
// script, a browser that blocks cookies, a forged or revoked cookie) is
// refused with signin_required before any work, however often it sends;
// signed in, one Idempotency-Key places exactly one order, and the key is
// the account's: the same key sent from the account's other device
// replays that order instead of placing a second.
func TestCheckoutNeedsSignIn(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		env := newEnvOn(t, kind, nil)
		body := checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1})
		client := env.cookieless()
		for i := range 3 {
			r := client.checkout("same-key", body)
			if r.status != http.StatusUnauthorized || r.errCode(t) != shop.ESIGNINREQUIRED {
				t.Fatalf("send %d without a session: %d %s", i+1, r.status, r.body)
			}
		}
		// Even a body that is not JSON: the sign-in comes first.
		if r := client.checkout("same-key", "{"); r.status != http.StatusUnauthorized {
			t.Fatalf("a malformed body without a session: %d %s", r.status, r.body)
		}
		// A forged or truncated cookie is no identity either.
		for _, forged := range []string{"not-a-token", strings.Repeat("A", 43)} {
			bad := map[string]string{"Idempotency-Key": "same-key", "Cookie": fshttp.SessionCookie + "=" + forged}
			if r := client.do("POST", "/api/checkout", body, bad); r.status != http.StatusUnauthorized || r.errCode(t) != shop.ESIGNINREQUIRED {
				t.Fatalf("with a forged cookie %q: %d %s", forged, r.status, r.body)
			}
		}
		if p, _ := env.store.GetProduct(t.Context(), "dell-inspiron-15"); p.Stock != 100 {
			t.Fatalf("refused checkouts took stock: %d left", p.Stock)
		}

		phone := env.shopper()
		first := phone.checkout("same-key", body)
		again := phone.checkout("same-key", body)
		laptop := phone.device().checkout("same-key", body)
		var a, b, c orderBody
		first.decode(t, &a)
		again.decode(t, &b)
		laptop.decode(t, &c)
		if first.status != 201 || again.status != 201 || a.Order.ID != b.Order.ID || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("signed in: %d %s, then %d %s", first.status, first.body, again.status, again.body)
		}
		if laptop.status != 201 || c.Order.ID != a.Order.ID || laptop.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("the same key from the account's other device: %d %s; want the replay of %s", laptop.status, laptop.body, a.Order.ID)
		}
		if p, _ := env.store.GetProduct(t.Context(), "dell-inspiron-15"); p.Stock != 99 {
			t.Fatalf("stock %d, want 99: one order for one key", p.Stock)
		}
		// Another account's identical key is its own order.
		if r := env.shopper().checkout("same-key", body); r.status != 201 || r.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("another account, same key: %d %s", r.status, r.body)
		}
		m := scrape(t, env)
		for _, want := range []string{"flashscale_orders_placed_total 2\n", `flashscale_checkout_rejections_total{reason="invalid"} 6`} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})
}

// Customer text PostgreSQL cannot store (a NUL was a 500 there, stored by
// SQLite), control characters, bidi overrides and invalid UTF-8 are
// refused with 422 naming the field, on both stores alike, and take no
// stock. The address keeps its line breaks.
func TestCheckoutRefusesUnsafeText(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		env := newEnvOn(t, kind, nil)
		s := env.shopper()
		const tmpl = `{"items":[{"productId":"%s","quantity":1}],"customer":{"name":"%s","email":"a@b.in","phone":"9876543210","address":"%s"}}`
		const product, name, address = "dell-inspiron-15", "Asha Rao", `12 MG Road\nIndiranagar\r\nBengaluru`
		for i, tc := range []struct {
			name, body, field string
		}{
			{"NUL in name", fmt.Sprintf(tmpl, product, `Asha\u0000Rao`, address), "customer.name"},
			{"NUL in address", fmt.Sprintf(tmpl, product, name, `12 MG Road\u0000 Bengaluru`), "customer.address"},
			{"C1 control in name", fmt.Sprintf(tmpl, product, "Asha\u0085Rao", address), "customer.name"},
			{"tab in name", fmt.Sprintf(tmpl, product, `Asha\tRao`, address), "customer.name"},
			{"newline in name", fmt.Sprintf(tmpl, product, `Asha\nRao`, address), "customer.name"},
			{"bidi override in address", fmt.Sprintf(tmpl, product, name, `12 MG Road \u202eBengaluru`), "customer.address"},
			{"bidi isolate in name", fmt.Sprintf(tmpl, product, `Asha \u2067Rao`, address), "customer.name"},
			{"invalid UTF-8 in address", fmt.Sprintf(tmpl, product, name, "12 MG Road \xff\xfe Bengaluru"), "customer.address"},
			{"NUL in productId", fmt.Sprintf(tmpl, `dell\u0000`, name, address), "items[0].productId"},
		} {
			r := s.checkout(fmt.Sprintf("text-%d", i), tc.body)
			var e struct{ Error shop.Error }
			r.decode(t, &e)
			if r.status != 422 || e.Error.Code != shop.EINVALID || e.Error.Fields[tc.field] == "" {
				t.Errorf("%s: %d %s; want 422 invalid naming %s", tc.name, r.status, r.body, tc.field)
			}
		}
		if p, _ := env.store.GetProduct(t.Context(), product); p.Stock != 100 {
			t.Fatalf("refused checkouts took stock: %d left", p.Stock)
		}
		r := s.checkout("text-ok", fmt.Sprintf(tmpl, product, name, address))
		var o orderBody
		r.decode(t, &o)
		if r.status != 201 || o.Order.Customer.Address != "12 MG Road\nIndiranagar\r\nBengaluru" {
			t.Fatalf("a multi-line address: %d %s", r.status, r.body)
		}
	})
}
