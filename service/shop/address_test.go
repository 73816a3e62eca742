package shop_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/flashscale/flashscale/service/shop"
)

func structured() shop.CheckoutRequest {
	return shop.CheckoutRequest{
		Items: []shop.LineRequest{{ProductID: "a", Quantity: 1}},
		Customer: shop.Customer{Name: "Asha Rao", Email: "asha@example.in", Phone: "+91 98765 43210",
			AddressLine1: "12 MG Road", AddressLine2: "Near Trinity Metro", City: "Bengaluru", State: "Karnataka", PinCode: "560001"},
		PaymentMethod: shop.PaymentOnDelivery,
	}
}

func TestStructuredAddress(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*shop.Customer)
		fields map[string]string
	}{
		{"valid", func(*shop.Customer) {}, nil},
		{"no second line", func(c *shop.Customer) { c.AddressLine2 = "" }, nil},
		{"PIN with a space", func(c *shop.Customer) { c.PinCode = "560 001" }, nil},
		{"mobile without +91", func(c *shop.Customer) { c.Phone = "98765-43210" }, nil},
		{"mobile with trunk 0", func(c *shop.Customer) { c.Phone = "09876543210" }, nil},
		{"Yanam is Puducherry", func(c *shop.Customer) { c.State, c.PinCode, c.City = "Puducherry", "533464", "Yanam" }, nil},
		{"a union territory", func(c *shop.Customer) { c.State, c.PinCode, c.City = "Ladakh", "194101", "Leh" }, nil},
		{"missing parts", func(c *shop.Customer) { c.AddressLine1, c.City, c.PinCode = "", "", "" },
			map[string]string{"customer.addressLine1": "is required", "customer.city": "is required", "customer.pinCode": "is required"}},
		{"only a state", func(c *shop.Customer) {
			*c = shop.Customer{Name: "A", Email: "a@b.in", Phone: "9876543210", State: "Goa"}
		},
			map[string]string{"customer.addressLine1": "is required", "customer.city": "is required", "customer.pinCode": "is required"}},
		{"unknown state", func(c *shop.Customer) { c.State = "Karnatka" },
			map[string]string{"customer.state": "must be one of India's states and union territories"}},
		{"state of another country", func(c *shop.Customer) { c.State = "California" },
			map[string]string{"customer.state": "must be one of India's states and union territories"}},
		{"five-digit PIN", func(c *shop.Customer) { c.PinCode = "56001" }, map[string]string{"customer.pinCode": "must be 6 digits, not starting with 0"}},
		{"PIN starting with 0", func(c *shop.Customer) { c.PinCode = "060001" }, map[string]string{"customer.pinCode": "must be 6 digits, not starting with 0"}},
		{"PIN with a letter", func(c *shop.Customer) { c.PinCode = "56000I" }, map[string]string{"customer.pinCode": "must be 6 digits, not starting with 0"}},
		{"PIN of another state", func(c *shop.Customer) { c.State = "Kerala" }, map[string]string{"customer.pinCode": "is not in Kerala"}},
		{"landline-length phone", func(c *shop.Customer) { c.Phone = "080 2345 678" },
			map[string]string{"customer.phone": "must be a 10-digit mobile number starting with 6, 7, 8 or 9"}},
		{"mobile starting with 5", func(c *shop.Customer) { c.Phone = "5876543210" },
			map[string]string{"customer.phone": "must be a 10-digit mobile number starting with 6, 7, 8 or 9"}},
		{"foreign number", func(c *shop.Customer) { c.Phone = "+44 7700 900123" },
			map[string]string{"customer.phone": "must be a 10-digit mobile number starting with 6, 7, 8 or 9"}},
		{"long line", func(c *shop.Customer) { c.AddressLine1 = strings.Repeat("x", 151) },
			map[string]string{"customer.addressLine1": "must be at most 150 characters"}},
		{"long city", func(c *shop.Customer) { c.City = strings.Repeat("x", 61) }, map[string]string{"customer.city": "must be at most 60 characters"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := structured()
			tc.mutate(&r.Customer)
			r.Normalize()
			err := r.Validate()
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			e, ok := err.(*shop.Error)
			if !ok || e.Code != shop.EINVALID || !reflect.DeepEqual(e.Fields, tc.fields) {
				t.Fatalf("err = %v (fields %v); want fields %v", err, fieldsOf(err), tc.fields)
			}
		})
	}
}

