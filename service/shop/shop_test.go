package shop_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

func valid() shop.CheckoutRequest {
	return shop.CheckoutRequest{
		Items:    []shop.LineRequest{{ProductID: "a", Quantity: 1}, {ProductID: "b", Quantity: 2}},
		Customer: shop.Customer{Name: "Asha Rao", Email: "asha@example.in", Phone: "+91 98765-43210", Address: "12 MG Road, Bengaluru"},
	}
}

func TestCheckoutValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*shop.CheckoutRequest)
		fields []string
	}{
		{"valid", func(*shop.CheckoutRequest) {}, nil},
		{"no items", func(r *shop.CheckoutRequest) { r.Items = nil }, []string{"items"}},
		{"too many lines", func(r *shop.CheckoutRequest) {
			r.Items = nil
			for i := range shop.MaxLinesPerOrder + 1 {
				r.Items = append(r.Items, shop.LineRequest{ProductID: strings.Repeat("p", i+1), Quantity: 1})
			}
		}, []string{"items"}},
		{"duplicate line", func(r *shop.CheckoutRequest) { r.Items[1].ProductID = "a" }, []string{"items[1].productId"}},
		{"quantity bounds", func(r *shop.CheckoutRequest) { r.Items[0].Quantity = 0; r.Items[1].Quantity = 11 }, []string{"items[0].quantity", "items[1].quantity"}},
		{"missing customer", func(r *shop.CheckoutRequest) { r.Customer = shop.Customer{} },
			[]string{"customer.name", "customer.email", "customer.phone", "customer.address"}},
		{"header injection in email", func(r *shop.CheckoutRequest) { r.Customer.Email = "a@b.in\r\nBcc: x@y.z" }, []string{"customer.email"}},
		{"short phone", func(r *shop.CheckoutRequest) { r.Customer.Phone = "12345" }, []string{"customer.phone"}},
		{"letters in phone", func(r *shop.CheckoutRequest) { r.Customer.Phone = "98765abcde" }, []string{"customer.phone"}},
		{"short address", func(r *shop.CheckoutRequest) { r.Customer.Address = "Pune" }, []string{"customer.address"}},
		{"long name", func(r *shop.CheckoutRequest) { r.Customer.Name = strings.Repeat("x", 101) }, []string{"customer.name"}},
		// Text PostgreSQL cannot store, or that forges lines and reorders display.
		{"NUL in name", func(r *shop.CheckoutRequest) { r.Customer.Name = "Asha\x00Rao" }, []string{"customer.name"}},
		{"NUL in address", func(r *shop.CheckoutRequest) { r.Customer.Address = "12 MG Road\x00, Bengaluru" }, []string{"customer.address"}},
		{"tab in name", func(r *shop.CheckoutRequest) { r.Customer.Name = "Asha\tRao" }, []string{"customer.name"}},
		{"DEL in name", func(r *shop.CheckoutRequest) { r.Customer.Name = "Asha\x7fRao" }, []string{"customer.name"}},
		{"C1 control in address", func(r *shop.CheckoutRequest) { r.Customer.Address = "12 MG Road\u0085Bengaluru" }, []string{"customer.address"}},
		{"newline in name", func(r *shop.CheckoutRequest) { r.Customer.Name = "Asha\nRao" }, []string{"customer.name"}},
		{"newlines in address", func(r *shop.CheckoutRequest) { r.Customer.Address = "12 MG Road\r\nIndiranagar\nBengaluru" }, nil},
		{"right-to-left override in address", func(r *shop.CheckoutRequest) { r.Customer.Address = "12 MG Road \u202eBengaluru" }, []string{"customer.address"}},
		{"isolate in name", func(r *shop.CheckoutRequest) { r.Customer.Name = "Asha \u2066Rao\u2069" }, []string{"customer.name"}},
		{"invalid UTF-8 in email", func(r *shop.CheckoutRequest) { r.Customer.Email = "asha\xff@example.in" }, []string{"customer.email"}},
		{"replacement character in name", func(r *shop.CheckoutRequest) { r.Customer.Name = "Asha \ufffd" }, []string{"customer.name"}},
		{"NUL in productId", func(r *shop.CheckoutRequest) { r.Items[0].ProductID = "a\x00" }, []string{"items[0].productId"}},
		{"invalid UTF-8 in productId", func(r *shop.CheckoutRequest) { r.Items[1].ProductID = "\xff\xfe" }, []string{"items[1].productId"}},
		{"non-Latin text is fine", func(r *shop.CheckoutRequest) {
			r.Customer.Name, r.Customer.Address = "आशा राव", "१२ एमजी रोड, बेंगलुरु ५६०००१"
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := valid()
			tc.mutate(&r)
			r.Normalize()
			err := r.Validate()
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			e, ok := err.(*shop.Error)
			if !ok || e.Code != shop.EINVALID {
				t.Fatalf("want EINVALID, got %v", err)
			}
			for _, f := range tc.fields {
				if e.Fields[f] == "" {
					t.Errorf("no message for %s in %v", f, e.Fields)
				}
			}
			if len(e.Fields) != len(tc.fields) {
				t.Errorf("fields %v, want exactly %v", e.Fields, tc.fields)
			}
		})
	}
}

