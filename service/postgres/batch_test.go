package postgres

import (
	"fmt"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/shop"
)

func openTest(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.NewDatabase(t), 6, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ok, err := s.SeedProducts(t.Context(), []shop.Product{
		{ID: "a", Name: "A", Price: 100, MRP: 100, Currency: shop.Currency, Stock: 3},
		{ID: "b", Name: "B", Price: 250, MRP: 300, Currency: shop.Currency, Stock: 100, MaxPerShopper: 2},
	})
	if err != nil || !ok {
		t.Fatalf("seed: %v %v", ok, err)
	}
	return s
}

var buyer = shop.Customer{Name: "Ravi", Email: "ravi@example.in", Phone: "9876543210", Address: "1 Park Street, Kolkata"}

func checkout(shopper, key string, items ...shop.LineRequest) shop.PlaceOrder {
	req := shop.CheckoutRequest{Items: items, Customer: buyer}
	return shop.PlaceOrder{ID: shop.NewOrderID(), ShopperID: shopper, IdempotencyKey: key, RequestHash: req.Hash(),
		Items: items, Customer: buyer, At: dbTime(time.Now())}
}

func ordersRun(s *Store) int64  { _, n := s.batcher.Stats(); return n }
func batchesRun(s *Store) int64 { n, _ := s.batcher.Stats(); return n }

func qty(id string, n int) shop.LineRequest { return shop.LineRequest{ProductID: id, Quantity: n} }

// One transaction decides each order on its own: later orders see the stock
// and purchases of earlier ones, rejected orders leave nothing behind, and
// keys of committed orders replay.
func TestBatchDecidesEachOrder(t *testing.T) {
	s := openTest(t, WithoutBatching())
	committed, _, err := s.PlaceOrder(t.Context(), checkout("s0", "k0", qty("b", 1)))
	if err != nil {
		t.Fatal(err)
	}
	// Duplicate keys never share a batch (the batcher defers them), so the
	// replay and the reuse here are of an order committed earlier.
	batch := []shop.PlaceOrder{
		checkout("s1", "k", qty("a", 2)),              // placed: a 3 → 1
		checkout("s2", "k", qty("a", 2)),              // sold out: 1 left
		checkout("s3", "k", qty("a", 1), qty("b", 1)), // placed: a 1 → 0
		checkout("s4", "k", qty("zzz", 1)),            // unknown product
		checkout("s5", "k", qty("b", 2)),              // placed: at the cap
		checkout("s0", "k1", qty("b", 2)),             // over the cap: s0 already has 1
		checkout("s0", "k0", qty("b", 1)),             // replay
	}
	out := s.place(t.Context(), batch)
	out = append(out, s.place(t.Context(), []shop.PlaceOrder{checkout("s0", "k0", qty("b", 2))})...)
	want := []string{"", shop.ESOLDOUT, "", shop.EINVALID, "", shop.ELIMIT, "", shop.EIDEMPOTENCY}
	for i, o := range out {
		if got := shop.ErrorCode(o.err); got != want[i] {
			t.Errorf("order %d: code %q (%v), want %q", i, got, o.err, want[i])
		}
	}
	if !out[6].replayed || out[6].order.ID != committed.ID {
		t.Errorf("replay = %+v, want order %s replayed", out[6], committed.ID)
	}
	for i, id := range []string{"a", "b"} {
		p, _ := s.GetProduct(t.Context(), id)
		if want := []int{0, 96}[i]; p.Stock != want {
			t.Errorf("stock of %s = %d, want %d", id, p.Stock, want)
		}
	}
	for i, p := range batch[:6] {
		orders, err := s.ListOrders(t.Context(), p.ShopperID, shop.OrderPage{})
		if err != nil {
			t.Fatal(err)
		}
		placed := 0
		for _, o := range orders {
			if o.ID == p.ID {
				placed++
				if o.Total != out[i].order.Total || len(o.Items) != len(p.Items) {
					t.Errorf("order %d stored as %+v, returned as %+v", i, o, out[i].order)
				}
			}
		}
		if wantPlaced := map[bool]int{true: 1, false: 0}[want[i] == ""]; placed != wantPlaced {
			t.Errorf("order %d stored %d times, want %d", i, placed, wantPlaced)
		}
	}
}

