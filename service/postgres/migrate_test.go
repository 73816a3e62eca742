package postgres

import (
	"database/sql"
	"io/fs"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/storetest"
)

func TestMigrationKeepsThePreviousReleaseWorking(t *testing.T) {
	url := pgtest.NewDatabase(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fsys, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	// The previous release's statements, in its column lists.
	prev := storetest.PreviousRelease{DB: db,
		InsertProduct: `INSERT INTO products (id, position, name, description, image_url, price, mrp, currency,
			stock, sale_starts_at, sale_ends_at, max_per_shopper) VALUES ($1, 0, $1, '', '', 100, 200, 'INR', 5, NULL, NULL, 0)`,
		InsertOrder: `INSERT INTO orders (id, shopper_id, idempotency_key, request_hash, total, currency,
			customer_name, customer_email, customer_phone, customer_address, status, created_at)
			VALUES ($1, $2, $3, 'h', 100, 'INR', 'Ravi', 'ravi@example.in', '9876543210', '4 Park Street, Kolkata',
			'Processing', now()) RETURNING seq`,
		InsertItem: `INSERT INTO order_items (order_seq, line_no, product_id, name, unit_price, quantity, line_total)
			VALUES ($1, 0, 'old-thing', 'Old', 100, 1, 100)`,
		SelectOrders: `SELECT o.seq, o.id, o.shopper_id, o.request_hash, o.total, o.currency, o.customer_name,
			o.customer_email, o.customer_phone, o.customer_address, o.status, o.created_at FROM orders o WHERE o.shopper_id = $1`,
	}
	storetest.CheckMigration(t, prev, func() shop.Store {
		s, err := Open(t.Context(), url, 2)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