// Every string field of Customer, whatever fields it grows, is checked as
// shopper text: a NUL in any of them is refused, naming that field.
func TestEveryCustomerTextFieldIsChecked(t *testing.T) {
	var paths []string
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.String:
			paths = append(paths, path)
		case reflect.Struct:
			for i := range v.NumField() {
				name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
				walk(v.Field(i), path+"."+name)
			}
		}
	}
	walk(reflect.ValueOf(valid().Customer), "customer")
	if len(paths) < 4 {
		t.Fatalf("found only %v", paths)
	}
	for i, path := range paths {
		r := valid()
		n := 0
		var poison func(v reflect.Value)
		poison = func(v reflect.Value) {
			switch v.Kind() {
			case reflect.String:
				if n == i {
					v.SetString(v.String() + "\x00")
				}
				n++
			case reflect.Struct:
				for j := range v.NumField() {
					poison(v.Field(j))
				}
			}
		}
		poison(reflect.ValueOf(&r.Customer).Elem())
		err := r.Validate()
		e, ok := err.(*shop.Error)
		if !ok || e.Code != shop.EINVALID || e.Fields[path] == "" {
			t.Errorf("NUL in %s: %v, want EINVALID naming %s", path, err, path)
		}
	}
}

// A store re-checks what it is given: text it cannot store never reaches
// its transaction, whoever the caller is.
func TestPlaceOrderCheckRefusesBadText(t *testing.T) {
	r := valid()
	p := shop.PlaceOrder{ID: "FS-1", ShopperID: "s", IdempotencyKey: "k", Items: r.Items, Customer: r.Customer}
	if err := p.Check(); err != nil {
		t.Fatalf("valid order: %v", err)
	}
	p.Customer.Phone = "98765\x0043210"
	if e, ok := p.Check().(*shop.Error); !ok || e.Code != shop.EINVALID || e.Fields["customer.phone"] == "" {
		t.Fatalf("NUL in phone: %v", p.Check())
	}
}

func TestTextProblem(t *testing.T) {
	for s, want := range map[string]string{
		"Asha Rao":     "",
		"a\nb":         "must be a single line",
		"a\x00b":       "must not contain control characters",
		"a\u009bb":     "must not contain control characters",
		"a\u202ab":     "must not contain bidirectional override characters",
		"a\u2069":      "must not contain bidirectional override characters",
		"a\u200fb":     "", // a right-to-left mark is not an override
		"\xc3\x28":     "must be valid UTF-8 text",
		"emoji 🛒 cart": "",
	} {
		if got := shop.TextProblem(s, false); got != want {
			t.Errorf("TextProblem(%q) = %q, want %q", s, got, want)
		}
	}
	if got := shop.TextProblem("line 1\r\nline 2\n", true); got != "" {
		t.Errorf("multiline text with line breaks: %q", got)
	}
}

