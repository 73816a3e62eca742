package postgres_test

import (
	"sync"
	"testing"

	"github.com/flashscale/flashscale/service/postgres"
	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/storetest"
)

// poolSize is kept small: the test server's max_connections is shared with
// every other test binary running at the same time.
const poolSize = 6

func open(t *testing.T, url string, opts ...postgres.Option) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url, poolSize, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// The contract must hold whether checkouts share transactions or not.
func TestContract(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []postgres.Option
	}{
		{"batched", nil},
		{"unbatched", []postgres.Option{postgres.WithoutBatching()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) shop.Store { return open(t, pgtest.NewDatabase(t), tc.opts...) })
		})
	}
}

// Two pods start at once on a fresh database (migrations and seeding race),
// then shoppers spread over both race for the same 50 units.
func TestTwoPodsShareStock(t *testing.T) {
	url := pgtest.NewDatabase(t)
	hot := []shop.Product{{ID: "p-hot", Name: "Hot", Price: 100, MRP: 200, Currency: shop.Currency, Stock: 50}}
	stores := make([]shop.Store, 2)
	seeded := make([]bool, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() {
			s, err := postgres.Open(t.Context(), url, poolSize)
			if err != nil {
				errs[i] = err
				return
			}
			t.Cleanup(func() { _ = s.Close() })
			stores[i] = s
			seeded[i], errs[i] = s.SeedProducts(t.Context(), hot)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if seeded[0] == seeded[1] {
		t.Fatalf("seeded = %v; want exactly one pod to seed", seeded)
	}
	storetest.HotProductRace(t, stores, storetest.HotProductCheckouts, 50)
}

func TestOpenFailsOnUnreachableDatabase(t *testing.T) {
	_, err := postgres.Open(t.Context(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", 1)
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
}

// kill -9 during a batched sale loses no acknowledged order and leaves the
// stock equal to what the stored orders took.
func TestCrashKeepsEveryAcknowledgedOrder(t *testing.T) {
	storetest.Crash(t, storetest.CrashStore{
		Target: func(t *testing.T) string { return pgtest.NewDatabase(t) },
		Open:   func(t *testing.T, url string) shop.Store { return open(t, url) },
	})
}
