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

	"github.com/flashscale/flashscale/service/benchreport"
	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/shop"
)

// benchPool is the pool size of both contenders: the same connections, so
// the difference is how they are used.
const benchPool = 16

// window is how long each run of a pair takes orders.
const window = 1500 * time.Millisecond

// hotTarget is the least median of batched/naive orders per second.
const hotTarget = 3.0

var keySeq atomic.Int64

// BenchmarkHotSKU measures checkouts per second when every shopper wants the
// same product: the batching store against a naive loop that spends one
// transaction (decrement the row, insert the order, commit) per order, on
// the same database with the same pool size, interleaved in the same run
// (A B A B, see package benchreport). It reports the median ratio of three
// pairs (x_naive) with min and max, fails below 3×, and fails if the units
// sold differ from the stock decrease.
//
//	go test -run '^$' -bench HotSKU -benchtime 1x ./service/postgres/
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
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			var rates, naiveRates []float64
			run := 0
			product := func(kind string) string {
				run++
				id := fmt.Sprintf("%s-%d-%d", kind, clients, run)
				if _, err := s.pool.Exec(ctx, `INSERT INTO products (id, name, price, mrp, currency, stock)
					VALUES ($1, 'Hot', 109900, 449000, 'INR', $2)`, id, shop.MaxStock); err != nil {
					b.Fatal(err)
				}
				return id
			}
			batches0, orders0 := s.batcher.Stats()
			ratio := benchreport.Interleave(benchreport.MinPairs, func() float64 {
				r := measureNaive(b, naivePool, product("naive"), clients)
				naiveRates = append(naiveRates, r)
				return r
			}, func() float64 {
				r := measureBatched(b, s, product("hot"), clients)
				rates = append(rates, r)
				return r
			})
			b.ReportMetric(benchreport.Median(rates), "orders/s")
			b.ReportMetric(benchreport.Median(naiveRates), "naive_orders/s")
			b.ReportMetric(ratio.Median, "x_naive")
			b.ReportMetric(ratio.Min, "x_min")
			b.ReportMetric(ratio.Max, "x_max")
			perBatch := 1.0
			if batches := batchesRun(s) - batches0; batches > 0 {
				perBatch = float64(ordersRun(s)-orders0) / float64(batches)
			}
			b.ReportMetric(perBatch, "orders/batch")
			pass := ratio.Median >= hotTarget
			if err := benchreport.Record(benchreport.Result{
				Scenario: fmt.Sprintf("postgres-hot-sku/clients=%d", clients),
				Metric:   "PostgreSQL checkouts/s: group commit vs one transaction per order",
				Ratio:    ratio, Target: hotTarget, Pass: pass,
				Extra: map[string]string{
					"orders/s":     fmt.Sprintf("%.0f vs %.0f", benchreport.Median(rates), benchreport.Median(naiveRates)),
					"orders/batch": fmt.Sprintf("%.1f", perBatch),
				},
			}); err != nil {
				b.Fatal(err)
			}
			b.Logf("x_naive %v", ratio)
			if !pass {
				b.Fatalf("x_naive %v is below the %.0f× target", ratio, hotTarget)
			}
		})
	}
}

// measureBatched lets clients check out one unit each through the store,
// over and over, for window, checks the units sold equal the stock
// decrease, and returns orders per second.
func measureBatched(b *testing.B, s *Store, product string, clients int) float64 {
	ctx := context.Background()
	var placed atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(window)
	for c := range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				req := shop.CheckoutRequest{Items: []shop.LineRequest{{ProductID: product, Quantity: 1}}, Customer: buyer}
				_, _, err := s.PlaceOrder(ctx, shop.PlaceOrder{ID: shop.NewOrderID(),
					ShopperID: fmt.Sprint("shopper-", c), IdempotencyKey: fmt.Sprint("key-", keySeq.Add(1)),
					RequestHash: req.Hash(), Items: req.Items, Customer: buyer, At: time.Now()})
				if err != nil {
					failed.Store(err)
					return
				}
				placed.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	sold := unitsSold(b, s.pool, product)
	if after := stockOf(b, s, product); int64(shop.MaxStock-after) != placed.Load() || sold != shop.MaxStock-after {
		b.Fatalf("stock fell by %d for %d orders; order items hold %d units", shop.MaxStock-after, placed.Load(), sold)
	}
	return float64(placed.Load()) / elapsed.Seconds()
}

// measureNaive runs the one-transaction-per-order loop for window and
// returns its orders per second.
func measureNaive(b *testing.B, pool *pgxpool.Pool, product string, clients int) float64 {
	ctx := context.Background()
	var seq atomic.Int64
	var placed atomic.Int64
	deadline := time.Now().Add(window)
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
