// Package storetest is the contract every shop.Store must pass. The SQLite
// and PostgreSQL adapters run this same suite, so the HTTP layer can rely on
// identical behaviour whichever store a deployment uses: stock is never
// oversold, a checkout is all or nothing, idempotency keys replay, and
// errors carry the codes the API promises.
package storetest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// Run runs the contract against stores made by open. Each subtest calls open
// once and must get an empty, migrated store of its own; open is expected to
// close it when the test ends.
func Run(t *testing.T, open func(t *testing.T) shop.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s shop.Store)
	}{
		{"SeedOnceConcurrently", testSeedOnce},
		{"SeedCatalog", testSeedCatalog},
		{"GetAndList", testGetAndList},
		{"SetStock", testSetStock},
		{"SetSaleWindow", testSetSaleWindow},
		{"SetMaxPerShopper", testSetMaxPerShopper},
		{"PlaceOrder", testPlaceOrder},
		{"MultiLine", testMultiLine},
		{"SoldOutNamesEveryShortLine", testSoldOut},
		{"UnknownProduct", testUnknownProduct},
		{"SaleWindowEnforced", testSaleInactive},
		{"PerShopperCap", testPerShopperCap},
		{"PerShopperCapConcurrent", testPerShopperCapConcurrent},
		{"PurchasedUnits", testPurchasedUnits},
		{"StructuredAddressAndPayment", testStructuredAddress},
		{"LegacyAddress", testLegacyAddress},
		{"IdempotentReplay", testReplay},
		{"KeyReusedForDifferentRequest", testKeyReuse},
		{"SameKeyConcurrently", testSameKeyConcurrent},
		{"AnotherShoppersOrder", testOtherShopper},
		{"UnstorableIDsAreNotFound", testUnstorableIDs},
		{"UnstorableTextIsRefused", testUnstorableText},
		{"OrderIDClashIsAConflict", testOrderIDClash},
		{"Pagination", testPagination},
		{"AdvanceOrder", testAdvance},
		{"HotProductNeverOversold", testHotProduct},
		{"ConcurrentMixedCarts", testMixedCarts},
		{"Accounts", testAccounts},
		{"Sessions", testSessions},
		{"ExpiredSessionsDropped", testExpiredSessionsDropped},
		{"SessionRevocations", testSessionRevocations},
		{"AccountCapAcrossSessions", testAccountCapAcrossSessions},
	}
	tests = append(tests, outboxTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// catalog is small and distinct from the real seed so that tests read
// plainly; each test seeds it into its own empty store.
func catalog() []shop.Product {
	return []shop.Product{
		{ID: "p-laptop", Name: "Laptop", Description: "A laptop.", Category: "electronics", ImageURL: "/images/laptop.svg",
			Price: 5_500_000, MRP: 6_500_000, Currency: shop.Currency, Stock: 10},
		{ID: "p-tv", Name: "TV", Description: "A TV.", Category: "electronics", ImageURL: "/images/tv.svg",
			Price: 3_800_000, MRP: 4_800_000, Currency: shop.Currency, Stock: 5},
		{ID: "p-buds", Name: "Buds", Description: "Earbuds.", ImageURL: "/images/buds.svg",
			Price: 109_900, MRP: 449_000, Currency: shop.Currency, Stock: 200},
		{ID: "p-capped", Name: "Capped", Description: "Two per shopper.", Category: "fashion", ImageURL: "/images/capped.svg",
			Price: 1_000, MRP: 2_000, Currency: shop.Currency, Stock: 100, MaxPerShopper: 2},
	}
}

func seed(t *testing.T, s shop.Store, products ...shop.Product) {
	t.Helper()
	if len(products) == 0 {
		products = catalog()
	}
	ok, err := s.SeedProducts(t.Context(), products)
	if err != nil || !ok {
		t.Fatalf("SeedProducts = %v, %v; want true, nil", ok, err)
	}
}

func product(id string) shop.Product {
	for _, p := range catalog() {
		if p.ID == id {
			return p
		}
	}
	panic("no test product " + id)
}

func line(id string, qty int) shop.LineRequest { return shop.LineRequest{ProductID: id, Quantity: qty} }

// customer has a structured address, as the web shop sends it; Address is
// its one-text form, written by Normalize.
var customer = func() shop.Customer {
	r := shop.CheckoutRequest{Customer: shop.Customer{Name: "Asha Rao", Email: "asha@example.in", Phone: "+91 98765 43210",
		AddressLine1: "12 MG Road", AddressLine2: "Near Trinity Metro", City: "Bengaluru", State: "Karnataka", PinCode: "560001"}}
	r.Normalize()
	return r.Customer
}()

// order builds a checkout as the HTTP layer would: a fresh order id per
// request and the hash of the normalized body.
func order(shopper, key string, items ...shop.LineRequest) shop.PlaceOrder {
	return orderFor(customer, shopper, key, items...)
}

func orderFor(c shop.Customer, shopper, key string, items ...shop.LineRequest) shop.PlaceOrder {
	req := shop.CheckoutRequest{Items: items, Customer: c}
	return shop.PlaceOrder{ID: shop.NewOrderID(), ShopperID: shopper, IdempotencyKey: key,
		RequestHash: req.Hash(), Items: items, Customer: c, PaymentMethod: req.Payment(), At: time.Now()}
}

func place(t *testing.T, s shop.Store, p shop.PlaceOrder) shop.Order {
	t.Helper()
	o, replayed, err := s.PlaceOrder(t.Context(), p)
	if err != nil || replayed {
		t.Fatalf("PlaceOrder(%s) = replayed %v, %v; want a new order", p.IdempotencyKey, replayed, err)
	}
	return o
}

func wantCode(t *testing.T, err error, code string) *shop.Error {
	t.Helper()
	if got := shop.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q); want code %q", err, got, code)
	}
	e, _ := err.(*shop.Error)
	if e == nil {
		t.Fatalf("error %T is not a *shop.Error", err)
	}
	return e
}

