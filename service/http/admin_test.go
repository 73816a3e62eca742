package http_test

import (
	"testing"

	"github.com/flashscale/flashscale/service/config"
	"github.com/flashscale/flashscale/service/shop"
)

func TestAdminNeedsToken(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	for _, hdr := range []map[string]string{nil, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": adminToken}} {
		r := s.do("PUT", "/api/admin/products/dell-inspiron-15/stock", map[string]int{"stock": 0}, hdr)
		if r.status != 401 || r.errCode(t) != shop.EUNAUTHORIZED {
			t.Fatalf("%v: %d %s", hdr, r.status, r.body)
		}
	}
	if p, _ := env.store.GetProduct(t.Context(), "dell-inspiron-15"); p.Stock == 0 {
		t.Fatal("an unauthorized request changed stock")
	}
	for _, tc := range []struct {
		path   string
		body   any
		status int
	}{
		{"/api/admin/products/dell-inspiron-15/stock", map[string]int{"stock": -1}, 422},
		{"/api/admin/products/dell-inspiron-15/stock", map[string]any{}, 422},
		{"/api/admin/products/ghost/stock", map[string]int{"stock": 1}, 404},
		{"/api/admin/products/dell-inspiron-15/sale", map[string]string{"saleStartsAt": "2026-12-01T10:00:00Z", "saleEndsAt": "2026-12-01T09:00:00Z"}, 422},
		{"/api/admin/products/dell-inspiron-15/sale", map[string]string{"saleStartsAt": "tomorrow"}, 400},
		{"/api/admin/products/dell-inspiron-15/limit", map[string]int{"maxPerShopper": -1}, 422},
		{"/api/admin/products/dell-inspiron-15/limit", map[string]int{"maxPerShopper": 1001}, 422},
		{"/api/admin/products/dell-inspiron-15/limit", map[string]any{}, 422},
		{"/api/admin/products/ghost/limit", map[string]int{"maxPerShopper": 1}, 404},
	} {
		if r := env.admin("PUT", tc.path, tc.body); r.status != tc.status {
			t.Errorf("%s %v: %d %s, want %d", tc.path, tc.body, r.status, r.body, tc.status)
		}
	}
}

func TestAdminDisabledWithoutToken(t *testing.T) {
	env := newEnv(t, func(c *config.Config) { c.AdminToken = "" })
	r := env.admin("PUT", "/api/admin/products/dell-inspiron-15/stock", map[string]int{"stock": 0})
	if r.status != 404 || r.errCode(t) != shop.EADMINDISABLED {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

func TestSaleWindowClosesCheckout(t *testing.T) {
	env := newEnv(t, nil)
	r := env.admin("PUT", "/api/admin/products/dell-inspiron-15/sale", map[string]string{"saleStartsAt": "2099-01-01T00:00:00Z"})
	var body struct{ Product shop.Product }
	r.decode(t, &body)
	if r.status != 200 || body.Product.SaleStartsAt == nil {
		t.Fatalf("%d %s", r.status, r.body)
	}
	s := env.shopper()
	if r := s.checkout("w", checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1})); r.status != 409 || r.errCode(t) != shop.ESALEINACTIVE {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// The admin sets a per-shopper cap; the listing and checkout follow it.
func TestAdminSetsTheLimit(t *testing.T) {
	env := newEnv(t, nil)
	r := env.admin("PUT", "/api/admin/products/dell-inspiron-15/limit", map[string]int{"maxPerShopper": 0})
	var body struct{ Product shop.Product }
	r.decode(t, &body)
	if r.status != 200 || body.Product.MaxPerShopper != 0 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	s := env.shopper()
	if r := s.checkout("three", checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 3})); r.status != 201 {
		t.Fatalf("three units without a cap: %d %s", r.status, r.body)
	}
	env.admin("PUT", "/api/admin/products/dell-inspiron-15/limit", map[string]int{"maxPerShopper": 3})
	if r := s.checkout("fourth", checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1})); r.status != 409 || r.errCode(t) != shop.ELIMIT {
		t.Fatalf("over the new cap: %d %s", r.status, r.body)
	}
}
