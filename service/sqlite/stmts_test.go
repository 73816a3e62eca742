package sqlite

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/flashscale/flashscale/service/shop"
)

// Prepared statements only save work while their connections live: a
// reader pool that closes connections on release parses every statement
// again on the next one it opens.
func TestReadersKeepTheirConnections(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "flashscale.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.SeedProducts(t.Context(), shop.SeedCatalog()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 50 {
				if _, err := s.ListProducts(t.Context()); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.ListOrders(t.Context(), "nobody", shop.OrderPage{}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	st := s.r.Stats()
	if st.MaxIdleClosed != 0 || st.MaxLifetimeClosed != 0 || st.MaxIdleTimeClosed != 0 {
		t.Errorf("reader pool closed connections: %+v", st)
	}
	if st.OpenConnections < 2 {
		t.Errorf("reads ran on %d connection(s); the test needs concurrency to mean anything", st.OpenConnections)
	}
}

// A closed store answers with an error rather than a panic on the closed
// statements.
func TestClosedStoreErrors(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "flashscale.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetProduct(t.Context(), "x"); shop.ErrorCode(err) != shop.EINTERNAL {
		t.Errorf("GetProduct after Close = %v; want an internal error", err)
	}
	if _, err := s.ListOrders(t.Context(), "x", shop.OrderPage{}); shop.ErrorCode(err) != shop.EINTERNAL {
		t.Errorf("ListOrders after Close = %v; want an internal error", err)
	}
}
