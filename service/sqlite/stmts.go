package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/flashscale/flashscale/service/shop"
)

// stmts are the statements of the hot paths, prepared once at Open: parsing
// their SQL on every call was about a quarter of the server's CPU under
// load. database/sql prepares each again on every connection of its pool
// the first time it runs there, and inside a transaction tx.StmtContext
// reuses the connection's copy. The rare admin writes and seeding still
// pass SQL text.
type stmts struct {
	// Reader pool.
	listProducts, getProduct *sql.Stmt
	readPurchases            *sql.Stmt
	ordersPage, orderByID    *sql.Stmt
	readDetails              orderDetails
	getSession               *sql.Stmt

	// Writer connection.
	orderByKey, productsByIDs, purchases *sql.Stmt
	insertOrder, insertItem, takeStock   *sql.Stmt
	addPurchase, insertHistory           *sql.Stmt
	orderStatus, setStatus, orderBySeq   *sql.Stmt
	savepoint, release, rollbackTo       *sql.Stmt
	keysByPairs, insertItems             *sql.Stmt
	insertHistories, insertOrders        *sql.Stmt
	addPurchases                         *sql.Stmt
	batchSavepoint, batchRollback        *sql.Stmt
	writeDetails                         orderDetails

	all []*sql.Stmt // for close
}

// orderDetails load the items and history of the orders loadOrders found.
// A transaction can only use statements of its own pool, so the readers and
// the writer each have their own pair.
type orderDetails struct{ items, history *sql.Stmt }

const (
	ordersSelect = `SELECT seq, id, shopper_id, request_hash, total, currency, customer_name,
		customer_email, customer_phone, customer_address, customer_address_line1, customer_address_line2,
		customer_city, customer_state, customer_pin_code, payment_method, status, created_at FROM orders `
	purchasesSelect = `SELECT product_id, quantity FROM shopper_purchases
		WHERE shopper_id = ? AND product_id IN (SELECT value FROM json_each(?))`
	itemsSelect = `SELECT order_seq, product_id, name, unit_price, quantity, line_total
		FROM order_items WHERE order_seq IN (SELECT value FROM json_each(?)) ORDER BY order_seq, line_no`
	historySelect = `SELECT order_seq, status, at FROM order_status_history
		WHERE order_seq IN (SELECT value FROM json_each(?)) ORDER BY order_seq, id`
	// ordersPage takes the page's seqs from the UNIQUE (shopper_id,
	// idempotency_key) index alone (it carries the rowid), so the table is
	// read for the page's own rows only; migration 00006 says why there is
	// no index on (shopper_id, seq).
	ordersPage = ordersSelect + `WHERE seq IN (SELECT seq FROM orders INDEXED BY sqlite_autoindex_orders_2
		WHERE shopper_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?) ORDER BY seq DESC`
)

