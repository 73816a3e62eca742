package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/shop"
)

// benchPool is the pool size of both contenders: the same connections, so
// the difference is how they are used.
const benchPool = 16

// naiveWindow is how long the naive baseline is measured, once per client
// count.
const naiveWindow = 3 * time.Second

var keySeq atomic.Int64

// BenchmarkHotSKU measures checkouts per second when every shopper wants the
// same product: the batching store against a naive loop that spends one
// transaction (decrement the row, insert the order, commit) per order, on
// the same database with the same pool size. It reports orders/s for both
// and their ratio (x_naive), and fails if the units sold differ from the
// stock decrease.
//
//	go test -run '^$' -bench HotSKU -benchtime 20000x ./service/postgres/
func BenchmarkHotSKU(b *testing.B) {
	url := pgtest.NewDatabase(b)
	ctx := context.Background()
	s, err := Open(ctx, url, benchPool)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	naivePool, err := pgxpool.New(ctx, url+"&pool_max_conns="+fmt.Sprint(benchPool))
	if err != nil {
		b.Fatal(err)
	}
	defer naivePool.Close()

	for _, clients := range []int{256, 1024} {
		hot, naiveHot := fmt.Sprint("hot-", clients), fmt.Sprint("naive-", clients)
		if _, err := s.pool.Exec(ctx, `INSERT INTO products (id, name, price, mrp, currency, stock) VALUES
			($1, 'Hot', 109900, 449000, 'INR', $3), ($2, 'Naive', 109900, 449000, 'INR', $3)
			ON CONFLICT (id) DO NOTHING`, hot, naiveHot, shop.MaxStock); err != nil {
			b.Fatal(err)
		}
		var naiveRate float64
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			if naiveRate == 0 {
				naiveRate = measureNaive(b, naivePool, naiveHot, clients)
			}
			before := stockOf(b, s, hot)
			base := keySeq.Add(int64(b.N)) - int64(b.N) // keys stay unique over b.N rounds
			batches0, orders0 := s.batcher.Stats()
			b.ResetTimer()
			elapsed := drive(clients, b.N, func(i int) error {
				req := shop.CheckoutRequest{Items: []shop.LineRequest{{ProductID: hot, Quantity: 1}}, Customer: buyer}
				_, _, err := s.PlaceOrder(ctx, shop.PlaceOrder{ID: shop.NewOrderID(),
					ShopperID: fmt.Sprint("shopper-", i%clients), IdempotencyKey: fmt.Sprint("key-", base+int64(i)),
					RequestHash: req.Hash(), Items: req.Items, Customer: buyer, At: time.Now()})
				return err
			})
			b.StopTimer()
			rate := float64(b.N) / elapsed.Seconds()
			b.ReportMetric(rate, "orders/s")
			b.ReportMetric(naiveRate, "naive_orders/s")
			b.ReportMetric(rate/naiveRate, "x_naive")
			if batches := batchesRun(s) - batches0; batches > 0 {
				b.ReportMetric(float64(ordersRun(s)-orders0)/float64(batches), "orders/batch")
			}
			sold := unitsSold(b, s.pool, hot)
			if after := stockOf(b, s, hot); before-after != b.N || sold != shop.MaxStock-after {
				b.Fatalf("stock %d → %d for %d orders; order items hold %d units of %d taken", before, after, b.N, sold, shop.MaxStock-after)
			}
		})
	}
}

// measureNaive runs the one-transaction-per-order loop for naiveWindow and
// returns its orders per second.
func measureNaive(b *testing.B, pool *pgxpool.Pool, product string, clients int) float64 {
	ctx := context.Background()
	var seq atomic.Int64
	var placed atomic.Int64
	deadline := time.Now().Add(naiveWindow)
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Value
	for c := range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				i := seq.Add(1)
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					tag, err := tx.Exec(ctx, `UPDATE products SET stock = stock - 1 WHERE id = $1 AND stock >= 1`, product)
					if err != nil || tag.RowsAffected() != 1 {
						return fmt.Errorf("naive decrement: %v (%d rows)", err, tag.RowsAffected())
					}
					_, err = tx.Exec(ctx, `INSERT INTO orders (id, shopper_id, idempotency_key, request_hash, total, currency,
						customer_name, customer_email, customer_phone, customer_address, status, created_at)
						VALUES ($1, $2, $3, '', 109900, 'INR', $4, $5, $6, $7, 'Processing', now())`,
						shop.NewOrderID(), fmt.Sprint("naive-", c), fmt.Sprint(product, "-", i),
						buyer.Name, buyer.Email, buyer.Phone, buyer.Address)
					return err
				})
				if err != nil {
					failed.Store(err)
					return
				}
				placed.Add(1)
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT stock FROM products WHERE id = $1`, product).Scan(&left); err != nil {
		b.Fatal(err)
	}
	if int64(shop.MaxStock-left) != placed.Load() {
		b.Fatalf("naive loop placed %d orders but stock fell by %d", placed.Load(), shop.MaxStock-left)
	}
	return float64(placed.Load()) / time.Since(start).Seconds()
}

// drive runs n calls of fn spread over clients goroutines and returns the
// wall time; any error fails the run.
func drive(clients, n int, fn func(i int) error) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for range min(clients, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		panic(err)
	}
	return time.Since(start)
}

func stockOf(b *testing.B, s *Store, id string) int {
	p, err := s.GetProduct(context.Background(), id)
	if err != nil {
		b.Fatal(err)
	}
	return p.Stock
}

func unitsSold(b *testing.B, pool *pgxpool.Pool, id string) int {
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT coalesce(sum(quantity), 0) FROM order_items WHERE product_id = $1`, id).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}
