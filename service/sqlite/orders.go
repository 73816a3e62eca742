package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

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
		c := &o.Customer
		if err := rows.Scan(&o.Seq, &o.ID, &o.ShopperID, &o.requestHash, &o.Total, &o.Currency, &c.Name,
			&c.Email, &c.Phone, &c.Address, &c.AddressLine1, &c.AddressLine2, &c.City, &c.State, &c.PinCode,
			&o.PaymentMethod, &status, &created); err != nil {
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