func prepare(ctx context.Context, r, w *sql.DB) (*stmts, error) {
	st := &stmts{}
	var err error
	on := func(db *sql.DB, query string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		if s, err = db.PrepareContext(ctx, query); err != nil {
			err = fmt.Errorf("sqlite: prepare %q: %w", query, err)
			return nil
		}
		st.all = append(st.all, s)
		return s
	}

	st.listProducts = on(r, `SELECT `+productColumns+` FROM products ORDER BY position, id`)
	st.getProduct = on(r, `SELECT `+productColumns+` FROM products WHERE id = ?`)
	st.readPurchases = on(r, purchasesSelect)
	st.ordersPage = on(r, ordersPage)
	st.orderByID = on(r, ordersSelect+`WHERE id = ? AND shopper_id = ?`)
	st.readDetails = orderDetails{items: on(r, itemsSelect), history: on(r, historySelect)}
	// Every signed-in request that needs its shopper runs it.
	st.getSession = on(r, `SELECT s.token_hash, s.account_id, s.created_at, s.idle_expires_at, s.expires_at,
			a.id, a.shopper_id, a.email, a.name, a.password_hash, a.created_at
		FROM sessions s JOIN accounts a ON a.id = s.account_id
		WHERE s.token_hash = ? AND s.idle_expires_at > ? AND s.expires_at > ?`)

	st.orderByKey = on(w, `SELECT seq, request_hash FROM orders WHERE shopper_id = ? AND idempotency_key = ?`)
	st.productsByIDs = on(w, `SELECT `+productColumns+` FROM products
		WHERE id IN (SELECT value FROM json_each(?))`)
	st.purchases = on(w, purchasesSelect)
	st.insertOrder = on(w, `INSERT INTO orders (id, shopper_id, idempotency_key, request_hash, total, currency,
		customer_name, customer_email, customer_phone, customer_address, customer_address_line1,
		customer_address_line2, customer_city, customer_state, customer_pin_code, payment_method, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`)
	st.insertItem = on(w, `INSERT INTO order_items (order_seq, line_no, product_id, name, unit_price,
		quantity, line_total) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	st.takeStock = on(w, `UPDATE products SET stock = stock - ?, updated_at = ? WHERE id = ?`)
	st.addPurchase = on(w, `INSERT INTO shopper_purchases (shopper_id, product_id, quantity)
		VALUES (?, ?, ?) ON CONFLICT (shopper_id, product_id) DO UPDATE SET quantity = quantity + excluded.quantity`)
	st.insertHistory = on(w, `INSERT INTO order_status_history (order_seq, status, at) VALUES (?, ?, ?)`)
	st.orderStatus = on(w, `SELECT seq, status FROM orders WHERE id = ?`)
	st.setStatus = on(w, `UPDATE orders SET status = ? WHERE seq = ?`)
	st.orderBySeq = on(w, ordersSelect+`WHERE seq = ?`)
	st.writeDetails = orderDetails{items: on(w, itemsSelect), history: on(w, historySelect)}
	// A batch of checkouts runs each order under this savepoint.
	st.savepoint = on(w, `SAVEPOINT checkout`)
	st.release = on(w, `RELEASE checkout`)
	st.rollbackTo = on(w, `ROLLBACK TO checkout`)
	// ... and the whole batch under this one while it writes all its
	// orders at once. ROLLBACK TO keeps the savepoint open, and the commit
	// releases it.
	st.batchSavepoint = on(w, `SAVEPOINT batch`)
	st.batchRollback = on(w, `ROLLBACK TO batch`)
	// What a batch does once for all its orders rather than once per order;
	// the arguments are JSON arrays of rows.
	st.keysByPairs = on(w, `SELECT shopper_id, idempotency_key, seq, request_hash FROM orders
		WHERE (shopper_id, idempotency_key) IN (SELECT value->>0, value->>1 FROM json_each(?))`)
	st.insertItems = on(w, `INSERT INTO order_items (order_seq, line_no, product_id, name, unit_price, quantity, line_total)
		SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6 FROM json_each(?)`)
	st.insertHistories = on(w, `INSERT INTO order_status_history (order_seq, status, at)
		SELECT value->>0, value->>1, value->>2 FROM json_each(?)`)
	// The rows are orderRow objects; status and currency are the same for
	// every new order. The CTE reads each row once, as JSONB: json_each's
	// value is rendered as text again for every column that reads it.
	st.insertOrders = on(w, `WITH r(v) AS MATERIALIZED (SELECT jsonb(value) FROM json_each(?))
		INSERT INTO orders (id, shopper_id, idempotency_key, request_hash, total, currency,
		customer_name, customer_email, customer_phone, customer_address, customer_address_line1,
		customer_address_line2, customer_city, customer_state, customer_pin_code, payment_method, status, created_at)
		SELECT v->>'id', v->>'shopper', v->>'key', v->>'hash', v->>'total', '`+shop.Currency+`',
			v->>'name', v->>'email', v->>'phone', v->>'address', v->>'line1',
			v->>'line2', v->>'city', v->>'state', v->>'pin', v->>'payment',
			'`+string(shop.StatusProcessing)+`', v->>'at'
		FROM r RETURNING id, seq`)
	// WHERE true: without it SQLite would read ON CONFLICT as part of the
	// SELECT's join.
	st.addPurchases = on(w, `INSERT INTO shopper_purchases (shopper_id, product_id, quantity)
		SELECT value->>0, value->>1, value->>2 FROM json_each(?) WHERE true
		ON CONFLICT (shopper_id, product_id) DO UPDATE SET quantity = quantity + excluded.quantity`)

	if err != nil {
		return nil, errors.Join(err, st.close())
	}
	return st, nil
}

func (st *stmts) close() error {
	var errs []error
	for _, s := range st.all {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