// An order that breaks the whole transaction (here: an order id that is
// already taken) fails alone; the others of its batch are still placed.
func TestBatchIsolatesAFailingOrder(t *testing.T) {
	s := openTest(t, WithoutBatching())
	first, _, err := s.PlaceOrder(t.Context(), checkout("s0", "k0", qty("b", 1)))
	if err != nil {
		t.Fatal(err)
	}
	clash := checkout("s2", "k", qty("b", 1))
	clash.ID = first.ID
	out := s.place(t.Context(), []shop.PlaceOrder{checkout("s1", "k", qty("b", 1)), clash, checkout("s3", "k", qty("b", 1))})
	for i, want := range []string{"", shop.ECONFLICT, ""} {
		if got := shop.ErrorCode(out[i].err); got != want {
			t.Errorf("order %d: code %q (%v), want %q", i, got, out[i].err, want)
		}
	}
	if p, _ := s.GetProduct(t.Context(), "b"); p.Stock != 97 {
		t.Errorf("stock = %d, want 97", p.Stock)
	}
}

// Concurrent checkouts really share transactions, and two requests with the
// same key arriving together still make one order.
func TestBatcherCoalesces(t *testing.T) {
	s := openTest(t, WithBatching(Batching{MaxBatch: 64, MaxWait: 100 * time.Millisecond, Workers: 1}))
	if _, err := s.SetStock(t.Context(), "b", 1000); err != nil {
		t.Fatal(err)
	}
	const n = 40
	type result struct {
		o        shop.Order
		replayed bool
		err      error
	}
	results := make(chan result, n)
	for i := range n {
		go func() {
			p := checkout(fmt.Sprint("s", i), "k", qty("b", 1))
			if i%13 == 0 { // four requests for one (shopper, key)
				p = checkout("same", "k", qty("b", 1))
			}
			o, replayed, err := s.PlaceOrder(t.Context(), p)
			results <- result{o, replayed, err}
		}()
	}
	var sameIDs = map[string]int{}
	fresh := 0
	for range n {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.o.ShopperID == "same" {
			sameIDs[r.o.ID]++
			if !r.replayed {
				fresh++
			}
		}
	}
	if len(sameIDs) != 1 || fresh != 1 {
		t.Errorf("same-key requests got orders %v with %d fresh; want one order placed once", sameIDs, fresh)
	}
	if p, _ := s.GetProduct(t.Context(), "b"); p.Stock != 1000-37 {
		t.Errorf("stock = %d, want %d", p.Stock, 1000-37)
	}
	batches, orders := s.batcher.Stats()
	if orders != n || batches > 5 {
		t.Errorf("%d checkouts ran in %d batches; want them coalesced", orders, batches)
	}
}

// Close answers every queued checkout before it returns.
func TestCloseDrainsQueue(t *testing.T) {
	s := openTest(t, WithBatching(Batching{MaxBatch: 8, MaxWait: 20 * time.Millisecond, Workers: 1}))
	if _, err := s.SetStock(t.Context(), "b", 1000); err != nil {
		t.Fatal(err)
	}
	const n = 30
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, _, err := s.PlaceOrder(t.Context(), checkout(fmt.Sprint("s", i), "k", qty("b", 1)))
			errs <- err
		}()
	}
	for ordersRun(s) == 0 {
		time.Sleep(time.Millisecond)
	}
	s.batcher.Close()
	placed := 0
	for range n {
		if err := <-errs; err == nil {
			placed++
		} else if shop.ErrorCode(err) != shop.EINTERNAL {
			t.Errorf("unexpected error: %v", err)
		}
	}
	if placed == 0 {
		t.Fatal("no checkout placed")
	}
	p, err := s.GetProduct(t.Context(), "b")
	if err != nil || p.Stock != 1000-placed {
		t.Errorf("stock = %d, %v; want %d (one unit per successful checkout)", p.Stock, err, 1000-placed)
	}
}