func stock(t *testing.T, s shop.Store, id string) int {
	t.Helper()
	p, err := s.GetProduct(t.Context(), id)
	if err != nil {
		t.Fatalf("GetProduct(%s): %v", id, err)
	}
	return p.Stock
}

func wantStocks(t *testing.T, s shop.Store, want map[string]int) {
	t.Helper()
	for id, n := range want {
		if got := stock(t, s, id); got != n {
			t.Errorf("stock of %s = %d, want %d", id, got, n)
		}
	}
}

func listAll(t *testing.T, s shop.Store, shopper string) []shop.Order {
	t.Helper()
	var all []shop.Order
	var before int64
	for {
		page, err := s.ListOrders(t.Context(), shopper, shop.OrderPage{Limit: shop.MaxPageSize, Before: before})
		if err != nil {
			t.Fatalf("ListOrders(%s): %v", shopper, err)
		}
		all = append(all, page...)
		if len(page) < shop.MaxPageSize {
			return all
		}
		before = page[len(page)-1].Seq
	}
}

// closeTo compares times at the millisecond precision the contract promises
// and checks they come back in UTC.
func closeTo(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if got.Location() != time.UTC {
		t.Errorf("%s location = %v, want UTC", what, got.Location())
	}
	if d := got.Sub(want); d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("%s = %v, want %v (±1ms)", what, got, want)
	}
}

// concurrently runs fn(0..n-1) in n goroutines released at the same moment.
func concurrently(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

func testSeedOnce(t *testing.T, s shop.Store) {
	const seeders = 8
	results := make([]bool, seeders)
	errs := make([]error, seeders)
	concurrently(seeders, func(i int) { results[i], errs[i] = s.SeedProducts(t.Context(), catalog()) })
	inserted := 0
	for i := range seeders {
		if errs[i] != nil {
			t.Fatalf("SeedProducts #%d: %v", i, errs[i])
		}
		if results[i] {
			inserted++
		}
	}
	if inserted != 1 {
		t.Fatalf("%d concurrent SeedProducts reported inserting; want exactly 1", inserted)
	}
	got, err := s.ListProducts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, catalog()) {
		t.Fatalf("ListProducts after seeding =\n%+v\nwant\n%+v", got, catalog())
	}
	if ok, err := s.SeedProducts(t.Context(), []shop.Product{{ID: "p-new", Name: "New", Price: 1, MRP: 1,
		Currency: shop.Currency, Stock: 1}}); ok || err != nil {
		t.Fatalf("SeedProducts on a seeded store = %v, %v; want false, nil", ok, err)
	}
	if _, err := s.GetProduct(t.Context(), "p-new"); shop.ErrorCode(err) != shop.ENOTFOUND {
		t.Fatalf("a second seed inserted a product: GetProduct = %v", err)
	}
}

func testSeedCatalog(t *testing.T, s shop.Store) {
	seed(t, s, shop.SeedCatalog()...)
	got, err := s.ListProducts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, shop.SeedCatalog()) {
		t.Fatalf("ListProducts =\n%+v\nwant the seed catalog in seed order\n%+v", got, shop.SeedCatalog())
	}
}

func testGetAndList(t *testing.T, s shop.Store) {
	if got, err := s.ListProducts(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("ListProducts on an empty store = %v, %v; want none", got, err)
	}
	seed(t, s)
	for _, want := range catalog() {
		got, err := s.GetProduct(t.Context(), want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("GetProduct(%s) = %+v, %v; want %+v", want.ID, got, err, want)
		}
	}
	_, err := s.GetProduct(t.Context(), "p-missing")
	wantCode(t, err, shop.ENOTFOUND)
}

func testSetStock(t *testing.T, s shop.Store) {
	seed(t, s)
	for _, n := range []int{42, 0, shop.MaxStock} {
		p, err := s.SetStock(t.Context(), "p-tv", n)
		if err != nil || p.Stock != n || p.Name != "TV" {
			t.Fatalf("SetStock(p-tv, %d) = %+v, %v", n, p, err)
		}
		wantStocks(t, s, map[string]int{"p-tv": n, "p-laptop": 10})
	}
	_, err := s.SetStock(t.Context(), "p-missing", 3)
	wantCode(t, err, shop.ENOTFOUND)
	_, err = s.SetStock(t.Context(), "p-tv", -1)
	wantCode(t, err, shop.EINVALID)
	wantStocks(t, s, map[string]int{"p-tv": shop.MaxStock})
}

