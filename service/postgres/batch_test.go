package postgres

import (
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/storetest"
)

// openEmpty opens a store with an empty catalog.
func openEmpty(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.NewDatabase(t), 6, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openTest opens a store with products a (3 in stock) and b (100, at most
// 2 per shopper).
func openTest(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s := openEmpty(t, opts...)
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

// Concurrent checkouts really share transactions; Close answers every
// queued checkout before it returns.
func TestBatcher(t *testing.T) {
	batched := func(t *testing.T, cfg Batching) storetest.Batched {
		s := openEmpty(t, WithBatching(cfg))
		return storetest.Batched{Store: s, Stats: s.batcher.Stats, CloseBatcher: s.batcher.Close}
	}
	t.Run("Coalesces", func(t *testing.T) {
		storetest.BatchCoalesces(t, batched(t, Batching{MaxBatch: 64, MaxWait: 100 * time.Millisecond, Workers: 1}))
	})
	t.Run("CloseDrainsQueue", func(t *testing.T) {
		storetest.BatchCloseDrains(t, batched(t, Batching{MaxBatch: 8, MaxWait: 20 * time.Millisecond, Workers: 1}))
	})
}
