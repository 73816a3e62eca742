package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/flashscale/flashscale/service/shop"
)

// outcome is what one PlaceOrder call gets back.
type outcome struct {
	order    shop.Order
	replayed bool
	err      error
}

// PlaceOrder reserves stock and records the order atomically; see
// shop.Store. With batching on, the order shares a transaction with other
// checkouts of this process, and the call returns only after that
// transaction has committed.
func (s *Store) PlaceOrder(ctx context.Context, p shop.PlaceOrder) (shop.Order, bool, error) {
	if err := p.Check(); err != nil {
		return shop.Order{}, false, err
	}
	p.At = dbTime(p.At)
	p.Items = append([]shop.LineRequest(nil), p.Items...)
	var out outcome
	if s.batcher != nil {
		out = submit(ctx, s.batcher, p)
	} else {
		out = s.place(ctx, []shop.PlaceOrder{p})[0]
	}
	return out.order, out.replayed, out.err
}

// maxKeyRounds bounds how often an order whose idempotency key was taken by
// a transaction that then vanished is tried again; see place.
const maxKeyRounds = 3

// place runs checkouts with distinct (shopper, idempotency key) pairs in one
// transaction and returns one outcome per checkout, in order.
func (s *Store) place(ctx context.Context, ps []shop.PlaceOrder) []outcome {
	out := make([]outcome, len(ps))
	pending := make([]int, len(ps))
	for i := range pending {
		pending[i] = i
	}
	for round := 0; len(pending) > 0; round++ {
		batch := make([]shop.PlaceOrder, len(pending))
		for j, i := range pending {
			batch[j] = ps[i]
		}
		res, err := s.execWithRetry(ctx, batch, false)
		// A timeout or a lost database is nobody's order's fault: isolating
		// each order would only wait for it again.
		if err != nil && len(batch) > 1 && ctx.Err() == nil && !unavailable(err) {
			// An unexpected failure (say, a clashing order id) aborts the
			// whole transaction. Run the batch once more, each claim under a
			// savepoint of its own, so only the culprit fails and the others
			// still share one commit.
			res, err = s.execWithRetry(ctx, batch, true)
		}
		if err != nil {
			for _, i := range pending {
				out[i] = outcome{err: translate(err, "Order not found.")}
			}
			return out
		}
		var again []int
		for j, i := range pending {
			if res[j].claimed {
				out[i] = res[j].outcome
				continue
			}
			// Another transaction holds this key and has committed (the
			// claim waited for it); its order is the answer.
			o, err := s.orderByKey(ctx, ps[i].ShopperID, ps[i].IdempotencyKey)
			switch {
			case err == nil && o.requestHash != ps[i].RequestHash:
				out[i] = outcome{err: shop.Errorf(shop.EIDEMPOTENCY,
					"This Idempotency-Key was already used for a different order.")}
			case err == nil:
				out[i] = outcome{order: o.Order, replayed: true}
			case shop.ErrorCode(err) == shop.ENOTFOUND && round+1 < maxKeyRounds:
				again = append(again, i)
			default:
				out[i] = outcome{err: shop.Internal(err, "Order could not be placed.")}
			}
		}
		pending = again
	}
	return out
}

func (s *Store) orderByKey(ctx context.Context, shopperID, key string) (storedOrder, error) {
	stored, err := s.queryOrders(ctx, s.pool, `WHERE o.shopper_id = $1 AND o.idempotency_key = $2`, shopperID, key)
	if err != nil {
		return storedOrder{}, translate(err, "Order not found.")
	}
	if len(stored) == 0 {
		return storedOrder{}, shop.Errorf(shop.ENOTFOUND, "Order not found.")
	}
	return stored[0], nil
}

const maxAttempts = 5

func (s *Store) execWithRetry(ctx context.Context, ps []shop.PlaceOrder, isolate bool) ([]execResult, error) {
	for attempt := 1; ; attempt++ {
		res, err := s.exec(ctx, ps, isolate)
		if err == nil || !retryable(err) || attempt == maxAttempts {
			return res, err
		}
		backoff := time.Duration(attempt) * time.Duration(1+rand.IntN(5)) * time.Millisecond
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil, err
		}
	}
}

