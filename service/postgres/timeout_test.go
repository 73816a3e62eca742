package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/shop"
)

// Readiness must not queue behind shopper traffic: with every connection
// of the store's pool taken, Ping still answers, over its own connection.
func TestPingDoesNotQueueBehindThePool(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	for range 6 { // the whole pool
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.Ping(pctx); err != nil {
		t.Fatalf("Ping with the pool in use: %v", err)
	}
}

// The server bounds what a caller without a deadline would wait for: with
// WithStatementTimeout, a lock held by another session ends a read and a
// checkout batch at lock_timeout with EUNAVAILABLE (a 503, retry) for
// every order of the batch, and nothing is written.
func TestServerSideTimeoutsEndLockWaits(t *testing.T) {
	url := pgtest.NewDatabase(t)
	s, err := Open(t.Context(), url, 6, WithStatementTimeout(400*time.Millisecond), WithoutBatching())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.SeedProducts(t.Context(), []shop.Product{{ID: "a", Name: "A", Price: 1, MRP: 1, Currency: shop.Currency, Stock: 5}}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(t.Context(), `LOCK TABLE products, orders IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	// No deadline on the caller's side: only the server's timeouts end it.
	ctx := context.Background()
	if _, err := s.GetProduct(ctx, "a"); shop.ErrorCode(err) != shop.EUNAVAILABLE {
		t.Errorf("GetProduct under the lock: %v; want %s", err, shop.EUNAVAILABLE)
	}
	batch := []shop.PlaceOrder{checkout("s1", "k", qty("a", 1)), checkout("s2", "k", qty("a", 1)), checkout("s3", "k", qty("a", 1))}
	for i, out := range s.place(ctx, batch) {
		if shop.ErrorCode(out.err) != shop.EUNAVAILABLE {
			t.Errorf("order %d of a batch under the lock: %v; want %s", i, out.err, shop.EUNAVAILABLE)
		}
	}
	_ = tx.Rollback(context.Background())
	if p, err := s.GetProduct(ctx, "a"); err != nil || p.Stock != 5 {
		t.Fatalf("after the lock: %+v, %v", p, err)
	}
}
