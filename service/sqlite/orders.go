package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// PlaceOrder reserves stock and records the order atomically; see
// shop.Store. The write transaction is IMMEDIATE on the only writer
// connection, so the whole check-and-decrement runs with the database's
// write lock held and no other checkout in between.
func (s *Store) PlaceOrder(ctx context.Context, p shop.PlaceOrder) (shop.Order, bool, error) {
	if err := p.Check(); err != nil {
		return shop.Order{}, false, err
	}
	p.At = dbTime(p.At)
	var o shop.Order
	var replayed bool
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		o, replayed, err = s.placeTx(ctx, tx, p)
		return err
	})
	if err != nil {
		return shop.Order{}, false, translate(err, "Order not found.")
	}
	return o, replayed, nil
}

// placeTx places one order inside tx. It writes nothing unless the order is
// accepted, so a rejected order needs no rollback of its own.
func (s *Store) placeTx(ctx context.Context, tx *sql.Tx, p shop.PlaceOrder) (shop.Order, bool, error) {
	st := func(stmt *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, stmt) }
	var seq int64
	var hash string
	err := st(s.st.orderByKey).QueryRowContext(ctx, p.ShopperID, p.IdempotencyKey).Scan(&seq, &hash)
	switch {
	case err == nil && hash != p.RequestHash:
		return shop.Order{}, false, shop.Errorf(shop.EIDEMPOTENCY, "This Idempotency-Key was already used for a different order.")
	case err == nil:
		orders, err := loadOrders(ctx, tx, s.st.orderBySeq, s.st.writeDetails, seq)
		if err != nil || len(orders) == 0 {
			return shop.Order{}, false, errors.Join(errors.New("idempotent order vanished"), err)
		}
		return orders[0].Order, true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return shop.Order{}, false, err
	}

	ids := make([]string, len(p.Items))
	for i, it := range p.Items {
		ids[i] = it.ProductID
	}
	idsJSON, _ := json.Marshal(ids)
	products := map[string]*shop.Product{}
	rows, err := st(s.st.productsByIDs).QueryContext(ctx, string(idsJSON))
	if err != nil {
		return shop.Order{}, false, err
	}
	for rows.Next() {
		pr, err := scanProduct(rows)
		if err != nil {
			rows.Close()
			return shop.Order{}, false, err
		}
		products[pr.ID] = &pr
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return shop.Order{}, false, err
	}
	bought := map[string]int{}
	rows, err = st(s.st.purchases).QueryContext(ctx, p.ShopperID, string(idsJSON))
	if err != nil {
		return shop.Order{}, false, err
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return shop.Order{}, false, err
		}
		bought[id] = n
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return shop.Order{}, false, err
	}

	items, total, err := shop.Reserve(p, products, bought)
	if err != nil {
		return shop.Order{}, false, err
	}
	at := fmtTime(p.At)
	c := p.Customer
	err = st(s.st.insertOrder).QueryRowContext(ctx, p.ID, p.ShopperID, p.IdempotencyKey, p.RequestHash, total, shop.Currency,
		c.Name, c.Email, c.Phone, c.Address, string(shop.StatusProcessing), at).Scan(&seq)
	if err != nil {
		return shop.Order{}, false, err
	}
	insertItem, takeStock, addPurchase := st(s.st.insertItem), st(s.st.takeStock), st(s.st.addPurchase)
	for line, it := range items {
		if _, err := insertItem.ExecContext(ctx, seq, line, it.ProductID, it.Name, it.UnitPrice, it.Quantity, it.LineTotal); err != nil {
			return shop.Order{}, false, err
		}
		if _, err := takeStock.ExecContext(ctx, it.Quantity, at, it.ProductID); err != nil {
			return shop.Order{}, false, err
		}
		if _, err := addPurchase.ExecContext(ctx, p.ShopperID, it.ProductID, it.Quantity); err != nil {
			return shop.Order{}, false, err
		}
	}
	if _, err := st(s.st.insertHistory).ExecContext(ctx, seq, string(shop.StatusProcessing), at); err != nil {
		return shop.Order{}, false, err
	}
	return shop.Order{ID: p.ID, ShopperID: p.ShopperID, Items: items, Total: total, Currency: shop.Currency,
		Customer: p.Customer, Status: shop.StatusProcessing, CreatedAt: p.At, Seq: seq,
		History: []shop.StatusChange{{Status: shop.StatusProcessing, At: p.At}}}, false, nil
}

