// Package postgres is the PostgreSQL implementation of shop.Store, for
// running several FlashScale pods on one database. Stock safety rests on row
// locks taken in a fixed order inside one transaction per checkout (or per
// group of checkouts, see Batching) and on a CHECK (stock >= 0) constraint
// that the database enforces whatever the code does.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/flashscale/flashscale/service/shop"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a shop.Store on a pgx connection pool.
type Store struct {
	pool *pgxpool.Pool
	// health is a one-connection pool of its own for Ping, so readiness
	// never queues behind shopper traffic: when a lock once held every
	// pool connection for 17 s, readiness said "unreachable" although the
	// database answered.
	health  *pgxpool.Pool
	batcher *batcher // nil when batching is off
}

var _ shop.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	batching         Batching
	statementTimeout time.Duration
}

// WithStatementTimeout makes the server itself bound every statement:
// statement_timeout = d and lock_timeout = d/2 on each session (unless the
// URL sets them). Callers' contexts carry the real deadline; this is the
// backstop for a cancel that never reaches the server, and the shorter
// lock_timeout lets PostgreSQL end a lock wait cleanly (the connection
// survives) before the context gives up on it (which closes the
// connection). Migrations run without these limits.
func WithStatementTimeout(d time.Duration) Option {
	return func(o *options) { o.statementTimeout = d }
}

// WithBatching sets how concurrent checkouts are grouped into one
// transaction. Batching{MaxBatch: 1} (or WithoutBatching) turns it off.
func WithBatching(b Batching) Option { return func(o *options) { o.batching = b } }

// WithoutBatching runs every checkout in its own transaction.
func WithoutBatching() Option { return func(o *options) { o.batching.MaxBatch = 1 } }

// Open connects to url, runs the embedded migrations and starts the checkout
// batcher. maxConns bounds the pool (0 keeps pgx's default or the url's
// pool_max_conns). Several processes may Open the same database at once: the
// migrations run under a PostgreSQL advisory lock.
func Open(ctx context.Context, url string, maxConns int, opts ...Option) (*Store, error) {
	o := options{batching: DefaultBatching()}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DATABASE_URL: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = int32(maxConns)
	}
	// pgx prepares every statement; after five runs PostgreSQL may switch a
	// prepared statement to a generic plan. On a fresh database (a new stack
	// just before a sale) that plan was costed for empty tables and keeps
	// full-scanning orders and shopper_purchases as they grow, until
	// autovacuum happens to ANALYZE them: checkout fell from ~4,500/s to
	// ~800/s within 30 s in the overload benchmark. Custom plans cost a
	// little planning per statement and always see the current statistics.
	if _, set := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !set {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	// A migration may legitimately run longer than any shopper statement.
	if err := migrate(ctx, cfg.ConnConfig.Copy()); err != nil {
		return nil, err
	}
	if d := o.statementTimeout; d > 0 {
		setDefault(cfg.ConnConfig.RuntimeParams, "statement_timeout", millis(d))
		setDefault(cfg.ConnConfig.RuntimeParams, "lock_timeout", millis(d/2))
	}
	healthCfg := cfg.Copy()
	healthCfg.MaxConns, healthCfg.MinConns = 1, 0
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: create pool: %w", err)
	}
	health, err := pgxpool.NewWithConfig(ctx, healthCfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: create pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		health.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &Store{pool: pool, health: health}
	if o.batching.enabled() {
		s.batcher = newBatcher(s, o.batching)
	}
	return s, nil
}

func setDefault(params map[string]string, key, value string) {
	if _, set := params[key]; !set {
		params[key] = value
	}
}

func millis(d time.Duration) string { return fmt.Sprintf("%dms", max(1, d.Milliseconds())) }

// migrate applies the migrations over a connection of its own.
func migrate(ctx context.Context, cc *pgx.ConnConfig) error {
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	// The default probe interval is 5 s; a pod that loses the race should not
	// wait that long for a migration that takes milliseconds.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// Ping checks the database answers, over the store's own health
// connection (never one a shopper's request is waiting for).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.health.Ping(ctx); err != nil {
		return shop.Unavailable(err, "Database is unreachable.")
	}
	return nil
}

// Close stops the batcher (checkouts already queued are still answered) and
// closes the pools.
func (s *Store) Close() error {
	if s.batcher != nil {
		s.batcher.close()
	}
	s.pool.Close()
	s.health.Close()
	return nil
}