func testSetSaleWindow(t *testing.T, s shop.Store) {
	seed(t, s)
	// Nanoseconds and a non-UTC zone on the way in: the store keeps at least
	// milliseconds and answers in UTC.
	ist := time.FixedZone("IST", 5*3600+1800)
	start := time.Date(2030, 10, 3, 0, 0, 0, 123_456_789, ist)
	end := start.Add(36 * time.Hour)
	p, err := s.SetSaleWindow(t.Context(), "p-tv", shop.SaleWindow{SaleStartsAt: &start, SaleEndsAt: &end})
	if err != nil || p.SaleStartsAt == nil || p.SaleEndsAt == nil {
		t.Fatalf("SetSaleWindow = %+v, %v", p, err)
	}
	closeTo(t, "saleStartsAt", *p.SaleStartsAt, start)
	closeTo(t, "saleEndsAt", *p.SaleEndsAt, end)
	got, err := s.GetProduct(t.Context(), "p-tv")
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("GetProduct after SetSaleWindow = %+v, %v; want %+v", got, err, p)
	}

	p, err = s.SetSaleWindow(t.Context(), "p-tv", shop.SaleWindow{SaleEndsAt: &end})
	if err != nil || p.SaleStartsAt != nil || p.SaleEndsAt == nil {
		t.Fatalf("SetSaleWindow(open start) = %+v, %v", p, err)
	}
	p, err = s.SetSaleWindow(t.Context(), "p-tv", shop.SaleWindow{})
	if err != nil || p.SaleStartsAt != nil || p.SaleEndsAt != nil {
		t.Fatalf("SetSaleWindow(cleared) = %+v, %v", p, err)
	}

	_, err = s.SetSaleWindow(t.Context(), "p-missing", shop.SaleWindow{SaleStartsAt: &start})
	wantCode(t, err, shop.ENOTFOUND)
	_, err = s.SetSaleWindow(t.Context(), "p-tv", shop.SaleWindow{SaleStartsAt: &end, SaleEndsAt: &start})
	wantCode(t, err, shop.EINVALID)
}

func testPlaceOrder(t *testing.T, s shop.Store) {
	seed(t, s)
	p := order("shopper-1", "key-1", line("p-laptop", 2))
	o := place(t, s, p)

	laptop := product("p-laptop")
	wantItems := []shop.OrderItem{{ProductID: "p-laptop", Name: "Laptop", UnitPrice: laptop.Price, Quantity: 2,
		LineTotal: 2 * laptop.Price}}
	if o.ID != p.ID || o.ShopperID != "shopper-1" || !reflect.DeepEqual(o.Items, wantItems) ||
		o.Total != 2*laptop.Price || o.Currency != shop.Currency || o.Customer != customer || o.PaymentMethod != shop.PaymentOnDelivery ||
		o.Status != shop.StatusProcessing || o.Units() != 2 {
		t.Fatalf("PlaceOrder = %+v", o)
	}
	closeTo(t, "createdAt", o.CreatedAt, p.At)
	if len(o.History) != 1 || o.History[0].Status != shop.StatusProcessing {
		t.Fatalf("history = %+v, want one Processing entry", o.History)
	}
	closeTo(t, "history[0].at", o.History[0].At, p.At)
	wantStocks(t, s, map[string]int{"p-laptop": 8, "p-tv": 5})

	got, err := s.GetOrder(t.Context(), "shopper-1", o.ID)
	if err != nil || !reflect.DeepEqual(got, o) {
		t.Fatalf("GetOrder =\n%+v, %v\nwant what PlaceOrder returned\n%+v", got, err, o)
	}
	list, err := s.ListOrders(t.Context(), "shopper-1", shop.OrderPage{})
	if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], o) {
		t.Fatalf("ListOrders = %+v, %v; want [%+v]", list, err, o)
	}
}

func testMultiLine(t *testing.T, s shop.Store) {
	seed(t, s)
	o := place(t, s, order("shopper-1", "key-1", line("p-tv", 1), line("p-laptop", 3), line("p-buds", 10)))
	var ids []string
	var total int64
	for _, it := range o.Items {
		ids = append(ids, it.ProductID)
		if it.UnitPrice != product(it.ProductID).Price || it.LineTotal != it.UnitPrice*int64(it.Quantity) {
			t.Errorf("item %+v is not priced from the store", it)
		}
		total += it.LineTotal
	}
	if !reflect.DeepEqual(ids, []string{"p-buds", "p-laptop", "p-tv"}) {
		t.Errorf("items in order %v, want product-id order", ids)
	}
	if o.Total != total || o.Units() != 14 {
		t.Errorf("total %d units %d, want %d and 14", o.Total, o.Units(), total)
	}
	wantStocks(t, s, map[string]int{"p-tv": 4, "p-laptop": 7, "p-buds": 190})
}

func testSoldOut(t *testing.T, s shop.Store) {
	seed(t, s)
	if _, err := s.SetStock(t.Context(), "p-buds", 1); err != nil {
		t.Fatal(err)
	}
	p := order("shopper-1", "key-1", line("p-tv", 6), line("p-laptop", 3), line("p-buds", 5))
	_, _, err := s.PlaceOrder(t.Context(), p)
	e := wantCode(t, err, shop.ESOLDOUT)
	want := []shop.Shortage{{ProductID: "p-buds", Requested: 5, Available: 1}, {ProductID: "p-tv", Requested: 6, Available: 5}}
	if !reflect.DeepEqual(e.Shortages, want) {
		t.Errorf("shortages = %+v, want %+v", e.Shortages, want)
	}
	wantStocks(t, s, map[string]int{"p-tv": 5, "p-laptop": 10, "p-buds": 1})
	if got := listAll(t, s, "shopper-1"); len(got) != 0 {
		t.Errorf("a rejected checkout left orders: %+v", got)
	}
	// A rejected checkout leaves no trace, not even its idempotency key: the
	// shopper can fix the cart and retry with the same key.
	o := place(t, s, order("shopper-1", "key-1", line("p-tv", 5), line("p-laptop", 3)))
	if o.Units() != 8 {
		t.Errorf("retry placed %d units, want 8", o.Units())
	}
	wantStocks(t, s, map[string]int{"p-tv": 0, "p-laptop": 7})
	_, _, err = s.PlaceOrder(t.Context(), order("shopper-2", "key-1", line("p-tv", 1)))
	e = wantCode(t, err, shop.ESOLDOUT)
	if want := []shop.Shortage{{ProductID: "p-tv", Requested: 1, Available: 0}}; !reflect.DeepEqual(e.Shortages, want) {
		t.Errorf("shortages = %+v, want %+v", e.Shortages, want)
	}
}

