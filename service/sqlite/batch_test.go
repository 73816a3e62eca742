package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/storetest"
)

// openEmpty opens a store with an empty catalog.
func openEmpty(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "flashscale.db"), opts...)
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

func qty(id string, n int) shop.LineRequest { return shop.LineRequest{ProductID: id, Quantity: n} }

func wantCodes(t *testing.T, out []outcome, want ...string) {
	t.Helper()
	for i, o := range out {
		if got := shop.ErrorCode(o.err); got != want[i] {
			t.Errorf("order %d: code %q (%v), want %q", i, got, o.err, want[i])
		}
	}
}

func wantStock(t *testing.T, s *Store, id string, want int) {
	t.Helper()
	if p, err := s.GetProduct(t.Context(), id); err != nil || p.Stock != want {
		t.Errorf("stock of %s = %d (%v), want %d", id, p.Stock, err, want)
	}
}

// One transaction decides each order on its own: later orders see the stock
// and purchases of earlier ones, rejected orders leave nothing behind, and
// keys of committed orders replay.
func TestBatchDecidesEachOrder(t *testing.T) {
	s := openTest(t, WithoutBatching())
	committed, _, err := s.PlaceOrder(t.Context(), checkout("s0", "k0", qty("b", 1)))
	if err != nil {
		t.Fatal(err)
	}
	batch := []shop.PlaceOrder{
		checkout("s1", "k", qty("a", 2)),              // placed: a 3 → 1
		checkout("s2", "k", qty("a", 2)),              // sold out: 1 left
		checkout("s3", "k", qty("a", 1), qty("b", 1)), // placed: a 1 → 0
		checkout("s4", "k", qty("zzz", 1)),            // unknown product
		checkout("s5", "k", qty("b", 2)),              // placed: at the cap
		checkout("s0", "k1", qty("b", 2)),             // over the cap: s0 already has 1
		checkout("s0", "k0", qty("b", 1)),             // replay
		checkout("s0", "k0", qty("b", 2)),             // same key, different request
	}
	out := s.place(t.Context(), batch)
	wantCodes(t, out, "", shop.ESOLDOUT, "", shop.EINVALID, "", shop.ELIMIT, "", shop.EIDEMPOTENCY)
	if !out[6].replayed || out[6].order.ID != committed.ID {
		t.Errorf("replay = %+v, want order %s replayed", out[6], committed.ID)
	}
	wantStock(t, s, "a", 0)
	wantStock(t, s, "b", 96)
	for i, p := range batch[:6] {
		got, err := s.GetOrder(t.Context(), p.ShopperID, p.ID)
		if placed := err == nil; placed != (out[i].err == nil) {
			t.Errorf("order %d stored %v (%v), answered %v", i, placed, err, out[i].err)
		}
		// One statement inserts the batch's orders: each answer must carry
		// the seq and items stored for its own order, not a neighbour's.
		if err == nil && (got.Seq != out[i].order.Seq || len(got.Items) != len(p.Items) || got.Total != out[i].order.Total) {
			t.Errorf("order %d stored as seq %d, %d items, total %d; answered seq %d, %d items, total %d",
				i, got.Seq, len(got.Items), got.Total, out[i].order.Seq, len(out[i].order.Items), out[i].order.Total)
		}
	}
}

// An order that fails halfway through its writes (here: an order id that
// is already taken) is rolled back to its savepoint; the orders before and
// after it in the same transaction are placed.
func TestBatchIsolatesAFailingOrder(t *testing.T) {
	s := openTest(t, WithoutBatching())
	first, _, err := s.PlaceOrder(t.Context(), checkout("s0", "k0", qty("b", 1)))
	if err != nil {
		t.Fatal(err)
	}
	clash := checkout("s2", "k", qty("b", 1))
	clash.ID = first.ID
	out := s.place(t.Context(), []shop.PlaceOrder{checkout("s1", "k", qty("b", 1)), clash, checkout("s3", "k", qty("b", 1))})
	wantCodes(t, out, "", shop.ECONFLICT, "")
	wantStock(t, s, "b", 97)
	for _, i := range []int{0, 2} {
		if got, err := s.GetOrder(t.Context(), out[i].order.ShopperID, out[i].order.ID); err != nil || got.Seq != out[i].order.Seq || len(got.Items) != 1 {
			t.Errorf("order %d after the clash: %+v, %v; want seq %d with its item", i, got, err, out[i].order.Seq)
		}
	}
	if units, err := s.PurchasedUnits(t.Context(), "s2", []string{"b"}); err != nil || units["b"] != 0 {
		t.Errorf("the failed order left purchases %v (%v)", units, err)
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
