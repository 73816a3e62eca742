package sqlite_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/sqlite"
)

// The benchmarks cover the requests a sale-day shopper makes most, so a
// change to how the store talks to SQLite can be measured without the
// whole server: go test -run '^$' -bench . ./service/sqlite/

var benchCustomer = shop.Customer{Name: "Asha Rao", Email: "asha@example.in", Phone: "+91 98765 43210",
	Address: "12 MG Road, Bengaluru 560001"}

func benchOrder(shopper, product string) shop.PlaceOrder {
	items := []shop.LineRequest{{ProductID: product, Quantity: 1}}
	req := shop.CheckoutRequest{Items: items, Customer: benchCustomer}
	return shop.PlaceOrder{ID: shop.NewOrderID(), ShopperID: shopper, IdempotencyKey: shop.NewOrderID(),
		RequestHash: req.Hash(), Items: items, Customer: benchCustomer, At: time.Now()}
}

// benchStore is a seeded store whose first product has plenty of stock, and
// shopper "bench" has three orders (of different products: they are capped
// per shopper).
func benchStore(b *testing.B) (*sqlite.Store, string) {
	b.Helper()
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "flashscale.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	catalog := shop.SeedCatalog()
	if _, err := s.SeedProducts(b.Context(), catalog); err != nil {
		b.Fatal(err)
	}
	id := catalog[0].ID
	if _, err := s.SetStock(b.Context(), id, 1_000_000); err != nil {
		b.Fatal(err)
	}
	for _, p := range catalog[:3] {
		if _, _, err := s.PlaceOrder(b.Context(), benchOrder("bench", p.ID)); err != nil {
			b.Fatal(err)
		}
	}
	return s, id
}

func BenchmarkGetProduct(b *testing.B) {
	s, id := benchStore(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.GetProduct(b.Context(), id); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkListProducts(b *testing.B) {
	s, _ := benchStore(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.ListProducts(b.Context()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkListOrders(b *testing.B) {
	s, _ := benchStore(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if os, err := s.ListOrders(b.Context(), "bench", shop.OrderPage{}); err != nil || len(os) != 3 {
				b.Errorf("ListOrders = %d orders, %v; want 3", len(os), err)
				return
			}
		}
	})
}

// BenchmarkPlaceOrder includes one fsync per order (synchronous=FULL).
func BenchmarkPlaceOrder(b *testing.B) {
	s, id := benchStore(b)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := s.PlaceOrder(b.Context(), benchOrder(fmt.Sprint("shopper-", n.Add(1)), id)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