func testUnknownProduct(t *testing.T, s shop.Store) {
	seed(t, s)
	// The field names the line as the shopper sent it (index 1), not its
	// position after sorting by product id.
	_, _, err := s.PlaceOrder(t.Context(), order("shopper-1", "key-1", line("p-tv", 1), line("p-aaa-ghost", 1), line("p-laptop", 1)))
	e := wantCode(t, err, shop.EINVALID)
	if want := map[string]string{"items[1].productId": "unknown product"}; !reflect.DeepEqual(e.Fields, want) {
		t.Errorf("fields = %v, want %v", e.Fields, want)
	}
	wantStocks(t, s, map[string]int{"p-tv": 5, "p-laptop": 10})
	if got := listAll(t, s, "shopper-1"); len(got) != 0 {
		t.Errorf("a rejected checkout left orders: %+v", got)
	}
	// The store does not trust its caller with quantities either.
	for _, bad := range []shop.LineRequest{line("p-tv", 0), line("p-tv", -3)} {
		_, _, err := s.PlaceOrder(t.Context(), order("shopper-1", "key-2", bad))
		wantCode(t, err, shop.EINVALID)
	}
	wantStocks(t, s, map[string]int{"p-tv": 5})
}

func testSaleInactive(t *testing.T, s shop.Store) {
	seed(t, s)
	start := time.Now().UTC().Truncate(time.Millisecond).Add(time.Hour)
	end := start.Add(time.Hour)
	if _, err := s.SetSaleWindow(t.Context(), "p-tv", shop.SaleWindow{SaleStartsAt: &start, SaleEndsAt: &end}); err != nil {
		t.Fatal(err)
	}
	at := func(p shop.PlaceOrder, when time.Time) shop.PlaceOrder { p.At = when; return p }
	for _, tc := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"before", start.Add(-time.Millisecond), false},
		{"at start", start, true},
		{"inside", start.Add(30 * time.Minute), true},
		{"at end", end, false},
		{"after", end.Add(time.Minute), false},
	} {
		before := stock(t, s, "p-tv")
		o, _, err := s.PlaceOrder(t.Context(), at(order("shopper-1", "key-"+tc.name, line("p-laptop", 1), line("p-tv", 1)), tc.at))
		if tc.ok {
			if err != nil || o.Units() != 2 {
				t.Errorf("%s the window: PlaceOrder = %+v, %v; want an order", tc.name, o, err)
			}
			continue
		}
		e := wantCode(t, err, shop.ESALEINACTIVE)
		if e.Fields["items[1].productId"] == "" {
			t.Errorf("%s the window: fields %v do not name line 1", tc.name, e.Fields)
		}
		if got := stock(t, s, "p-tv"); got != before {
			t.Errorf("%s the window: stock changed %d → %d", tc.name, before, got)
		}
	}
	wantStocks(t, s, map[string]int{"p-tv": 3, "p-laptop": 8})
}

func testPerShopperCap(t *testing.T, s shop.Store) {
	seed(t, s)
	steps := []struct {
		shopper string
		qty     int
		ok      bool
	}{
		{"shopper-1", 1, true},
		{"shopper-1", 2, false}, // 1 + 2 > 2
		{"shopper-1", 1, true},
		{"shopper-1", 1, false}, // the cap counts every earlier order
		{"shopper-2", 2, true},  // caps are per shopper
		{"shopper-3", 3, false}, // one order over the cap
	}
	for i, st := range steps {
		_, _, err := s.PlaceOrder(t.Context(), order(st.shopper, fmt.Sprint("key-", i), line("p-buds", 1), line("p-capped", st.qty)))
		if st.ok {
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			continue
		}
		e := wantCode(t, err, shop.ELIMIT)
		if e.Fields["items[1].quantity"] == "" {
			t.Errorf("step %d: fields %v do not name the capped line", i, e.Fields)
		}
		// The error says how many the shopper may still buy, so the shop
		// can offer to lower the line to that.
		bought := map[int]int{1: 1, 3: 2, 5: 0}[i]
		if want := []shop.Shortage{{ProductID: "p-capped", Requested: st.qty, Available: 2 - bought}}; !reflect.DeepEqual(e.Shortages, want) {
			t.Errorf("step %d: shortages %+v, want %+v", i, e.Shortages, want)
		}
	}
	wantStocks(t, s, map[string]int{"p-capped": 96, "p-buds": 197})
}