// execResult is one checkout's fate in a transaction. claimed is false when
// its idempotency key already belonged to a committed order.
type execResult struct {
	claimed bool
	outcome
}

const (
	// Keys are claimed in (shopper, key) order and products locked in id
	// order: every checkout transaction, in this pod or another, takes its
	// locks in one global order, so they queue instead of deadlocking. The
	// claim comes first so that a duplicate request waits for the original
	// and replays it, instead of racing it for the last units.
	claimOrdersSQL = `
INSERT INTO orders (id, shopper_id, idempotency_key, request_hash, total, currency,
	customer_name, customer_email, customer_phone, customer_address, status, created_at,
	customer_address_line1, customer_address_line2, customer_city, customer_state, customer_pin_code, payment_method)
SELECT u.id, u.shopper_id, u.idempotency_key, u.request_hash, 0, $10, u.name, u.email, u.phone, u.address, $11, u.at,
	u.line1, u.line2, u.city, u.state, u.pin, u.payment
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
	$9::timestamptz[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[])
	WITH ORDINALITY AS u(id, shopper_id, idempotency_key, request_hash, name, email, phone, address, at,
		line1, line2, city, state, pin, payment, ord)
ORDER BY u.ord
ON CONFLICT ON CONSTRAINT orders_idempotency DO NOTHING
RETURNING id, seq`

	lockProductsSQL = `SELECT ` + productColumns + ` FROM products WHERE id = ANY($1::text[])
ORDER BY id FOR NO KEY UPDATE`

	// Runs after lockProductsSQL in the same pipeline, so its snapshot
	// includes every purchase committed by earlier holders of those locks.
	cappedPurchasesSQL = `
SELECT sp.shopper_id, sp.product_id, sp.quantity
FROM shopper_purchases sp JOIN products p ON p.id = sp.product_id AND p.max_per_shopper > 0
WHERE (sp.shopper_id, sp.product_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`

	decrementStockSQL = `
UPDATE products p SET stock = p.stock - d.qty, updated_at = now()
FROM unnest($1::text[], $2::int[]) AS d(id, qty) WHERE p.id = d.id`

	addPurchasesSQL = `
INSERT INTO shopper_purchases (shopper_id, product_id, quantity)
SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
ON CONFLICT (shopper_id, product_id) DO UPDATE SET quantity = shopper_purchases.quantity + EXCLUDED.quantity`

	insertItemsSQL = `
INSERT INTO order_items (order_seq, line_no, product_id, name, unit_price, quantity, line_total)
SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::bigint[])`

	insertHistorySQL = `
INSERT INTO order_status_history (order_seq, status, at)
SELECT u.seq, $2, u.at FROM unnest($1::bigint[], $3::timestamptz[]) AS u(seq, at)`

	setTotalsSQL = `
UPDATE orders o SET total = u.total FROM unnest($1::bigint[], $2::bigint[]) AS u(seq, total) WHERE o.seq = u.seq`

	dropFailedSQL = `DELETE FROM orders WHERE seq = ANY($1::bigint[])`
)

