package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/sqlite"
	"github.com/flashscale/flashscale/service/storetest"
)

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) shop.Store {
		return open(t, filepath.Join(t.TempDir(), "flashscale.db"))
	})
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