func testPurchasedUnits(t *testing.T, s shop.Store) {
	seed(t, s)
	ids := []string{"p-capped", "p-buds", "p-tv", "p-missing"}
	if got, err := s.PurchasedUnits(t.Context(), "shopper-1", ids); err != nil || len(got) != 0 {
		t.Fatalf("before any order: %v, %v; want none", got, err)
	}
	place(t, s, order("shopper-1", "key-1", line("p-capped", 1), line("p-buds", 3)))
	place(t, s, order("shopper-1", "key-2", line("p-capped", 1)))
	place(t, s, order("shopper-2", "key-1", line("p-tv", 1)))
	// A rejected checkout buys nothing.
	_, _, err := s.PlaceOrder(t.Context(), order("shopper-1", "key-3", line("p-capped", 1)))
	wantCode(t, err, shop.ELIMIT)
	got, err := s.PurchasedUnits(t.Context(), "shopper-1", ids)
	if want := map[string]int{"p-capped": 2, "p-buds": 3}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("PurchasedUnits(shopper-1) = %v, %v; want %v", got, err, want)
	}
	if got, err := s.PurchasedUnits(t.Context(), "shopper-1", []string{"p-buds"}); err != nil || !reflect.DeepEqual(got, map[string]int{"p-buds": 3}) {
		t.Fatalf("only the products asked for: %v, %v", got, err)
	}
	if got, err := s.PurchasedUnits(t.Context(), "shopper-2", ids); err != nil || !reflect.DeepEqual(got, map[string]int{"p-tv": 1}) {
		t.Fatalf("PurchasedUnits(shopper-2) = %v, %v", got, err)
	}
	if got, err := s.PurchasedUnits(t.Context(), "shopper-1", nil); err != nil || len(got) != 0 {
		t.Fatalf("no products: %v, %v", got, err)
	}
}

// The structured address and the payment method are stored as such and
// read back by every way an order is read.
func testStructuredAddress(t *testing.T, s shop.Store) {
	seed(t, s)
	c := customer
	c.AddressLine2 = ""
	c.Address = c.FormatAddress()
	o := place(t, s, orderFor(c, "shopper-1", "key-1", line("p-tv", 1)))
	want := shop.Customer{Name: "Asha Rao", Email: "asha@example.in", Phone: "+91 98765 43210",
		Address: "12 MG Road\nBengaluru, Karnataka 560001", AddressLine1: "12 MG Road", City: "Bengaluru",
		State: "Karnataka", PinCode: "560001"}
	if o.Customer != want || o.PaymentMethod != shop.PaymentOnDelivery {
		t.Fatalf("placed %+v paying %q", o.Customer, o.PaymentMethod)
	}
	got, err := s.GetOrder(t.Context(), "shopper-1", o.ID)
	if err != nil || got.Customer != want || got.PaymentMethod != shop.PaymentOnDelivery {
		t.Fatalf("GetOrder = %+v paying %q, %v", got.Customer, got.PaymentMethod, err)
	}
	list := listAll(t, s, "shopper-1")
	if len(list) != 1 || list[0].Customer != want {
		t.Fatalf("ListOrders = %+v", list)
	}
	adv, err := s.AdvanceOrder(t.Context(), o.ID, time.Now())
	if err != nil || adv.Customer != want || adv.PaymentMethod != shop.PaymentOnDelivery {
		t.Fatalf("AdvanceOrder = %+v, %v", adv, err)
	}
	again, replayed, err := s.PlaceOrder(t.Context(), orderFor(c, "shopper-1", "key-1", line("p-tv", 1)))
	if err != nil || !replayed || again.Customer != want || again.PaymentMethod != shop.PaymentOnDelivery {
		t.Fatalf("replay = %+v, %v, %v", again, replayed, err)
	}
}

// A request in the previous release's form (one address text, no payment
// method) is still placed, and reads back with empty address parts.
func testLegacyAddress(t *testing.T, s shop.Store) {
	seed(t, s)
	legacy := shop.Customer{Name: "Ravi", Email: "ravi@example.in", Phone: "9876543210", Address: "4 Park Street, Kolkata 700016"}
	p := orderFor(legacy, "shopper-1", "key-1", line("p-tv", 1))
	p.PaymentMethod = ""
	o := place(t, s, p)
	got, err := s.GetOrder(t.Context(), "shopper-1", o.ID)
	if err != nil || got.Customer != legacy || got.PaymentMethod != "" {
		t.Fatalf("GetOrder = %+v paying %q, %v; want %+v", got.Customer, got.PaymentMethod, err, legacy)
	}
}

func testPerShopperCapConcurrent(t *testing.T, s shop.Store) {
	seed(t, s)
	const n = 20
	errs := make([]error, n)
	concurrently(n, func(i int) {
		_, _, errs[i] = s.PlaceOrder(t.Context(), order("shopper-1", fmt.Sprint("key-", i), line("p-capped", 1)))
	})
	placed := placedWithinCap(t, errs)
	if placed != 2 {
		t.Errorf("%d concurrent orders passed a cap of 2", placed)
	}
	wantStocks(t, s, map[string]int{"p-capped": 98})
	if got := listAll(t, s, "shopper-1"); len(got) != 2 {
		t.Errorf("shopper has %d orders, want 2", len(got))
	}
}

