// Package sqlite is the embedded shop.Store: one SQLite file, pure Go
// (modernc.org/sqlite, no cgo), for running the shop on one machine with no
// database server. SQLite allows one writer at a time, so every write goes
// through a single connection that begins its transactions IMMEDIATE (taking
// the write lock up front): checkouts queue in Go instead of failing with
// SQLITE_BUSY, and each one sees the stock the previous one left. Reads use
// a separate pool and, thanks to WAL, never wait for writes.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/flashscale/flashscale/service/groupcommit"
	"github.com/flashscale/flashscale/service/shop"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a shop.Store on one SQLite database file.
type Store struct {
	w  *sql.DB // the single writer connection
	r  *sql.DB // readers
	st *stmts
	// batcher groups concurrent checkouts into one transaction; nil when
	// batching is off.
	batcher *batcher
	// writeFailure is the last write's storage failure (disk full, I/O
	// error, read-only file), nil once a write succeeds again. Reads keep
	// working on a full disk, so without it readiness said 200 while every
	// checkout failed.
	writeFailure atomic.Pointer[error]
}

var _ shop.Store = (*Store)(nil)

// pragmas apply to every connection. busy_timeout only matters when another
// process holds the file; synchronous=FULL makes a commit durable before
// PlaceOrder returns, at the cost of one fsync per write transaction.
const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"

// Open opens (creating if needed, with its directory) the database at path
// and runs the embedded migrations. Checkouts are batched
// (DefaultBatching) unless an option says otherwise.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{batching: DefaultBatching()}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: invalid database path %q", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create data directory: %w", err)
	}
	// temp_store=MEMORY keeps the statement journal of a batch's
	// multi-row inserts in memory: on a file it cost a write syscall per
	// page each statement changed.
	w, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(readers)
	// database/sql keeps only 2 idle connections by default: under load the
	// others were closed on release and reopened (pragmas, WAL setup and
	// every prepared statement again) on the next read.
	r.SetMaxIdleConns(readers)
	st, err := prepare(ctx, r, w)
	if err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	s := &Store{w: w, r: r, st: st}
	if o.batching.Enabled() {
		s.batcher = groupcommit.New(o.batching, s.place)
	}
	return s, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// Ping checks the database can be read and, when the last write failed
// for want of storage, that it can be written again: a write probe (one
// page: the header's user_version) tells when space has come back.
// Healthy, Ping never writes, so readiness never queues behind checkouts
// for the single writer connection.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return translate(err, "")
	}
	if s.writeFailure.Load() == nil {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var v int32
		if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, (v+1)&0xffff))
		return err
	})
	if err != nil {
		return shop.Unavailable(err, "The database cannot be written (disk full or read-only?).")
	}
	return nil
}

// Close stops the batcher (checkouts already queued are still answered),
// then closes the prepared statements and both pools.
func (s *Store) Close() error {
	if s.batcher != nil {
		s.batcher.Close()
	}
	return errors.Join(s.st.close(), s.r.Close(), s.w.Close())
}

// write runs fn in an IMMEDIATE transaction on the writer connection and
// keeps track of whether the database can be written (see Ping).
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	defer func() { s.noteWrite(err) }()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// noteWrite records a write's outcome for readiness: a storage failure
// marks the store unwritable, a commit clears the mark. Other failures (a
// rejected order, a cancelled request) say nothing about the disk.
func (s *Store) noteWrite(err error) {
	switch {
	case err == nil:
		if s.writeFailure.Load() != nil {
			s.writeFailure.Store(nil)
		}
	case storageFailure(err):
		s.writeFailure.Store(&err)
	}
}