func TestHashIgnoresLineOrderAndWhitespace(t *testing.T) {
	a, b := valid(), valid()
	b.Items[0], b.Items[1] = b.Items[1], b.Items[0]
	b.Customer.Email = "  asha@example.in "
	a.Normalize()
	b.Normalize()
	if a.Hash() != b.Hash() {
		t.Fatal("the same cart must hash the same")
	}
	b.Items[0].Quantity++
	if a.Hash() == b.Hash() {
		t.Fatal("a different cart must hash differently")
	}
}

func TestIdempotencyKey(t *testing.T) {
	for key, code := range map[string]string{
		"": shop.EKEYREQUIRED, "a b": shop.EINVALID, strings.Repeat("k", 129): shop.EINVALID, "ok-key_123": "",
		"bad\u00e9": shop.EINVALID,
	} {
		if got := shop.ErrorCode(shop.ValidateIdempotencyKey(key)); got != code {
			t.Errorf("%q: %q, want %q", key, got, code)
		}
	}
}

func TestStatusNext(t *testing.T) {
	s := shop.StatusProcessing
	for _, want := range []shop.Status{shop.StatusShipped, shop.StatusOutForDelivery, shop.StatusDelivered} {
		next, err := s.Next()
		if err != nil || next != want {
			t.Fatalf("%s.Next() = %s, %v; want %s", s, next, err, want)
		}
		s = next
	}
	if _, err := s.Next(); shop.ErrorCode(err) != shop.ECONFLICT {
		t.Fatalf("Delivered.Next(): %v", err)
	}
}

func TestPriceQuote(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	products := map[string]shop.Product{
		"tv":    {ID: "tv", Name: "TV", Price: 100, MRP: 150, Stock: 5},
		"empty": {ID: "empty", Price: 10, Stock: 0},
		"soon":  {ID: "soon", Price: 10, Stock: 9, SaleWindow: shop.SaleWindow{SaleStartsAt: &later}},
	}
	q := shop.PriceQuote([]shop.LineRequest{{"tv", 2}, {"empty", 1}, {"soon", 1}, {"tv2", 1}}, products, nil, now)
	reasons := []string{"", "sold_out", "sale_not_active", "not_found"}
	for i, l := range q.Lines {
		if l.Reason != reasons[i] || l.Available != (reasons[i] == "") {
			t.Errorf("line %d: %+v, want reason %q", i, l, reasons[i])
		}
	}
	if q.Total != 200 || q.Available || q.Currency != "INR" {
		t.Fatalf("quote %+v", q)
	}
	if q := shop.PriceQuote([]shop.LineRequest{{"tv", 6}}, products, nil, now); q.Lines[0].Reason != "insufficient_stock" {
		t.Fatalf("%+v", q.Lines[0])
	}
}