func testReplay(t *testing.T, s shop.Store) {
	seed(t, s)
	first := place(t, s, order("shopper-1", "key-1", line("p-tv", 2), line("p-laptop", 1)))
	// The retry is a new HTTP request: new order id, same key and body.
	retry := order("shopper-1", "key-1", line("p-laptop", 1), line("p-tv", 2))
	again, replayed, err := s.PlaceOrder(t.Context(), retry)
	if err != nil || !replayed || !reflect.DeepEqual(again, first) {
		t.Fatalf("replay = %+v, %v, %v\nwant the first order %+v, true", again, replayed, err, first)
	}
	wantStocks(t, s, map[string]int{"p-tv": 3, "p-laptop": 9})
	if _, err := s.GetOrder(t.Context(), "shopper-1", retry.ID); shop.ErrorCode(err) != shop.ENOTFOUND {
		t.Errorf("the replay created order %s: %v", retry.ID, err)
	}
}

func testKeyReuse(t *testing.T, s shop.Store) {
	seed(t, s)
	place(t, s, order("shopper-1", "key-1", line("p-tv", 1)))
	_, _, err := s.PlaceOrder(t.Context(), order("shopper-1", "key-1", line("p-tv", 2)))
	wantCode(t, err, shop.EIDEMPOTENCY)
	wantStocks(t, s, map[string]int{"p-tv": 4})
	// Keys belong to a shopper: another shopper's identical key is unrelated.
	place(t, s, order("shopper-2", "key-1", line("p-tv", 2)))
	wantStocks(t, s, map[string]int{"p-tv": 2})
}

func testSameKeyConcurrent(t *testing.T, s shop.Store) {
	seed(t, s)
	const n = 20
	orders := make([]shop.Order, n)
	replayed := make([]bool, n)
	errs := make([]error, n)
	concurrently(n, func(i int) {
		orders[i], replayed[i], errs[i] = s.PlaceOrder(t.Context(), order("shopper-1", "key-1", line("p-tv", 2)))
	})
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if orders[i].ID != orders[0].ID {
			t.Fatalf("request %d got order %s, request 0 got %s", i, orders[i].ID, orders[0].ID)
		}
		if !replayed[i] {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d requests placed the order, want exactly 1 (the rest replay it)", fresh)
	}
	if got := listAll(t, s, "shopper-1"); len(got) != 1 {
		t.Errorf("shopper has %d orders, want 1", len(got))
	}
	wantStocks(t, s, map[string]int{"p-tv": 3})
}

func testOtherShopper(t *testing.T, s shop.Store) {
	seed(t, s)
	o := place(t, s, order("shopper-1", "key-1", line("p-tv", 1)))
	_, err := s.GetOrder(t.Context(), "shopper-2", o.ID)
	wantCode(t, err, shop.ENOTFOUND)
	_, err = s.GetOrder(t.Context(), "shopper-1", "FS-NOSUCHORDER")
	wantCode(t, err, shop.ENOTFOUND)
	if got := listAll(t, s, "shopper-2"); len(got) != 0 {
		t.Errorf("another shopper lists %d orders", len(got))
	}
}

// An id from a URL may hold anything a client can percent-encode. Bytes
// no text column can hold (a NUL, invalid UTF-8) name nothing: every
// lookup answers ENOTFOUND, as for any other unknown id, never an internal
// error (PostgreSQL refuses such text with SQLSTATE 22021).
func testUnstorableIDs(t *testing.T, s shop.Store) {
	seed(t, s)
	o := place(t, s, order("shopper-1", "key-1", line("p-tv", 1)))
	ctx := t.Context()
	for _, id := range []string{"\x00", "p-tv\x00", "\xff\xfe", "p-\xc3", o.ID + "\x00"} {
		_, err := s.GetProduct(ctx, id)
		wantCode(t, err, shop.ENOTFOUND)
		_, err = s.SetStock(ctx, id, 1)
		wantCode(t, err, shop.ENOTFOUND)
		_, err = s.SetSaleWindow(ctx, id, shop.SaleWindow{})
		wantCode(t, err, shop.ENOTFOUND)
		_, err = s.GetOrder(ctx, "shopper-1", id)
		wantCode(t, err, shop.ENOTFOUND)
		_, err = s.AdvanceOrder(ctx, id, time.Now())
		wantCode(t, err, shop.ENOTFOUND)
		if list, err := s.ListOrders(ctx, id, shop.OrderPage{}); err != nil || len(list) != 0 {
			t.Errorf("ListOrders(%q) = %v, %v; want none", id, list, err)
		}
	}
	wantStocks(t, s, map[string]int{"p-tv": 4})
}

// A checkout whose text a database cannot store, or that breaks the
// shopper-text rules, is refused as EINVALID naming the field, before any
// transaction: both stores agree (SQLite used to keep a NUL that
// PostgreSQL failed on), nothing is written, and the key stays free.
func testUnstorableText(t *testing.T, s shop.Store) {
	seed(t, s)
	for field, mutate := range map[string]func(p *shop.PlaceOrder){
		"customer.name":      func(p *shop.PlaceOrder) { p.Customer.Name = "Asha\x00Rao" },
		"customer.address":   func(p *shop.PlaceOrder) { p.Customer.Address = "12 MG Road \u202eBengaluru" },
		"customer.email":     func(p *shop.PlaceOrder) { p.Customer.Email = "asha\xff@example.in" },
		"items[0].productId": func(p *shop.PlaceOrder) { p.Items[0].ProductID = "p-tv\x00" },
	} {
		p := order("shopper-1", "key-1", line("p-tv", 1))
		mutate(&p)
		_, _, err := s.PlaceOrder(t.Context(), p)
		if e := wantCode(t, err, shop.EINVALID); e.Fields[field] == "" {
			t.Errorf("%s: fields %v do not name it", field, e.Fields)
		}
	}
	wantStocks(t, s, map[string]int{"p-tv": 5})
	if got := listAll(t, s, "shopper-1"); len(got) != 0 {
		t.Fatalf("refused checkouts left orders: %+v", got)
	}
	// The address may span lines; the key is still free for it.
	p := order("shopper-1", "key-1", line("p-tv", 1))
	p.Customer.Address = "12 MG Road\nIndiranagar\nBengaluru 560038"
	if o := place(t, s, p); o.Customer.Address != p.Customer.Address {
		t.Fatalf("address %q, want %q", o.Customer.Address, p.Customer.Address)
	}
}

