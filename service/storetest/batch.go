package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// Batched is a store with group commit on, as the batching tests need it.
type Batched struct {
	shop.Store
	// Stats returns the batches and the orders in them run so far.
	Stats func() (batches, orders int64)
	// CloseBatcher stops the batcher alone, leaving the store readable.
	CloseBatcher func()
}

// BatchCoalesces checks that concurrent checkouts really share
// transactions, and that requests with the same key arriving together
// still make one order. The store should wait up to 100 ms for a batch of
// up to 64, with one worker.
func BatchCoalesces(t *testing.T, s Batched) {
	seed(t, s, shop.Product{ID: "b", Name: "B", Price: 250, MRP: 300, Currency: shop.Currency, Stock: 1000})
	const n = 40
	type result struct {
		o        shop.Order
		replayed bool
		err      error
	}
	results := make(chan result, n)
	for i := range n {
		go func() {
			p := order(fmt.Sprint("s", i), "k", line("b", 1))
			if i%13 == 0 { // four requests for one (shopper, key)
				p = order("same", "k", line("b", 1))
			}
			o, replayed, err := s.PlaceOrder(t.Context(), p)
			results <- result{o, replayed, err}
		}()
	}
	sameIDs := map[string]int{}
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
	wantStocks(t, s, map[string]int{"b": 1000 - 37})
	if batches, orders := s.Stats(); orders != n || batches > 5 {
		t.Errorf("%d checkouts ran in %d batches; want them coalesced", orders, batches)
	}
}

// BatchCloseDrains checks that closing the batcher answers every queued
// checkout, each answer true to the stock. The store should wait up to
// 20 ms for a batch of up to 8, with one worker.
func BatchCloseDrains(t *testing.T, s Batched) {
	seed(t, s, shop.Product{ID: "b", Name: "B", Price: 250, MRP: 300, Currency: shop.Currency, Stock: 1000})
	const n = 30
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, _, err := s.PlaceOrder(t.Context(), order(fmt.Sprint("s", i), "k", line("b", 1)))
			errs <- err
		}()
	}
	for {
		if _, orders := s.Stats(); orders > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	s.CloseBatcher()
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
	wantStocks(t, s, map[string]int{"b": 1000 - placed})
}
