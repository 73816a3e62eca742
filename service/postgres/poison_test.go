package postgres

import (
	"testing"

	"github.com/flashscale/flashscale/service/shop"
)

// A checkout with text PostgreSQL cannot store once failed its whole batch
// (SQLSTATE 22021), which then reran every order alone: 8 such clients cut
// other shoppers' throughput by two thirds. It is refused before it is
// queued: the batcher never sees it.
func TestPoisonCheckoutNeverEntersABatch(t *testing.T) {
	s := openTest(t)
	before := ordersRun(s)
	p := checkout("s1", "k1", qty("a", 1))
	p.Customer.Name = "Ravi\x00"
	if _, _, err := s.PlaceOrder(t.Context(), p); shop.ErrorCode(err) != shop.EINVALID {
		t.Fatalf("PlaceOrder with a NUL: %v; want %s", err, shop.EINVALID)
	}
	if n := ordersRun(s); n != before {
		t.Fatalf("the batcher took %d order(s) for a checkout that fails validation", n-before)
	}
	if _, _, err := s.PlaceOrder(t.Context(), checkout("s1", "k1", qty("a", 1))); err != nil {
		t.Fatalf("a valid order with the same key: %v", err)
	}
	if n := ordersRun(s); n != before+1 {
		t.Fatalf("batcher orders %d, want %d", n, before+1)
	}
}
