package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/flashscale/flashscale/service/shop"
)

// PlaceOrder reserves stock and records the order atomically; see
// shop.Store. The write transaction is IMMEDIATE on the only writer
// connection, so the whole check-and-decrement runs with the database's
// write lock held and no other checkout in between. With batching on, the
// order shares that transaction with other checkouts of this process, and
// the call returns only after it has committed.
func (s *Store) PlaceOrder(ctx context.Context, p shop.PlaceOrder) (shop.Order, bool, error) {
	if err := p.Check(); err != nil {
		return shop.Order{}, false, err
	}
	p.At = dbTime(p.At)
	if s.batcher != nil {
		p.Items = append([]shop.LineRequest(nil), p.Items...)
		out := submit(ctx, s.batcher, p)
		return out.order, out.replayed, out.err
	}
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

// place decides checkouts with distinct (shopper, idempotency key) pairs in
// one write transaction, one after another in arrival order, and commits
// once. Each order runs under a savepoint: one that fails for a reason of
// its own (a clashing order id, a constraint) is rolled back alone and the
// others go on. A failure that is nobody's order's fault (a full disk, a
// busy file, the batch deadline) fails the whole batch, as does a failed
// commit: no answer is sent that the commit did not make true.
func (s *Store) place(ctx context.Context, ps []shop.PlaceOrder) []outcome {
	out := make([]outcome, len(ps))
	err := s.write(ctx, func(tx *sql.Tx) error {
		savepoint, release, rollback := tx.StmtContext(ctx, s.st.savepoint), tx.StmtContext(ctx, s.st.release),
			tx.StmtContext(ctx, s.st.rollbackTo)
		for i, p := range ps {
			if _, err := savepoint.ExecContext(ctx); err != nil {
				return err
			}
			o, replayed, err := s.placeTx(ctx, tx, p)
			if err != nil {
				var se *shop.Error
				if !errors.As(err, &se) && (unavailable(err) || storageFailure(err)) {
					return err
				}
				// A rejected order wrote nothing; one that failed halfway
				// may have: either way its savepoint undoes it.
				if _, rerr := rollback.ExecContext(ctx); rerr != nil {
					return rerr
				}
				out[i] = outcome{err: translate(err, "Order not found.")}
			} else {
				out[i] = outcome{order: o, replayed: replayed}
			}
			if _, err := release.ExecContext(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		err = translate(err, "Order not found.")
		for i := range out {
			out[i] = outcome{err: err}
		}
	}
	return out
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
		c.Name, c.Email, c.Phone, c.Address, c.AddressLine1, c.AddressLine2, c.City, c.State, c.PinCode, p.PaymentMethod,
		string(shop.StatusProcessing), at).Scan(&seq)
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
		Customer: p.Customer, PaymentMethod: p.PaymentMethod, Status: shop.StatusProcessing, CreatedAt: p.At, Seq: seq,
		History: []shop.StatusChange{{Status: shop.StatusProcessing, At: p.At}}}, false, nil
}