func fieldsOf(err error) map[string]string {
	if e, ok := err.(*shop.Error); ok {
		return e.Fields
	}
	return nil
}

func TestStructuredAddressIsWrittenAsOneText(t *testing.T) {
	r := structured()
	r.Customer.Address = "whatever the client sent"
	r.Normalize()
	if want := "12 MG Road\nNear Trinity Metro\nBengaluru, Karnataka 560001"; r.Customer.Address != want {
		t.Fatalf("address %q, want %q", r.Customer.Address, want)
	}
	r.Customer.AddressLine2 = ""
	if got := r.Customer.FormatAddress(); got != "12 MG Road\nBengaluru, Karnataka 560001" {
		t.Fatalf("without a second line: %q", got)
	}
	// The longest valid structured address still fits the 500 characters
	// the previous release accepts and stores in customer.address.
	long := structured()
	long.Customer.AddressLine1, long.Customer.AddressLine2 = strings.Repeat("a", 150), strings.Repeat("b", 150)
	long.Customer.City, long.Customer.State, long.Customer.PinCode = strings.Repeat("c", 60), "Dadra and Nagar Haveli and Daman and Diu", "396210"
	long.Normalize()
	if err := long.Validate(); err != nil || len([]rune(long.Customer.Address)) > 500 {
		t.Fatalf("longest address: %v, %d characters", err, len([]rune(long.Customer.Address)))
	}
}

func TestPaymentMethod(t *testing.T) {
	a, b := structured(), structured()
	b.PaymentMethod = ""
	a.Normalize()
	b.Normalize()
	if a.Payment() != shop.PaymentOnDelivery || b.Payment() != shop.PaymentOnDelivery {
		t.Fatalf("payment %q %q", a.Payment(), b.Payment())
	}
	if a.Hash() != b.Hash() {
		t.Fatal("naming the default payment method must not change the request's hash")
	}
	c := structured()
	c.PaymentMethod = "card"
	c.Normalize()
	if f := fieldsOf(c.Validate()); f["paymentMethod"] != "must be pay_on_delivery" || len(f) != 1 {
		t.Fatalf("fields %v", f)
	}
}

// A request of the previous release (no structured address, no payment
// method) hashes exactly as that release hashed it, so its retry across a
// blue/green flip replays the order.
func TestLegacyRequestHashIsUnchanged(t *testing.T) {
	r := valid()
	r.Normalize()
	if got, want := r.Hash(), "53d374ed"; got[:8] != want {
		t.Fatalf("hash %s…, the previous release's was %s…", got[:8], want)
	}
}

func TestPINAndMobileRules(t *testing.T) {
	for pin, ok := range map[string]bool{"110001": true, "999999": true, "000000": false, "1100011": false, "11000": false, "": false} {
		if shop.ValidPIN(pin) != ok {
			t.Errorf("ValidPIN(%q) = %v", pin, !ok)
		}
	}
	for _, tc := range []struct {
		pin, state string
		ok         bool
	}{{"110001", "Delhi", true}, {"682555", "Lakshadweep", true}, {"744101", "Andaman and Nicobar Islands", true},
		{"400001", "Goa", true}, {"400001", "Gujarat", false}, {"110001", "Atlantis", false}, {"", "Delhi", false}} {
		if shop.PINInState(tc.pin, tc.state) != tc.ok {
			t.Errorf("PINInState(%q, %q) = %v", tc.pin, tc.state, !tc.ok)
		}
	}
	if n := len(shop.States()); n != 36 {
		t.Errorf("%d states and union territories, want 28 + 8", n)
	}
	uts := 0
	for _, s := range shop.States() {
		if s.UnionTerritory {
			uts++
		}
	}
	if uts != 8 {
		t.Errorf("%d union territories, want 8", uts)
	}
}

// The web shop validates with a copy of the list; the two must not drift.
func TestStatesMatchTheWebShop(t *testing.T) {
	b, err := os.ReadFile("../../webapp/src/features/checkout/lib/states.json")
	if err != nil {
		t.Fatal(err)
	}
	var web []shop.State
	if err := json.Unmarshal(b, &web); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(web, shop.States()) {
		t.Fatalf("webapp states.json differs from shop.States():\n%+v\n%+v", web, shop.States())
	}
}