func TestPriceQuoteShowsWhatTheShopperMayStillBuy(t *testing.T) {
	now := time.Now()
	products := map[string]shop.Product{
		"capped": {ID: "capped", Price: 10, Stock: 50, MaxPerShopper: 3},
		"free":   {ID: "free", Price: 10, Stock: 50},
	}
	items := []shop.LineRequest{{"capped", 2}, {"free", 4}}
	// Unknown purchases: caps are checkout's business, nothing is claimed.
	q := shop.PriceQuote(items, products, nil, now)
	if !q.Available || q.Lines[0].RemainingForShopper != nil {
		t.Fatalf("without purchases: %+v", q.Lines[0])
	}
	q = shop.PriceQuote(items, products, map[string]int{"capped": 1}, now)
	if l := q.Lines[0]; !l.Available || l.RemainingForShopper == nil || *l.RemainingForShopper != 2 {
		t.Fatalf("1 of 3 bought, 2 asked: %+v", l)
	}
	if q.Lines[1].RemainingForShopper != nil {
		t.Fatalf("an uncapped product has no remaining allowance: %+v", q.Lines[1])
	}
	q = shop.PriceQuote(items, products, map[string]int{"capped": 2}, now)
	if l := q.Lines[0]; l.Available || l.Reason != "purchase_limit" || *l.RemainingForShopper != 1 || q.Available || q.Total != 40 {
		t.Fatalf("2 of 3 bought, 2 asked: %+v (quote %+v)", l, q)
	}
	q = shop.PriceQuote(items, products, map[string]int{"capped": 7}, now)
	if l := q.Lines[0]; *l.RemainingForShopper != 0 {
		t.Fatalf("over the cap already: remaining %d, want 0", *l.RemainingForShopper)
	}
	if got := shop.CappedIDs(append(items, shop.LineRequest{"ghost", 1}), products); len(got) != 1 || got[0] != "capped" {
		t.Fatalf("CappedIDs = %v", got)
	}
}

func TestReserveNamesEveryLineOverItsCap(t *testing.T) {
	products := map[string]*shop.Product{
		"a": {ID: "a", Name: "Alpha", Price: 1, Stock: 9, MaxPerShopper: 2},
		"b": {ID: "b", Name: "Beta", Price: 1, Stock: 9, MaxPerShopper: 1},
		"c": {ID: "c", Name: "Gamma", Price: 1, Stock: 9, MaxPerShopper: 5},
	}
	p := shop.PlaceOrder{Items: []shop.LineRequest{{"c", 1}, {"b", 1}, {"a", 2}}, At: time.Now()}
	_, _, err := shop.Reserve(p, products, map[string]int{"a": 1, "b": 3})
	e, ok := err.(*shop.Error)
	if !ok || e.Code != shop.ELIMIT {
		t.Fatalf("err = %v", err)
	}
	want := []shop.Shortage{{ProductID: "a", Requested: 2, Available: 1}, {ProductID: "b", Requested: 1, Available: 0}}
	if !reflect.DeepEqual(e.Shortages, want) {
		t.Fatalf("shortages %+v, want %+v", e.Shortages, want)
	}
	if e.Fields["items[2].quantity"] == "" || e.Fields["items[1].quantity"] == "" || len(e.Fields) != 2 {
		t.Fatalf("fields %v", e.Fields)
	}
	if e.Message != "You can buy at most 2 of Alpha and at most 1 of Beta." {
		t.Fatalf("message %q", e.Message)
	}
}

func TestSaleWindow(t *testing.T) {
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	w := shop.SaleWindow{SaleStartsAt: &start, SaleEndsAt: &end}
	for at, want := range map[time.Time]bool{start.Add(-time.Second): false, start: true, end.Add(-time.Second): true, end: false} {
		if w.Active(at) != want {
			t.Errorf("Active(%s) = %v", at, !want)
		}
	}
	if (shop.SaleWindow{SaleStartsAt: &end, SaleEndsAt: &start}).Validate() == nil {
		t.Fatal("an inverted window must be invalid")
	}
}

// Ids made later sort after earlier ones (the stores' id indexes grow at
// their end), while ids of the same millisecond still differ in 60 random
// bits.
func TestNewOrderIDsSortByTime(t *testing.T) {
	prev := shop.NewOrderID()
	for range 5 {
		time.Sleep(2 * time.Millisecond)
		id := shop.NewOrderID()
		if id[:12] <= prev[:12] {
			t.Fatalf("%q made after %q sorts before it", id, prev)
		}
		prev = id
	}
	a, b := shop.NewOrderID(), shop.NewOrderID()
	if a[12:] == b[12:] {
		t.Fatalf("two ids share their random part: %q %q", a, b)
	}
}

func TestNewOrderIDIsUnguessable(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := shop.NewOrderID()
		if len(id) != 24 || !strings.HasPrefix(id, "FS-") || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}
