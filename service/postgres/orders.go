package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flashscale/flashscale/service/shop"
)

// orderSelect reads orders with their items and history in one statement, so
// one snapshot: an order is never seen with a status its history lacks.
const orderSelect = `
SELECT o.seq, o.id, o.shopper_id, o.request_hash, o.total, o.currency, o.customer_name, o.customer_email,
	o.customer_phone, o.customer_address, o.customer_address_line1, o.customer_address_line2, o.customer_city,
	o.customer_state, o.customer_pin_code, o.payment_method, o.status, o.created_at,
	i.product_ids, i.names, i.unit_prices, i.quantities, i.line_totals, h.statuses, h.ats
FROM orders o
CROSS JOIN LATERAL (
	SELECT array_agg(product_id ORDER BY line_no) AS product_ids, array_agg(name ORDER BY line_no) AS names,
		array_agg(unit_price ORDER BY line_no) AS unit_prices, array_agg(quantity ORDER BY line_no) AS quantities,
		array_agg(line_total ORDER BY line_no) AS line_totals
	FROM order_items WHERE order_seq = o.seq) i
CROSS JOIN LATERAL (
	SELECT array_agg(status ORDER BY id) AS statuses, array_agg(at ORDER BY id) AS ats
	FROM order_status_history WHERE order_seq = o.seq) h
`

// storedOrder is an order as read back, with the request hash that decides
// whether a reused idempotency key is a replay.
type storedOrder struct {
	shop.Order
	requestHash string
}

func scanOrders(rows pgx.Rows) ([]storedOrder, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (storedOrder, error) {
		var o storedOrder
		var status string
		var productIDs, names, statuses []string
		var unitPrices, lineTotals []int64
		var quantities []int32
		var ats []time.Time
		c := &o.Customer
		err := r.Scan(&o.Seq, &o.ID, &o.ShopperID, &o.requestHash, &o.Total, &o.Currency, &c.Name,
			&c.Email, &c.Phone, &c.Address, &c.AddressLine1, &c.AddressLine2, &c.City, &c.State, &c.PinCode,
			&o.PaymentMethod, &status, &o.CreatedAt,
			&productIDs, &names, &unitPrices, &quantities, &lineTotals, &statuses, &ats)
		if err != nil {
			return o, err
		}
		o.Status, o.CreatedAt = shop.Status(status), o.CreatedAt.UTC()
		o.Items = make([]shop.OrderItem, len(productIDs))
		for i := range productIDs {
			o.Items[i] = shop.OrderItem{ProductID: productIDs[i], Name: names[i], UnitPrice: unitPrices[i],
				Quantity: int(quantities[i]), LineTotal: lineTotals[i]}
		}
		o.History = make([]shop.StatusChange, len(statuses))
		for i := range statuses {
			o.History[i] = shop.StatusChange{Status: shop.Status(statuses[i]), At: ats[i].UTC()}
		}
		return o, nil
	})
}

func (s *Store) queryOrders(ctx context.Context, q querier, where string, args ...any) ([]storedOrder, error) {
	rows, err := q.Query(ctx, orderSelect+where, args...)
	if err != nil {
		return nil, err
	}
	return scanOrders(rows)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ListOrders returns a page of the shopper's orders, newest first.
func (s *Store) ListOrders(ctx context.Context, shopperID string, page shop.OrderPage) ([]shop.Order, error) {
	if !storable(shopperID) {
		return []shop.Order{}, nil
	}
	limit, before := page.Bounds()
	stored, err := s.queryOrders(ctx, s.pool, `WHERE o.shopper_id = $1 AND o.seq < $2 ORDER BY o.seq DESC LIMIT $3`,
		shopperID, before, limit)
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
	if !storable(orderID) || !storable(shopperID) {
		return shop.Order{}, errNoOrder
	}
	stored, err := s.queryOrders(ctx, s.pool, `WHERE o.id = $1 AND o.shopper_id = $2`, orderID, shopperID)
	if err != nil {
		return shop.Order{}, translate(err, "Order not found.")
	}
	if len(stored) == 0 {
		return shop.Order{}, errNoOrder
	}
	return stored[0].Order, nil
}

var errNoOrder = shop.Errorf(shop.ENOTFOUND, "Order not found.")

// AdvanceOrder moves an order to its next status and records when.
func (s *Store) AdvanceOrder(ctx context.Context, orderID string, at time.Time) (shop.Order, error) {
	if !storable(orderID) {
		return shop.Order{}, errNoOrder
	}
	at = dbTime(at)
	var out shop.Order
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var seq int64
		var status string
		err := tx.QueryRow(ctx, `SELECT seq, status FROM orders WHERE id = $1 FOR UPDATE`, orderID).Scan(&seq, &status)
		if err != nil {
			return err
		}
		next, err := shop.Status(status).Next()
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(`UPDATE orders SET status = $2 WHERE seq = $1`, seq, string(next))
		b.Queue(`INSERT INTO order_status_history (order_seq, status, at) VALUES ($1, $2, $3)`, seq, string(next), at)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		stored, err := s.queryOrders(ctx, tx, `WHERE o.seq = $1`, seq)
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
