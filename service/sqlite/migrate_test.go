package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/storetest"
)

func TestMigrationKeepsThePreviousReleaseWorking(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flashscale.db")
	db, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fsys, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	// The previous release's statements, in its column lists.
	prev := storetest.PreviousRelease{DB: db,
		InsertProduct: `INSERT INTO products (id, position, name, description, image_url,
			price, mrp, currency, stock, sale_starts_at, sale_ends_at, max_per_shopper, updated_at)
			VALUES (?1, 0, ?1, '', '', 100, 200, 'INR', 5, NULL, NULL, 0, '2026-01-01T00:00:00.000000Z')`,
		InsertOrder: `INSERT INTO orders (id, shopper_id, idempotency_key, request_hash, total, currency,
			customer_name, customer_email, customer_phone, customer_address, status, created_at)
			VALUES (?, ?, ?, 'h', 100, 'INR', 'Ravi', 'ravi@example.in', '9876543210', '4 Park Street, Kolkata', 'Processing',
			'2026-01-01T00:00:00.000000Z') RETURNING seq`,
		InsertItem: `INSERT INTO order_items (order_seq, line_no, product_id, name, unit_price, quantity, line_total)
			VALUES (?, 0, 'old-thing', 'Old', 100, 1, 100)`,
		SelectOrders: `SELECT seq, id, shopper_id, request_hash, total, currency, customer_name,
			customer_email, customer_phone, customer_address, status, created_at FROM orders WHERE shopper_id = ?`,
	}
	storetest.CheckMigration(t, prev, func() shop.Store {
		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