// seedLockID serialises SeedProducts across pods; any constant unlikely to
// clash with other advisory lock users of the database will do.
const seedLockID = 0x466c5365656421 // "FlSeed!"

// SeedProducts inserts products when the catalog is empty. The advisory lock
// makes concurrent seeders queue; the emptiness check runs after it, so only
// the first inserts.
func (s *Store) SeedProducts(ctx context.Context, products []shop.Product) (bool, error) {
	if len(products) == 0 {
		return false, nil
	}
	n := len(products)
	ids, names, descs, images, currencies := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	categories := make([]string, n)
	prices, mrps := make([]int64, n), make([]int64, n)
	stocks, maxPer, positions := make([]int32, n), make([]int32, n), make([]int32, n)
	starts, ends := make([]*time.Time, n), make([]*time.Time, n)
	for i, p := range products {
		if err := shop.ValidateStock(p.Stock); err != nil {
			return false, err
		}
		if err := p.SaleWindow.Validate(); err != nil {
			return false, err
		}
		cur := p.Currency
		if cur == "" {
			cur = shop.Currency
		}
		ids[i], names[i], descs[i], images[i], currencies[i] = p.ID, p.Name, p.Description, p.ImageURL, cur
		categories[i] = p.Category
		prices[i], mrps[i] = p.Price, p.MRP
		stocks[i], maxPer[i], positions[i] = int32(p.Stock), int32(p.MaxPerShopper), int32(i)
		starts[i], ends[i] = dbTimePtr(p.SaleStartsAt), dbTimePtr(p.SaleEndsAt)
	}
	inserted := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(seedLockID)); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM products)`).Scan(&exists); err != nil || exists {
			return err
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO products (id, position, name, description, image_url, price, mrp, currency,
				stock, sale_starts_at, sale_ends_at, max_per_shopper, category)
			SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[],
				$7::bigint[], $8::text[], $9::int[], $10::timestamptz[], $11::timestamptz[], $12::int[], $13::text[])
			ON CONFLICT (id) DO NOTHING`,
			ids, positions, names, descs, images, prices, mrps, currencies, stocks, starts, ends, maxPer, categories)
		inserted = tag.RowsAffected() > 0
		return err
	})
	if err != nil {
		return false, translate(err, "Seeding the catalog failed.")
	}
	return inserted, nil
}

const productColumns = `id, name, description, category, image_url, price, mrp, currency, stock,
	sale_starts_at, sale_ends_at, max_per_shopper`

func scanProduct(row pgx.Row) (shop.Product, error) {
	var p shop.Product
	var stock, maxPer int32
	err := row.Scan(&p.ID, &p.Name, &p.Description, &p.Category, &p.ImageURL, &p.Price, &p.MRP, &p.Currency, &stock,
		&p.SaleStartsAt, &p.SaleEndsAt, &maxPer)
	p.Stock, p.MaxPerShopper = int(stock), int(maxPer)
	p.SaleStartsAt, p.SaleEndsAt = utcPtr(p.SaleStartsAt), utcPtr(p.SaleEndsAt)
	return p, err
}

// ListProducts returns the catalog in seed order.
func (s *Store) ListProducts(ctx context.Context) ([]shop.Product, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+productColumns+` FROM products ORDER BY position, id`)
	if err != nil {
		return nil, translate(err, "Listing products failed.")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (shop.Product, error) { return scanProduct(r) })
	if err != nil {
		return nil, translate(err, "Listing products failed.")
	}
	return out, nil
}

// storable reports whether s can be sent as PostgreSQL text at all: a NUL
// or invalid UTF-8 is refused by the server with an error, so a lookup by
// such an id (from a URL: /api/products/%00) is answered as what it is, a
// miss, as SQLite answers it.
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

var errNoProduct = shop.Errorf(shop.ENOTFOUND, "Product not found.")

// GetProduct returns one product with its current stock.
func (s *Store) GetProduct(ctx context.Context, id string) (shop.Product, error) {
	if !storable(id) {
		return shop.Product{}, errNoProduct
	}
	p, err := scanProduct(s.pool.QueryRow(ctx, `SELECT `+productColumns+` FROM products WHERE id = $1`, id))
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
	rows, err := s.pool.Query(ctx, `SELECT product_id, quantity FROM shopper_purchases
		WHERE shopper_id = $1 AND product_id = ANY($2::text[])`, shopperID, productIDs)
	if err != nil {
		return nil, translate(err, "Purchases not found.")
	}
	var id string
	var n int32
	if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { out[id] = int(n); return nil }); err != nil {
		return nil, translate(err, "Purchases not found.")
	}
	return out, nil
}