// SeedProducts inserts products when the catalog is empty. Writes are
// serialised, so the emptiness check and the inserts are atomic.
func (s *Store) SeedProducts(ctx context.Context, products []shop.Product) (bool, error) {
	if len(products) == 0 {
		return false, nil
	}
	for _, p := range products {
		if err := shop.ValidateStock(p.Stock); err != nil {
			return false, err
		}
		if err := p.SaleWindow.Validate(); err != nil {
			return false, err
		}
	}
	inserted := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM products)`).Scan(&exists); err != nil || exists {
			return err
		}
		now := fmtTime(time.Now())
		for i, p := range products {
			cur := p.Currency
			if cur == "" {
				cur = shop.Currency
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO products (id, position, name, description, category, image_url,
				price, mrp, currency, stock, sale_starts_at, sale_ends_at, max_per_shopper, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				p.ID, i, p.Name, p.Description, p.Category, p.ImageURL, p.Price, p.MRP, cur, p.Stock,
				fmtTimePtr(p.SaleStartsAt), fmtTimePtr(p.SaleEndsAt), p.MaxPerShopper, now); err != nil {
				return err
			}
		}
		inserted = true
		return nil
	})
	if err != nil {
		return false, translate(err, "Seeding the catalog failed.")
	}
	return inserted, nil
}

const productColumns = `id, name, description, category, image_url, price, mrp, currency, stock,
	sale_starts_at, sale_ends_at, max_per_shopper`

type scanner interface{ Scan(dest ...any) error }

func scanProduct(row scanner) (shop.Product, error) {
	var p shop.Product
	var starts, ends sql.NullString
	err := row.Scan(&p.ID, &p.Name, &p.Description, &p.Category, &p.ImageURL, &p.Price, &p.MRP, &p.Currency, &p.Stock,
		&starts, &ends, &p.MaxPerShopper)
	if err != nil {
		return p, err
	}
	if p.SaleStartsAt, err = parseTimePtr(starts); err != nil {
		return p, err
	}
	p.SaleEndsAt, err = parseTimePtr(ends)
	return p, err
}

// ListProducts returns the catalog in seed order.
func (s *Store) ListProducts(ctx context.Context) ([]shop.Product, error) {
	rows, err := s.st.listProducts.QueryContext(ctx)
	if err != nil {
		return nil, translate(err, "Listing products failed.")
	}
	defer rows.Close()
	var out []shop.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, translate(err, "Listing products failed.")
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "Listing products failed.")
	}
	return out, nil
}

// GetProduct returns one product with its current stock.
func (s *Store) GetProduct(ctx context.Context, id string) (shop.Product, error) {
	p, err := scanProduct(s.st.getProduct.QueryRowContext(ctx, id))
	if err != nil {
		return shop.Product{}, translate(err, "Product not found.")
	}
	return p, nil
}

// PurchasedUnits returns the units the shopper bought of each product.
func (s *Store) PurchasedUnits(ctx context.Context, shopperID string, productIDs []string) (map[string]int, error) {
	out := make(map[string]int, len(productIDs))
	if len(productIDs) == 0 {
		return out, nil
	}
	idsJSON, _ := json.Marshal(productIDs)
	rows, err := s.st.readPurchases.QueryContext(ctx, shopperID, string(idsJSON))
	if err != nil {
		return nil, translate(err, "Purchases not found.")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, translate(err, "Purchases not found.")
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "Purchases not found.")
	}
	return out, nil
}

// SetStock sets a product's stock (admin restock or correction).
func (s *Store) SetStock(ctx context.Context, id string, stock int) (shop.Product, error) {
	if err := shop.ValidateStock(stock); err != nil {
		return shop.Product{}, err
	}
	var p shop.Product
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		p, err = scanProduct(tx.QueryRowContext(ctx, `UPDATE products SET stock = ?, updated_at = ?
			WHERE id = ? RETURNING `+productColumns, stock, fmtTime(time.Now()), id))
		return err
	})
	if err != nil {
		return shop.Product{}, translate(err, "Product not found.")
	}
	return p, nil
}

// SetSaleWindow sets when a product may be bought; nil bounds are open.
func (s *Store) SetSaleWindow(ctx context.Context, id string, win shop.SaleWindow) (shop.Product, error) {
	if err := win.Validate(); err != nil {
		return shop.Product{}, err
	}
	var p shop.Product
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		p, err = scanProduct(tx.QueryRowContext(ctx, `UPDATE products
			SET sale_starts_at = ?, sale_ends_at = ?, updated_at = ? WHERE id = ? RETURNING `+productColumns,
			fmtTimePtr(win.SaleStartsAt), fmtTimePtr(win.SaleEndsAt), fmtTime(time.Now()), id))
		return err
	})
	if err != nil {
		return shop.Product{}, translate(err, "Product not found.")
	}
	return p, nil
}

// SetMaxPerShopper sets a product's per-shopper cap (admin).
func (s *Store) SetMaxPerShopper(ctx context.Context, id string, n int) (shop.Product, error) {
	if err := shop.ValidateLimit(n); err != nil {
		return shop.Product{}, err
	}
	var p shop.Product
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		p, err = scanProduct(tx.QueryRowContext(ctx, `UPDATE products SET max_per_shopper = ?, updated_at = ?
			WHERE id = ? RETURNING `+productColumns, n, fmtTime(time.Now()), id))
		return err
	})
	if err != nil {
		return shop.Product{}, translate(err, "Product not found.")
	}
	return p, nil
}

// translate maps a driver error to the domain: no rows → ENOTFOUND with
// notFound as the message, unique violation → ECONFLICT, a full disk, an
// I/O error, a lock held too long or a timeout → EUNAVAILABLE, the rest
// internal.
func translate(err error, notFound string) error {
	var se *shop.Error
	var le *sqlite.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return shop.Errorf(shop.ENOTFOUND, "%s", notFound)
	case errors.As(err, &le) && (le.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || le.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY):
		return &shop.Error{Code: shop.ECONFLICT, Message: "The request conflicts with existing data.", Err: err}
	case storageFailure(err):
		return shop.Unavailable(err, "The database cannot be written (disk full or read-only?); please retry.")
	case unavailable(err):
		return shop.Unavailable(err, "The database is not answering; please retry.")
	}
	return shop.Internal(err, "Database error.")
}

// storageFailure reports errors that mean the file cannot take writes.
func storageFailure(err error) bool {
	var le *sqlite.Error
	if !errors.As(err, &le) {
		return false
	}
	switch le.Code() & 0xff { // the primary code of an extended one
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN:
		return true
	}
	return false
}

// unavailable reports failures a retry a moment later can get past.
func unavailable(err error) bool {
	var le *sqlite.Error
	if errors.As(err, &le) {
		switch le.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_INTERRUPT:
			return true
		}
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// timeFormat is fixed-width so stored times sort as strings; microseconds
// match the PostgreSQL store.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func dbTime(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

func fmtTime(t time.Time) string { return dbTime(t).Format(timeFormat) }

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	return t.UTC(), err
}

func parseTimePtr(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	return &t, err
}
