package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/sqlite"
	"github.com/flashscale/flashscale/service/sqlite/sqlitetest"
	"github.com/flashscale/flashscale/service/storetest"
)

func open(t *testing.T, path string, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, opts...)
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
		opts []sqlite.Option
	}{
		{"batched", nil},
		{"unbatched", []sqlite.Option{sqlite.WithoutBatching()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) shop.Store {
				return open(t, filepath.Join(t.TempDir(), "flashscale.db"), tc.opts...)
			})
		})
	}
}

// Open creates the data directory, and a reopened file keeps its data
// (migrations are not re-applied).
func TestOpenCreatesDirAndReopens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "data", "flashscale.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.SeedProducts(t.Context(), shop.SeedCatalog()); !ok || err != nil {
		t.Fatalf("seed: %v %v", ok, err)
	}
	if _, err := s.SetStock(t.Context(), "dell-inspiron-15", 7); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	if ok, err := s.SeedProducts(t.Context(), shop.SeedCatalog()); ok || err != nil {
		t.Fatalf("reseed after reopen: %v %v; want false, nil", ok, err)
	}
	p, err := s.GetProduct(t.Context(), "dell-inspiron-15")
	if err != nil || p.Stock != 7 {
		t.Fatalf("after reopen: %+v, %v", p, err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejectsBadPath(t *testing.T) {
	for _, path := range []string{"", filepath.Join(t.TempDir(), "x.db?mode=ro")} {
		if _, err := sqlite.Open(t.Context(), path); err == nil {
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}

// On a full disk reads still work, so readiness once said 200 while every
// checkout failed. Now a checkout that cannot be written fails with
// EUNAVAILABLE (503, retry), Ping fails until a write succeeds again, and
// both recover when space comes back: on a real tmpfs filled to ENOSPC
// (or, without the privilege to mount one, under RLIMIT_FSIZE).
func TestFullDiskFailsWritesAndReadinessThenRecovers(t *testing.T) {
	disk := sqlitetest.NewDisk(t, 8<<20)
	s := open(t, filepath.Join(disk.Dir, "flashscale.db"))
	ctx := t.Context()
	if ok, err := s.SeedProducts(ctx, shop.SeedCatalog()); !ok || err != nil {
		t.Fatalf("seed: %v %v", ok, err)
	}
	buy := func(key string) error {
		req := shop.CheckoutRequest{Items: []shop.LineRequest{{ProductID: "boat-airdopes-141", Quantity: 1}},
			Customer: shop.Customer{Name: "Asha Rao", Email: "asha@example.in", Phone: "+91 98765 43210",
				Address: "12 MG Road, Bengaluru 560001 " + strings.Repeat("x", 400)}}
		_, _, err := s.PlaceOrder(ctx, shop.PlaceOrder{ID: shop.NewOrderID(), ShopperID: "s-" + key, IdempotencyKey: key,
			RequestHash: req.Hash(), Items: req.Items, Customer: req.Customer, At: time.Now()})
		return err
	}
	if err := buy("before"); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping with space left: %v", err)
	}

	disk.Fill()
	placed := 1
	var failed error
	// The WAL may still have room for a few pages; the disk has none.
	for i := range 200 {
		if err := buy(fmt.Sprintf("full-%d", i)); err != nil {
			failed = err
			break
		}
		placed++
	}
	t.Logf("full disk by %s: %d checkout(s) still fitted, then: %v", disk.How, placed-1, failed)
	if shop.ErrorCode(failed) != shop.EUNAVAILABLE {
		t.Fatalf("checkout on a full disk: %v; want %s", failed, shop.EUNAVAILABLE)
	}
	if err := s.Ping(ctx); shop.ErrorCode(err) != shop.EUNAVAILABLE {
		t.Fatalf("Ping on a full disk after a failed write: %v; want %s", err, shop.EUNAVAILABLE)
	}
	if _, err := s.GetProduct(ctx, "boat-airdopes-141"); err != nil {
		t.Fatalf("reads must keep working on a full disk: %v", err)
	}

	disk.Free()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after space came back: %v", err)
	}
	if err := buy("after"); err != nil {
		t.Fatalf("checkout after space came back: %v", err)
	}
	placed++
	if p, err := s.GetProduct(ctx, "boat-airdopes-141"); err != nil || p.Stock != 1000-placed {
		t.Fatalf("stock %d, %v; want %d (%d orders placed)", p.Stock, err, 1000-placed, placed)
	}
}

// kill -9 during a batched sale loses no acknowledged order and leaves the
// stock equal to what the stored orders took.
func TestCrashKeepsEveryAcknowledgedOrder(t *testing.T) {
	storetest.Crash(t, storetest.CrashStore{
		Target: func(t *testing.T) string { return filepath.Join(t.TempDir(), "flashscale.db") },
		Open:   func(t *testing.T, path string) shop.Store { return open(t, path) },
	})
}