// SetStock sets a product's stock (admin restock or correction).
func (s *Store) SetStock(ctx context.Context, id string, stock int) (shop.Product, error) {
	if err := shop.ValidateStock(stock); err != nil {
		return shop.Product{}, err
	}
	if !storable(id) {
		return shop.Product{}, errNoProduct
	}
	p, err := scanProduct(s.pool.QueryRow(ctx, `UPDATE products SET stock = $2, updated_at = now()
		WHERE id = $1 RETURNING `+productColumns, id, int32(stock)))
	if err != nil {
		return shop.Product{}, translate(err, "Product not found.")
	}
	return p, nil
}

// SetSaleWindow sets when a product may be bought; nil bounds are open.
func (s *Store) SetSaleWindow(ctx context.Context, id string, w shop.SaleWindow) (shop.Product, error) {
	if err := w.Validate(); err != nil {
		return shop.Product{}, err
	}
	if !storable(id) {
		return shop.Product{}, errNoProduct
	}
	p, err := scanProduct(s.pool.QueryRow(ctx, `UPDATE products
		SET sale_starts_at = $2, sale_ends_at = $3, updated_at = now()
		WHERE id = $1 RETURNING `+productColumns, id, dbTimePtr(w.SaleStartsAt), dbTimePtr(w.SaleEndsAt)))
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
	if !storable(id) {
		return shop.Product{}, errNoProduct
	}
	p, err := scanProduct(s.pool.QueryRow(ctx, `UPDATE products SET max_per_shopper = $2, updated_at = now()
		WHERE id = $1 RETURNING `+productColumns, id, int32(n)))
	if err != nil {
		return shop.Product{}, translate(err, "Product not found.")
	}
	return p, nil
}

// PostgreSQL error codes this package reacts to.
const (
	pgUniqueViolation      = "23505"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgCharNotInRepertoire  = "22021" // e.g. a NUL in text
	pgUntranslatableChar   = "22P05"
	pgQueryCanceled        = "57014" // statement_timeout, or a cancel request
	pgLockNotAvailable     = "55P03" // lock_timeout
	pgTooManyConnections   = "53300"
)

// translate maps a driver error to the domain: no rows → ENOTFOUND with
// notFound as the message, unique violation → ECONFLICT, a database that
// timed out or cannot be reached → EUNAVAILABLE, text it cannot store →
// EINVALID, the rest internal. Domain errors pass through unchanged.
func translate(err error, notFound string) error {
	var se *shop.Error
	var pe *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return err
	case errors.Is(err, pgx.ErrNoRows):
		return shop.Errorf(shop.ENOTFOUND, "%s", notFound)
	case errors.As(err, &pe) && pe.Code == pgUniqueViolation:
		return &shop.Error{Code: shop.ECONFLICT, Message: "The request conflicts with existing data.", Err: err}
	case errors.As(err, &pe) && (pe.Code == pgCharNotInRepertoire || pe.Code == pgUntranslatableChar):
		return &shop.Error{Code: shop.EINVALID, Message: "The request contains text the database cannot store.", Err: err}
	case unavailable(err):
		return shop.Unavailable(err, "The database is not answering; please retry.")
	}
	return shop.Internal(err, "Database error.")
}

// unavailable reports failures that say nothing about the request and that
// a retry a moment later can get past: the database (or the way to it) is
// down, restarting, full of connections, or did not answer in time.
func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == pgQueryCanceled, pe.Code == pgLockNotAvailable, pe.Code == pgTooManyConnections,
			strings.HasPrefix(pe.Code, "08"),  // connection exception
			strings.HasPrefix(pe.Code, "57P"): // admin or crash shutdown, cannot connect now
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// retryable reports failures that a fresh attempt of the same transaction
// can succeed after. Checkout runs at READ COMMITTED and locks rows in a
// fixed order, so these should not happen; the retry is insurance.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == pgSerializationFailure || pe.Code == pgDeadlockDetected)
}