// Order ids are random; should two ever clash, the unique constraint turns
// the second checkout into ECONFLICT (the caller retries with a fresh id)
// and nothing of it is kept.
func testOrderIDClash(t *testing.T, s shop.Store) {
	seed(t, s)
	first := place(t, s, order("shopper-1", "key-1", line("p-tv", 1)))
	clash := order("shopper-2", "key-1", line("p-tv", 2))
	clash.ID = first.ID
	_, _, err := s.PlaceOrder(t.Context(), clash)
	wantCode(t, err, shop.ECONFLICT)
	wantStocks(t, s, map[string]int{"p-tv": 4})
	if got := listAll(t, s, "shopper-2"); len(got) != 0 {
		t.Errorf("the clashing checkout left orders: %+v", got)
	}
}

func testPagination(t *testing.T, s shop.Store) {
	seed(t, s)
	const n = shop.MaxPageSize + 5
	var placed []string
	for i := range n {
		o := place(t, s, order("shopper-1", fmt.Sprint("key-", i), line("p-buds", 1)))
		placed = append(placed, o.ID)
		if i%20 == 0 {
			place(t, s, order("shopper-2", fmt.Sprint("key-", i), line("p-buds", 1)))
		}
	}
	newestFirst := make([]string, n)
	for i, id := range placed {
		newestFirst[n-1-i] = id
	}

	var got []string
	var before int64
	for page := 0; ; page++ {
		orders, err := s.ListOrders(t.Context(), "shopper-1", shop.OrderPage{Limit: 40, Before: before})
		if err != nil {
			t.Fatal(err)
		}
		if want := min(40, n-len(got)); len(orders) != want {
			t.Fatalf("page %d has %d orders, want %d", page, len(orders), want)
		}
		if len(orders) == 0 {
			break
		}
		for _, o := range orders {
			if len(o.Items) != 1 || len(o.History) != 1 || o.ShopperID != "shopper-1" {
				t.Fatalf("listed order lacks items or history: %+v", o)
			}
			got = append(got, o.ID)
		}
		before = orders[len(orders)-1].Seq
	}
	if !reflect.DeepEqual(got, newestFirst) {
		t.Fatalf("pages list\n%v\nwant newest first\n%v", got, newestFirst)
	}

	for _, tc := range []struct{ limit, want int }{
		{0, shop.DefaultPageSize}, {-7, 1}, {1, 1}, {1000, shop.MaxPageSize},
	} {
		orders, err := s.ListOrders(t.Context(), "shopper-1", shop.OrderPage{Limit: tc.limit})
		if err != nil || len(orders) != tc.want {
			t.Errorf("ListOrders(limit %d) = %d orders, %v; want %d", tc.limit, len(orders), err, tc.want)
		}
	}
}

