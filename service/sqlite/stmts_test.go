package sqlite

import (
	"cmp"
	"path/filepath"
	"slices"
	"strings"
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

// A checkout writes one leaf page of every index that starts with
// shopper_id, so orders has only the one idempotency needs, and "my orders"
// is served by it: the page's seqs from the index alone, then the page's
// rows by rowid, never a scan of the table. The plan is checked after
// ANALYZE on a shopper with thousands of orders, where a scan of seq
// backwards might look cheaper to the planner.
func TestOrdersPageUsesTheIdempotencyIndex(t *testing.T) {
	s := openEmpty(t)
	byShopper := 0
	rows, err := s.w.QueryContext(t.Context(), `SELECT il.name, ii.name FROM pragma_index_list('orders') il
		JOIN pragma_index_info(il.name) ii WHERE ii.seqno = 0`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var index, first string
		if err := rows.Scan(&index, &first); err != nil {
			t.Fatal(err)
		}
		if first == "shopper_id" {
			byShopper++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if byShopper != 1 {
		t.Errorf("orders has %d indexes that start with shopper_id; want 1 (UNIQUE (shopper_id, idempotency_key))", byShopper)
	}

	const orders = 3000
	if _, err := s.w.ExecContext(t.Context(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO orders (id, shopper_id, idempotency_key, request_hash, total, currency, customer_name,
			customer_email, customer_phone, customer_address, status, created_at)
		SELECT 'FS-' || i, CASE WHEN i % 10 = 0 THEN 'other-' || i ELSE 'heavy' END, 'key-' || i, 'h', 100, 'INR',
			'Ravi', 'ravi@example.in', '9876543210', '4 Park Street, Kolkata', 'Processing', '2026-01-01T00:00:00.000000Z'
		FROM n`, orders); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(t.Context(), `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	plan, err := s.w.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+ordersPage, "heavy", 1<<62, 20)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for plan.Next() {
		var id, parent, unused int
		var detail string
		if err := plan.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := plan.Err(); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(steps, "\n")
	for _, want := range []string{"SEARCH orders USING COVERING INDEX sqlite_autoindex_orders_2 (shopper_id=?)",
		"SEARCH orders USING INTEGER PRIMARY KEY (rowid=?)"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the orders page's plan lacks %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "SCAN orders") {
		t.Errorf("the orders page scans the table:\n%s", joined)
	}

	// And it still pages newest first across the whole history.
	var seen []int64
	page := shop.OrderPage{Limit: 100}
	for {
		got, err := s.ListOrders(t.Context(), "heavy", page)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range got {
			seen = append(seen, o.Seq)
		}
		if len(got) < page.Limit {
			break
		}
		page.Before = got[len(got)-1].Seq
	}
	if len(seen) != orders*9/10 || !slices.IsSortedFunc(seen, func(a, b int64) int { return cmp.Compare(b, a) }) {
		t.Errorf("paged %d of the shopper's %d orders; want all, newest first", len(seen), orders*9/10)
	}
}