type storedOrder struct {
	shop.Order
	requestHash string
}

// loadOrders reads the orders that orders (an ordersSelect statement) finds
// with args, with their items and history. It runs all three in tx so they
// see one snapshot; the statements must belong to tx's pool.
func loadOrders(ctx context.Context, tx *sql.Tx, orders *sql.Stmt, d orderDetails, args ...any) ([]storedOrder, error) {
	rows, err := tx.StmtContext(ctx, orders).QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	var out []storedOrder
	bySeq := map[int64]*storedOrder{}
	var seqs []int64
	for rows.Next() {
		var o storedOrder
		var status, created string
		if err := rows.Scan(&o.Seq, &o.ID, &o.ShopperID, &o.requestHash, &o.Total, &o.Currency, &o.Customer.Name,
			&o.Customer.Email, &o.Customer.Phone, &o.Customer.Address, &status, &created); err != nil {
			rows.Close()
			return nil, err
		}
		o.Status = shop.Status(status)
		if o.CreatedAt, err = parseTime(created); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, o)
		seqs = append(seqs, o.Seq)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	for i := range out {
		bySeq[out[i].Seq] = &out[i]
	}
	seqJSON, _ := json.Marshal(seqs)

	rows, err = tx.StmtContext(ctx, d.items).QueryContext(ctx, string(seqJSON))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var seq int64
		var it shop.OrderItem
		if err := rows.Scan(&seq, &it.ProductID, &it.Name, &it.UnitPrice, &it.Quantity, &it.LineTotal); err != nil {
			rows.Close()
			return nil, err
		}
		bySeq[seq].Items = append(bySeq[seq].Items, it)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}

	rows, err = tx.StmtContext(ctx, d.history).QueryContext(ctx, string(seqJSON))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var seq int64
		var status, at string
		if err := rows.Scan(&seq, &status, &at); err != nil {
			rows.Close()
			return nil, err
		}
		t, err := parseTime(at)
		if err != nil {
			rows.Close()
			return nil, err
		}
		bySeq[seq].History = append(bySeq[seq].History, shop.StatusChange{Status: shop.Status(status), At: t})
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	return out, nil
}

// read runs fn in a read-only transaction: one consistent snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

// ListOrders returns a page of the shopper's orders, newest first.
func (s *Store) ListOrders(ctx context.Context, shopperID string, page shop.OrderPage) ([]shop.Order, error) {
	limit, before := page.Bounds()
	var stored []storedOrder
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		stored, err = loadOrders(ctx, tx, s.st.ordersPage, s.st.readDetails, shopperID, before, limit)
		return err
	})
	if err != nil {
		return nil, translate(err, "Orders not found.")
	}
	out := make([]shop.Order, len(stored))
	for i, o := range stored {
		out[i] = o.Order
	}
	return out, nil
}

// GetOrder returns one of the shopper's orders. The shopper is part of the
// lookup, so another shopper's order is indistinguishable from a missing one.
func (s *Store) GetOrder(ctx context.Context, shopperID, orderID string) (shop.Order, error) {
	var stored []storedOrder
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		stored, err = loadOrders(ctx, tx, s.st.orderByID, s.st.readDetails, orderID, shopperID)
		return err
	})
	if err != nil {
		return shop.Order{}, translate(err, "Order not found.")
	}
	if len(stored) == 0 {
		return shop.Order{}, shop.Errorf(shop.ENOTFOUND, "Order not found.")
	}
	return stored[0].Order, nil
}

// AdvanceOrder moves an order to its next status and records when.
func (s *Store) AdvanceOrder(ctx context.Context, orderID string, at time.Time) (shop.Order, error) {
	var out shop.Order
	err := s.write(ctx, func(tx *sql.Tx) error {
		var seq int64
		var status string
		err := tx.StmtContext(ctx, s.st.orderStatus).QueryRowContext(ctx, orderID).Scan(&seq, &status)
		if err != nil {
			return err
		}
		next, err := shop.Status(status).Next()
		if err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, s.st.setStatus).ExecContext(ctx, string(next), seq); err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, s.st.insertHistory).ExecContext(ctx, seq, string(next), fmtTime(at)); err != nil {
			return err
		}
		stored, err := loadOrders(ctx, tx, s.st.orderBySeq, s.st.writeDetails, seq)
		if err != nil {
			return err
		}
		out = stored[0].Order
		return nil
	})
	if err != nil {
		return shop.Order{}, translate(err, "Order not found.")
	}
	return out, nil
}