// exec places ps in one READ COMMITTED transaction in two round trips plus
// the commit: (1) begin, claim the keys, lock the products, read capped
// purchases; then every order is decided in Go, in arrival order, against
// the locked rows; (2) write stock, purchases, items, history and totals and
// drop the claims of rejected orders; commit. The product locks are held
// only across round trip 2 and the commit, which is what lets one hot
// product take many orders per commit. With isolate, each order's claim
// runs under a savepoint of its own, so a claim that fails (an order id
// that is already taken) rolls back alone and fails only its order.
func (s *Store) exec(ctx context.Context, ps []shop.PlaceOrder, isolate bool) ([]execResult, error) {
	n := len(ps)
	byKey := make([]int, n)
	for i := range byKey {
		byKey[i] = i
	}
	slices.SortFunc(byKey, func(a, b int) int {
		return cmp.Or(cmp.Compare(ps[a].ShopperID, ps[b].ShopperID), cmp.Compare(ps[a].IdempotencyKey, ps[b].IdempotencyKey))
	})
	ids, shoppers, keys, hashes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	names, emails, phones, addresses := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	line1s, line2s, cities, states, pins, payments := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n)
	ats := make([]time.Time, n)
	productSet := map[string]bool{}
	var pairShoppers, pairProducts []string
	for j, i := range byKey {
		p := ps[i]
		ids[j], shoppers[j], keys[j], hashes[j] = p.ID, p.ShopperID, p.IdempotencyKey, p.RequestHash
		c := p.Customer
		names[j], emails[j], phones[j], addresses[j] = c.Name, c.Email, c.Phone, c.Address
		line1s[j], line2s[j], cities[j], states[j], pins[j], payments[j] = c.AddressLine1, c.AddressLine2, c.City, c.State, c.PinCode, p.PaymentMethod
		ats[j] = p.At
		for _, it := range p.Items {
			productSet[it.ProductID] = true
			pairShoppers, pairProducts = append(pairShoppers, p.ShopperID), append(pairProducts, it.ProductID)
		}
	}

	seqs := make(map[string]int64, n)
	products := map[string]*shop.Product{}
	bought := map[string]map[string]int{}
	// claim queues the claim of the orders in key positions [lo, hi).
	claim := func(b *pgx.Batch, lo, hi int) {
		b.Queue(claimOrdersSQL, ids[lo:hi], shoppers[lo:hi], keys[lo:hi], hashes[lo:hi], names[lo:hi], emails[lo:hi],
			phones[lo:hi], addresses[lo:hi], ats[lo:hi], shop.Currency, string(shop.StatusProcessing),
			line1s[lo:hi], line2s[lo:hi], cities[lo:hi], states[lo:hi], pins[lo:hi], payments[lo:hi]).Query(func(rows pgx.Rows) error {
			var id string
			var seq int64
			_, err := pgx.ForEachRow(rows, []any{&id, &seq}, func() error { seqs[id] = seq; return nil })
			return err
		})
	}
	reads := func(b *pgx.Batch) {
		b.Queue(lockProductsSQL, sortedKeys(productSet)).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				p, err := scanProduct(rows)
				if err != nil {
					return err
				}
				products[p.ID] = &p
			}
			return rows.Err()
		})
		b.Queue(cappedPurchasesSQL, pairShoppers, pairProducts).Query(func(rows pgx.Rows) error {
			var shopper, product string
			var qty int32
			_, err := pgx.ForEachRow(rows, []any{&shopper, &product, &qty}, func() error {
				if bought[shopper] == nil {
					bought[shopper] = map[string]int{}
				}
				bought[shopper][product] = int(qty)
				return nil
			})
			return err
		})
	}
	var tx pgx.Tx
	// claimErr holds, by order id, why an isolated claim failed.
	claimErr := map[string]error{}
	if !isolate {
		b := &pgx.Batch{}
		b.BeginTx(pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
		claim(b, 0, n)
		reads(b)
		br := s.pool.SendBatch(ctx, b)
		tx = br.Tx()
		// A rollback after a commit is a no-op; a detached context lets it
		// run (and return the connection) even when ctx has expired.
		defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
		if err := br.Close(); err != nil {
			return nil, err
		}
	} else {
		var err error
		if tx, err = s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}); err != nil {
			return nil, err
		}
		defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
		// One round trip per order (two when it fails), still in key order
		// and still one commit for the batch.
		for j := range n {
			b := &pgx.Batch{}
			b.Queue(`SAVEPOINT claim`)
			claim(b, j, j+1)
			b.Queue(`RELEASE SAVEPOINT claim`)
			err := tx.SendBatch(ctx, b).Close()
			if err == nil {
				continue
			}
			if unavailable(err) || retryable(err) {
				return nil, err
			}
			claimErr[ids[j]] = err
			if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT claim`); err != nil {
				return nil, err
			}
		}
		b := &pgx.Batch{}
		reads(b)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return nil, err
		}
	}

	res := make([]execResult, n)
	var w writes
	for i, p := range ps {
		if err := claimErr[p.ID]; err != nil {
			res[i] = execResult{claimed: true, outcome: outcome{err: translate(err, "Order not found.")}}
			continue
		}
		seq, ok := seqs[p.ID]
		if !ok {
			continue
		}
		res[i].claimed = true
		items, total, err := shop.Reserve(p, products, bought[p.ShopperID])
		if err != nil {
			res[i].err = err
			w.failed = append(w.failed, seq)
			continue
		}
		if bought[p.ShopperID] == nil {
			bought[p.ShopperID] = map[string]int{}
		}
		for line, it := range items {
			products[it.ProductID].Stock -= it.Quantity
			bought[p.ShopperID][it.ProductID] += it.Quantity
			w.item(seq, line, it)
			w.add(p.ShopperID, it.ProductID, it.Quantity)
		}
		w.orderSeqs, w.orderAts, w.orderTotals = append(w.orderSeqs, seq), append(w.orderAts, p.At), append(w.orderTotals, total)
		res[i].order = shop.Order{ID: p.ID, ShopperID: p.ShopperID, Items: items, Total: total, Currency: shop.Currency,
			Customer: p.Customer, PaymentMethod: p.PaymentMethod, Status: shop.StatusProcessing, CreatedAt: p.At, Seq: seq,
			History: []shop.StatusChange{{Status: shop.StatusProcessing, At: p.At}}}
	}
	if len(w.orderSeqs) == 0 {
		// Nothing placed: the rollback also drops the rejected claims.
		return res, nil
	}

	wb := &pgx.Batch{}
	stockIDs, stockQty := w.stock()
	wb.Queue(decrementStockSQL, stockIDs, stockQty).Exec(func(ct pgconn.CommandTag) error {
		if int(ct.RowsAffected()) != len(stockIDs) {
			return fmt.Errorf("decremented %d products, want %d", ct.RowsAffected(), len(stockIDs))
		}
		return nil
	})
	ps1, ps2, ps3 := w.purchases()
	wb.Queue(addPurchasesSQL, ps1, ps2, ps3)
	wb.Queue(insertItemsSQL, w.itemSeqs, w.itemLines, w.itemProducts, w.itemNames, w.itemPrices, w.itemQtys, w.itemTotals)
	wb.Queue(insertHistorySQL, w.orderSeqs, string(shop.StatusProcessing), w.orderAts)
	wb.Queue(setTotalsSQL, w.orderSeqs, w.orderTotals)
	if len(w.failed) > 0 {
		wb.Queue(dropFailedSQL, w.failed)
	}
	if err := tx.SendBatch(ctx, wb).Close(); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		if errors.Is(err, pgx.ErrTxCommitRollback) {
			return nil, fmt.Errorf("checkout transaction rolled back at commit: %w", err)
		}
		return nil, err
	}
	return res, nil
}

// writes gathers a transaction's row changes as column arrays, so each
// table gets one statement however many orders the batch holds.
type writes struct {
	itemSeqs                       []int64
	itemLines, itemQtys            []int32
	itemProducts, itemNames        []string
	itemPrices, itemTotals         []int64
	orderSeqs, orderTotals, failed []int64
	orderAts                       []time.Time
	units                          map[[2]string]int // (shopper, product) → units
	stockDelta                     map[string]int
}

func (w *writes) item(seq int64, line int, it shop.OrderItem) {
	w.itemSeqs, w.itemLines = append(w.itemSeqs, seq), append(w.itemLines, int32(line))
	w.itemProducts, w.itemNames = append(w.itemProducts, it.ProductID), append(w.itemNames, it.Name)
	w.itemPrices, w.itemQtys, w.itemTotals = append(w.itemPrices, it.UnitPrice), append(w.itemQtys, int32(it.Quantity)), append(w.itemTotals, it.LineTotal)
}

func (w *writes) add(shopper, product string, qty int) {
	if w.units == nil {
		w.units, w.stockDelta = map[[2]string]int{}, map[string]int{}
	}
	w.units[[2]string{shopper, product}] += qty
	w.stockDelta[product] += qty
}

func (w *writes) stock() ([]string, []int32) {
	ids := sortedKeys(w.stockDelta)
	qty := make([]int32, len(ids))
	for i, id := range ids {
		qty[i] = int32(w.stockDelta[id])
	}
	return ids, qty
}

// purchases returns the (shopper, product, units) rows in key order.
func (w *writes) purchases() ([]string, []string, []int32) {
	keys := make([][2]string, 0, len(w.units))
	for k := range w.units {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	shoppers, products, qty := make([]string, len(keys)), make([]string, len(keys)), make([]int32, len(keys))
	for i, k := range keys {
		shoppers[i], products[i], qty[i] = k[0], k[1], int32(w.units[k])
	}
	return shoppers, products, qty
}