func testAdvance(t *testing.T, s shop.Store) {
	seed(t, s)
	o := place(t, s, order("shopper-1", "key-1", line("p-tv", 1)))
	at := o.CreatedAt
	for _, want := range []shop.Status{shop.StatusShipped, shop.StatusOutForDelivery, shop.StatusDelivered} {
		at = at.Add(90 * time.Minute)
		got, err := s.AdvanceOrder(t.Context(), o.ID, at)
		if err != nil || got.Status != want {
			t.Fatalf("AdvanceOrder = %v, %v; want %s", got.Status, err, want)
		}
		last := got.History[len(got.History)-1]
		if last.Status != want {
			t.Fatalf("history ends with %s, want %s", last.Status, want)
		}
		closeTo(t, "history at", last.At, at)
	}
	_, err := s.AdvanceOrder(t.Context(), o.ID, at.Add(time.Hour))
	wantCode(t, err, shop.ECONFLICT)
	got, err := s.GetOrder(t.Context(), "shopper-1", o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []shop.Status
	for _, h := range got.History {
		statuses = append(statuses, h.Status)
	}
	if want := []shop.Status{shop.StatusProcessing, shop.StatusShipped, shop.StatusOutForDelivery, shop.StatusDelivered}; got.Status != shop.StatusDelivered || !reflect.DeepEqual(statuses, want) {
		t.Fatalf("after delivery: status %s history %v", got.Status, statuses)
	}
	_, err = s.AdvanceOrder(t.Context(), "FS-NOSUCHORDER", at)
	wantCode(t, err, shop.ENOTFOUND)
}

// HotProductCheckouts is how many shoppers race for the hot product's 50
// units in testHotProduct.
const HotProductCheckouts = 220

func testHotProduct(t *testing.T, s shop.Store) {
	seed(t, s, shop.Product{ID: "p-hot", Name: "Hot", Price: 100, MRP: 200, Currency: shop.Currency, Stock: 50})
	HotProductRace(t, []shop.Store{s}, HotProductCheckouts, 50)
}

// HotProductRace runs `checkouts` concurrent single-unit checkouts of
// product "p-hot", which must have exactly `units` in stock, spreading them
// over stores as a load balancer spreads shoppers over pods. Exactly `units`
// must succeed, the rest be sold out, the stock end at 0 and the stored
// orders add up to `units`.
func HotProductRace(t *testing.T, stores []shop.Store, checkouts, units int) {
	t.Helper()
	errs := make([]error, checkouts)
	orders := make([]shop.Order, checkouts)
	concurrently(checkouts, func(i int) {
		orders[i], _, errs[i] = stores[i%len(stores)].PlaceOrder(t.Context(),
			order(fmt.Sprint("hot-shopper-", i), "key-1", line("p-hot", 1)))
	})
	placed := 0
	for i, err := range errs {
		switch shop.ErrorCode(err) {
		case "":
			placed++
		case shop.ESOLDOUT:
		default:
			t.Errorf("checkout %d: %v", i, err)
		}
	}
	if placed != units {
		t.Errorf("%d of %d checkouts succeeded for %d units", placed, checkouts, units)
	}
	s := stores[0]
	wantStocks(t, s, map[string]int{"p-hot": 0})
	sold := 0
	for i := range checkouts {
		listed := listAll(t, s, fmt.Sprint("hot-shopper-", i))
		for _, o := range listed {
			sold += o.Units()
		}
		if want := 1; errs[i] == nil && (len(listed) != want || listed[0].ID != orders[i].ID) {
			t.Errorf("shopper %d was told order %s but has %+v", i, orders[i].ID, listed)
		} else if errs[i] != nil && len(listed) != 0 {
			t.Errorf("shopper %d was refused but has orders %+v", i, listed)
		}
	}
	if sold != units {
		t.Errorf("orders add up to %d units, want %d", sold, units)
	}
}

func testMixedCarts(t *testing.T, s shop.Store) {
	initial := map[string]int{"m-a": 40, "m-b": 25, "m-c": 15, "m-d": 30}
	var products []shop.Product
	for _, id := range sortedIDs(initial) {
		products = append(products, shop.Product{ID: id, Name: id, Price: 500, MRP: 900, Currency: shop.Currency, Stock: initial[id]})
	}
	seed(t, s, products...)

	const n = 160
	ids := sortedIDs(initial)
	carts := make([][]shop.LineRequest, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range carts {
		for _, j := range rng.Perm(len(ids))[:1+rng.IntN(3)] {
			carts[i] = append(carts[i], line(ids[j], 1+rng.IntN(3)))
		}
	}
	orders := make([]shop.Order, n)
	errs := make([]error, n)
	concurrently(n, func(i int) {
		orders[i], _, errs[i] = s.PlaceOrder(t.Context(), order(fmt.Sprint("mix-", i), "key", carts[i]...))
	})

	sold := map[string]int{}
	placed := 0
	for i, err := range errs {
		switch shop.ErrorCode(err) {
		case "":
			placed++
			for _, it := range orders[i].Items {
				sold[it.ProductID] += it.Quantity
			}
		case shop.ESOLDOUT:
			if e := err.(*shop.Error); len(e.Shortages) == 0 {
				t.Errorf("checkout %d: sold out without naming a product", i)
			}
		default:
			t.Errorf("checkout %d: %v", i, err)
		}
	}
	if placed == 0 || placed == n {
		t.Errorf("%d of %d mixed checkouts placed; the test wants contention", placed, n)
	}
	stored := map[string]int{}
	for i := range n {
		for _, o := range listAll(t, s, fmt.Sprint("mix-", i)) {
			for _, it := range o.Items {
				stored[it.ProductID] += it.Quantity
			}
		}
	}
	for _, id := range ids {
		left := stock(t, s, id)
		if left < 0 || initial[id]-left != sold[id] || stored[id] != sold[id] {
			t.Errorf("%s: stock %d → %d, placed orders hold %d units, stored orders %d",
				id, initial[id], left, sold[id], stored[id])
		}
	}
}

func sortedIDs(m map[string]int) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func testSetMaxPerShopper(t *testing.T, s shop.Store) {
	seed(t, s)
	p, err := s.SetMaxPerShopper(t.Context(), "p-capped", 0)
	if err != nil || p.MaxPerShopper != 0 || p.ID != "p-capped" {
		t.Fatalf("SetMaxPerShopper(0) = %+v, %v", p, err)
	}
	// No cap now: three units for one shopper.
	place(t, s, order("shopper-1", "k1", line("p-capped", 3)))
	if p, err = s.SetMaxPerShopper(t.Context(), "p-capped", 4); err != nil || p.MaxPerShopper != 4 {
		t.Fatalf("SetMaxPerShopper(4) = %+v, %v", p, err)
	}
	// The cap counts what was bought before it was set.
	_, _, err = s.PlaceOrder(t.Context(), order("shopper-1", "k2", line("p-capped", 2)))
	wantCode(t, err, shop.ELIMIT)
	place(t, s, order("shopper-1", "k3", line("p-capped", 1)))
	_, err = s.SetMaxPerShopper(t.Context(), "p-nope", 1)
	wantCode(t, err, shop.ENOTFOUND)
	_, err = s.SetMaxPerShopper(t.Context(), "p-capped", -1)
	wantCode(t, err, shop.EINVALID)
}
