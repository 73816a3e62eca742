package http_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/flashscale/flashscale/service/shop"
)

type productBody struct {
	Product struct {
		shop.Product
		RemainingForShopper *int `json:"remainingForShopper"`
	}
}

func remaining(t *testing.T, s *shopper, id string) *int {
	t.Helper()
	r := s.do("GET", "/api/products/"+id, nil, nil)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var b productBody
	r.decode(t, &b)
	return b.Product.RemainingForShopper
}

func TestLimitsAreVisibleBeforeCheckout(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	// dell-inspiron-15: 2 per shopper. A first-time shopper may buy both.
	if left := remaining(t, s, "dell-inspiron-15"); left == nil || *left != 2 {
		t.Fatalf("new shopper: remaining %v, want 2", left)
	}
	if r := s.checkout("k1", checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1})); r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if left := remaining(t, s, "dell-inspiron-15"); left == nil || *left != 1 {
		t.Fatalf("after buying one: remaining %v, want 1", left)
	}
	if left := remaining(t, env.shopper(), "dell-inspiron-15"); left == nil || *left != 2 {
		t.Fatalf("another shopper: remaining %v, want 2", left)
	}

	// The quote says what may still be bought and refuses more.
	r := s.do("POST", "/api/cart/quote", map[string]any{"items": []map[string]any{
		{"productId": "dell-inspiron-15", "quantity": 2}, {"productId": "boat-airdopes-141", "quantity": 1},
	}}, nil)
	var q struct{ Quote shop.Quote }
	r.decode(t, &q)
	dell, buds := q.Quote.Lines[0], q.Quote.Lines[1]
	if dell.Available || dell.Reason != "purchase_limit" || dell.RemainingForShopper == nil || *dell.RemainingForShopper != 1 || q.Quote.Available {
		t.Fatalf("capped line %+v", dell)
	}
	if !buds.Available || buds.RemainingForShopper == nil || *buds.RemainingForShopper != 5 {
		t.Fatalf("another capped line %+v", buds)
	}

	// Checkout's limit error names every line over its cap with what is
	// still allowed, so the shop can offer to lower it.
	r = s.checkout("k2", checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 2}))
	var e struct{ Error shop.Error }
	r.decode(t, &e)
	if r.status != http.StatusConflict || e.Error.Code != shop.ELIMIT ||
		!reflect.DeepEqual(e.Error.Shortages, []shop.Shortage{{ProductID: "dell-inspiron-15", Requested: 2, Available: 1}}) {
		t.Fatalf("limit error: %d %s", r.status, r.body)
	}
	if e.Error.Fields["items[0].quantity"] == "" {
		t.Fatalf("fields %v", e.Error.Fields)
	}
}

func structuredCustomer() shop.Customer {
	return shop.Customer{Name: "Asha Rao", Email: "asha@example.in", Phone: "98765 43210",
		AddressLine1: "Flat 4B, Prestige Towers", AddressLine2: "Residency Road", City: "Bengaluru", State: "Karnataka", PinCode: "560025"}
}

func TestCheckoutWithAStructuredAddress(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	body := shop.CheckoutRequest{Items: []shop.LineRequest{{ProductID: "boat-airdopes-141", Quantity: 1}},
		Customer: structuredCustomer(), PaymentMethod: shop.PaymentOnDelivery}
	r := s.checkout("k1", body)
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var placed orderBody
	r.decode(t, &placed)
	c := placed.Order.Customer
	if c.PinCode != "560025" || c.State != "Karnataka" || c.City != "Bengaluru" || c.AddressLine1 != "Flat 4B, Prestige Towers" ||
		c.Address != "Flat 4B, Prestige Towers\nResidency Road\nBengaluru, Karnataka 560025" || placed.Order.PaymentMethod != shop.PaymentOnDelivery {
		t.Fatalf("order %+v", placed.Order)
	}
	var got orderBody
	s.do("GET", "/api/orders/"+placed.Order.ID, nil, nil).decode(t, &got)
	if got.Order.Customer != c || got.Order.PaymentMethod != shop.PaymentOnDelivery {
		t.Fatalf("read back %+v", got.Order)
	}
	// Leaving the payment method out is the same request: a retry replays.
	body.PaymentMethod = ""
	if r := s.checkout("k1", body); r.status != 201 || r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay without the default method: %d %s", r.status, r.body)
	}

	for i, tc := range []struct {
		name   string
		mutate func(*shop.CheckoutRequest)
		field  string
	}{
		{"PIN of another state", func(r *shop.CheckoutRequest) { r.Customer.PinCode = "110001" }, "customer.pinCode"},
		{"short PIN", func(r *shop.CheckoutRequest) { r.Customer.PinCode = "5600" }, "customer.pinCode"},
		{"not a state", func(r *shop.CheckoutRequest) { r.Customer.State = "Bavaria" }, "customer.state"},
		{"no city", func(r *shop.CheckoutRequest) { r.Customer.City = "" }, "customer.city"},
		{"no street", func(r *shop.CheckoutRequest) { r.Customer.AddressLine1 = " " }, "customer.addressLine1"},
		{"not a mobile", func(r *shop.CheckoutRequest) { r.Customer.Phone = "1234567890" }, "customer.phone"},
		{"another payment", func(r *shop.CheckoutRequest) { r.PaymentMethod = "card" }, "paymentMethod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := body
			tc.mutate(&b)
			r := s.checkout(fmt.Sprint("bad-", i), b)
			var e struct{ Error shop.Error }
			r.decode(t, &e)
			if r.status != 422 || e.Error.Code != shop.EINVALID || e.Error.Fields[tc.field] == "" || len(e.Error.Fields) != 1 {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
}

// purchasesDown is a store whose purchases cannot be read (a slow or
// failing query); everything else works.
type purchasesDown struct{ shop.Store }

func (purchasesDown) PurchasedUnits(context.Context, string, []string) (map[string]int, error) {
	return nil, shop.Internal(errors.New("statement timeout"), "Database error.")
}

// The allowance is a courtesy: without it the product and the quote are
// still served, and checkout still enforces the cap.
func TestLimitsDegradeWhenPurchasesCannotBeRead(t *testing.T) {
	env := newEnvWith(t, nil, func(s shop.Store) shop.Store { return purchasesDown{s} })
	s := env.shopper()
	s.do("GET", "/api/products", nil, nil) // a known shopper from now on
	if left := remaining(t, s, "dell-inspiron-15"); left != nil {
		t.Fatalf("remaining %d without purchases", *left)
	}
	r := s.do("POST", "/api/cart/quote", map[string]any{"items": []map[string]any{{"productId": "dell-inspiron-15", "quantity": 2}}}, nil)
	var q struct{ Quote shop.Quote }
	r.decode(t, &q)
	if r.status != 200 || !q.Quote.Available || q.Quote.Lines[0].RemainingForShopper != nil {
		t.Fatalf("quote %d %s", r.status, r.body)
	}
	if r := s.checkout("k1", checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 2})); r.status != 201 {
		t.Fatalf("checkout %d %s", r.status, r.body)
	}
	if r := s.checkout("k2", checkoutBody(shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 1})); r.status != 409 || r.errCode(t) != shop.ELIMIT {
		t.Fatalf("over the cap: %d %s", r.status, r.body)
	}
}
