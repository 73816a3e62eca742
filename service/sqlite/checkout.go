package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

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
// once. A failure that is nobody's order's fault (a full disk, a busy file,
// the batch deadline) fails the whole batch, as does a failed commit: no
// answer is sent that the commit did not make true.
//
// The batch looks up its idempotency keys and reads its products once and
// decides every order in memory against the stock the orders before it
// left. Then one statement inserts all the accepted orders, and one each
// writes their items, their history and the shoppers' purchase totals, and
// one per product the stock. The per-order statements this replaced were
// most of the writer's time, and the writer is what a hot sale queues on.
//
// When those writes fail for a reason of some order (a clashing order id, a
// constraint), the batch is rolled back to a savepoint taken before them and
// decided again in the same transaction one order at a time, each under a
// savepoint of its own, and only that order fails.
func (s *Store) place(ctx context.Context, ps []shop.PlaceOrder) []outcome {
	var out []outcome
	err := s.write(ctx, func(tx *sql.Tx) error {
		bt := s.newBatchTx(ctx, tx)
		if err := bt.loadKeys(ps); err != nil {
			return err
		}
		if err := bt.loadProducts(ps); err != nil {
			return err
		}
		// placeAll's later statements run after its orders are in: the
		// savepoint takes those back too before the batch is decided again.
		if _, err := bt.st(bt.s.st.batchSavepoint).ExecContext(ctx); err != nil {
			return err
		}
		var err error
		if out, err = bt.placeAll(ps); !isolatable(err) {
			return err
		}
		if _, err := bt.st(bt.s.st.batchRollback).ExecContext(ctx); err != nil {
			return err
		}
		if err := bt.loadProducts(ps); err != nil { // placeAll took stock in memory
			return err
		}
		out, err = bt.placeEach(ps)
		return err
	})
	if err != nil {
		err = translate(err, "Order not found.")
		out = make([]outcome, len(ps))
		for i := range out {
			out[i] = outcome{err: err}
		}
	}
	return out
}

// isolatable reports whether err, from writing a batch's orders, may be the
// fault of one order alone, so that deciding them one by one can place the
// others.
func isolatable(err error) bool {
	var se *shop.Error
	return err != nil && (errors.As(err, &se) || !(unavailable(err) || storageFailure(err)))
}

// batchTx is one batch transaction's view of the rows its orders share.
type batchTx struct {
	s   *Store
	ctx context.Context
	tx  *sql.Tx
	st  func(*sql.Stmt) *sql.Stmt

	keys map[[2]string]storedKey // (shopper, key) → the order that already holds it

	products map[string]*shop.Product // with the stock left by the orders decided so far
	bought   map[string]map[string]int
	taken    map[string]int    // product → units taken by this batch
	units    map[[2]string]int // (shopper, product) → units bought in this batch
	placed   []shop.Order      // the accepted orders, whose items and history flush writes
}

func (s *Store) newBatchTx(ctx context.Context, tx *sql.Tx) *batchTx {
	return &batchTx{s: s, ctx: ctx, tx: tx, st: func(stmt *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, stmt) }}
}

type storedKey struct {
	seq  int64
	hash string
}

// loadKeys finds, in one query, which of the batch's idempotency keys an
// order already holds. The batch's keys are distinct, so what it finds
// stays true while the batch runs.
func (bt *batchTx) loadKeys(ps []shop.PlaceOrder) error {
	pairs := make([][2]string, len(ps))
	for i, p := range ps {
		pairs[i] = [2]string{p.ShopperID, p.IdempotencyKey}
	}
	pairsJSON, err := json.Marshal(pairs)
	if err != nil {
		return err
	}
	rows, err := bt.st(bt.s.st.keysByPairs).QueryContext(bt.ctx, string(pairsJSON))
	if err != nil {
		return err
	}
	defer rows.Close()
	bt.keys = map[[2]string]storedKey{}
	for rows.Next() {
		var shopper, key string
		var k storedKey
		if err := rows.Scan(&shopper, &key, &k.seq, &k.hash); err != nil {
			return err
		}
		bt.keys[[2]string{shopper, key}] = k
	}
	return rows.Err()
}

// loadProducts reads the batch's products and forgets what the batch has
// decided so far.
func (bt *batchTx) loadProducts(ps []shop.PlaceOrder) error {
	seen := map[string]bool{}
	var ids []string
	for _, p := range ps {
		for _, it := range p.Items {
			if !seen[it.ProductID] {
				seen[it.ProductID] = true
				ids = append(ids, it.ProductID)
			}
		}
	}
	var err error
	bt.products, err = bt.s.productsTx(bt.ctx, bt.st, ids)
	bt.bought, bt.taken, bt.units, bt.placed = map[string]map[string]int{}, map[string]int{}, map[[2]string]int{}, nil
	return err
}

// placeAll decides every order in memory, then writes the accepted ones
// with one statement per table. On an error some of those writes may be
// in: the caller rolls back to the batch's savepoint.
func (bt *batchTx) placeAll(ps []shop.PlaceOrder) ([]outcome, error) {
	out := make([]outcome, len(ps))
	accepted := make([]int, 0, len(ps))
	for i, p := range ps {
		o, replayed, err := bt.decide(p)
		switch {
		case err != nil:
			if !errors.As(err, new(*shop.Error)) {
				return nil, err // a read failed (a replayed order, a shopper's purchases)
			}
			out[i] = outcome{err: err}
		case replayed:
			out[i] = outcome{order: o, replayed: true}
		default:
			bt.take(o)
			accepted = append(accepted, i)
			out[i] = outcome{order: o}
		}
	}
	if len(accepted) == 0 {
		return out, nil
	}
	rows := make([]orderRow, len(accepted))
	for j, i := range accepted {
		rows[j] = newOrderRow(ps[i], out[i].order.Total)
	}
	rowsJSON, err := json.Marshal(rows)
	if err != nil {
		return nil, err
	}
	res, err := bt.st(bt.s.st.insertOrders).QueryContext(bt.ctx, string(rowsJSON))
	if err != nil {
		return nil, err
	}
	seqs := make(map[string]int64, len(accepted))
	for res.Next() {
		var id string
		var seq int64
		if err := res.Scan(&id, &seq); err != nil {
			res.Close()
			return nil, err
		}
		seqs[id] = seq
	}
	if err := errors.Join(res.Err(), res.Close()); err != nil {
		return nil, err
	}
	for _, i := range accepted {
		seq, ok := seqs[out[i].order.ID]
		if !ok {
			return nil, fmt.Errorf("sqlite: order %s was not inserted", out[i].order.ID)
		}
		out[i].order.Seq = seq
		bt.placed = append(bt.placed, out[i].order)
	}
	return out, bt.flush()
}

// placeEach decides and writes one order after another, each under a
// savepoint: one that fails for a reason of its own is rolled back alone
// and the others go on.
func (bt *batchTx) placeEach(ps []shop.PlaceOrder) ([]outcome, error) {
	out := make([]outcome, len(ps))
	savepoint, release, rollback := bt.st(bt.s.st.savepoint), bt.st(bt.s.st.release), bt.st(bt.s.st.rollbackTo)
	insertOrder := bt.st(bt.s.st.insertOrder)
	for i, p := range ps {
		if _, err := savepoint.ExecContext(bt.ctx); err != nil {
			return nil, err
		}
		o, replayed, err := bt.decide(p)
		if err == nil && !replayed {
			o.Seq, err = bt.s.insertOrderRow(bt.ctx, insertOrder, p, o.Total)
		}
		if err != nil {
			if !isolatable(err) {
				return nil, err
			}
			// A rejected order wrote nothing; one that failed halfway
			// may have: either way its savepoint undoes it.
			if _, rerr := rollback.ExecContext(bt.ctx); rerr != nil {
				return nil, rerr
			}
			out[i] = outcome{err: translate(err, "Order not found.")}
		} else {
			out[i] = outcome{order: o, replayed: replayed}
		}
		if _, err := release.ExecContext(bt.ctx); err != nil {
			return nil, err
		}
		if err == nil && !replayed {
			bt.take(o)
			bt.placed = append(bt.placed, o)
		}
	}
	return out, bt.flush()
}

// decide answers one order: the stored order its key already made, or the
// order it makes now against the stock and purchases the batch has left,
// not yet written and without its seq.
func (bt *batchTx) decide(p shop.PlaceOrder) (shop.Order, bool, error) {
	if k, ok := bt.keys[[2]string{p.ShopperID, p.IdempotencyKey}]; ok {
		return bt.s.replaySeq(bt.ctx, bt.tx, p, k.seq, k.hash)
	}
	capped := false
	for _, it := range p.Items {
		if pr := bt.products[it.ProductID]; pr != nil && pr.MaxPerShopper > 0 {
			capped = true
		}
	}
	bought := bt.bought[p.ShopperID]
	if capped && bought == nil {
		ids := make([]string, 0, len(bt.products))
		for id := range bt.products {
			ids = append(ids, id)
		}
		var err error
		if bought, err = bt.s.purchasesTx(bt.ctx, bt.st, p.ShopperID, ids); err != nil {
			return shop.Order{}, false, err
		}
		// The batch writes its purchases only at the end.
		for k, n := range bt.units {
			if k[0] == p.ShopperID {
				bought[k[1]] += n
			}
		}
		bt.bought[p.ShopperID] = bought
	}
	// Reserve reads the shopper's purchases only for capped products; those
	// are the ones loaded.
	items, total, err := shop.Reserve(p, bt.products, bought)
	if err != nil {
		return shop.Order{}, false, err
	}
	return placedOrder(p, items, total), false, nil
}

// take applies an accepted order to the batch's stock and purchases.
func (bt *batchTx) take(o shop.Order) {
	bought := bt.bought[o.ShopperID]
	for _, it := range o.Items {
		bt.products[it.ProductID].Stock -= it.Quantity
		bt.taken[it.ProductID] += it.Quantity
		bt.units[[2]string{o.ShopperID, it.ProductID}] += it.Quantity
		if bought != nil {
			bought[it.ProductID] += it.Quantity
		}
	}
}

// flush writes the placed orders' items and history, one statement each,
// then the batch's stock decrements and purchase totals.
func (bt *batchTx) flush() error {
	if len(bt.placed) == 0 {
		return nil
	}
	var items [][7]any
	history := make([][3]any, 0, len(bt.placed))
	for _, o := range bt.placed {
		for line, it := range o.Items {
			items = append(items, [7]any{o.Seq, line, it.ProductID, it.Name, it.UnitPrice, it.Quantity, it.LineTotal})
		}
		history = append(history, [3]any{o.Seq, string(shop.StatusProcessing), fmtTime(o.CreatedAt)})
	}
	purchases := make([][3]any, 0, len(bt.units))
	for k, n := range bt.units {
		purchases = append(purchases, [3]any{k[0], k[1], n})
	}
	for _, w := range []struct {
		stmt *sql.Stmt
		rows any
	}{{bt.s.st.insertItems, items}, {bt.s.st.insertHistories, history}, {bt.s.st.addPurchases, purchases}} {
		rowsJSON, err := json.Marshal(w.rows)
		if err != nil {
			return err
		}
		if _, err := bt.st(w.stmt).ExecContext(bt.ctx, string(rowsJSON)); err != nil {
			return err
		}
	}
	at := fmtTime(bt.placed[len(bt.placed)-1].CreatedAt)
	takeStock := bt.st(bt.s.st.takeStock)
	for id, n := range bt.taken {
		if _, err := takeStock.ExecContext(bt.ctx, n, at, id); err != nil {
			return err
		}
	}
	return nil
}

// orderRow is an orders row as the statement that inserts a batch's orders
// reads it from JSON.
type orderRow struct {
	ID        string `json:"id"`
	Shopper   string `json:"shopper"`
	Key       string `json:"key"`
	Hash      string `json:"hash"`
	Total     int64  `json:"total"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Address   string `json:"address"`
	Line1     string `json:"line1"`
	Line2     string `json:"line2"`
	City      string `json:"city"`
	State     string `json:"state"`
	PinCode   string `json:"pin"`
	Payment   string `json:"payment"`
	CreatedAt string `json:"at"`
}

func newOrderRow(p shop.PlaceOrder, total int64) orderRow {
	c := p.Customer
	return orderRow{ID: p.ID, Shopper: p.ShopperID, Key: p.IdempotencyKey, Hash: p.RequestHash, Total: total,
		Name: c.Name, Email: c.Email, Phone: c.Phone, Address: c.Address, Line1: c.AddressLine1, Line2: c.AddressLine2,
		City: c.City, State: c.State, PinCode: c.PinCode, Payment: p.PaymentMethod, CreatedAt: fmtTime(p.At)}
}

// placeTx places one order inside tx. It writes nothing unless the order is
// accepted, so a rejected order needs no rollback of its own.
func (s *Store) placeTx(ctx context.Context, tx *sql.Tx, p shop.PlaceOrder) (shop.Order, bool, error) {
	st := func(stmt *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, stmt) }
	if o, found, err := s.replay(ctx, tx, st(s.st.orderByKey), p); found || err != nil {
		return o, found, err
	}
	ids := make([]string, len(p.Items))
	for i, it := range p.Items {
		ids[i] = it.ProductID
	}
	products, err := s.productsTx(ctx, st, ids)
	if err != nil {
		return shop.Order{}, false, err
	}
	bought, err := s.purchasesTx(ctx, st, p.ShopperID, ids)
	if err != nil {
		return shop.Order{}, false, err
	}
	items, total, err := shop.Reserve(p, products, bought)
	if err != nil {
		return shop.Order{}, false, err
	}
	o, err := s.writeOrder(ctx, st(s.st.insertOrder), st(s.st.insertItem), st(s.st.insertHistory), p, items, total)
	if err != nil {
		return shop.Order{}, false, err
	}
	at := fmtTime(p.At)
	takeStock, addPurchase := st(s.st.takeStock), st(s.st.addPurchase)
	for _, it := range items {
		if _, err := takeStock.ExecContext(ctx, it.Quantity, at, it.ProductID); err != nil {
			return shop.Order{}, false, err
		}
		if _, err := addPurchase.ExecContext(ctx, p.ShopperID, it.ProductID, it.Quantity); err != nil {
			return shop.Order{}, false, err
		}
	}
	return o, false, nil
}

// replay finds the order p's idempotency key already made: found with the
// order when its request matches, an EIDEMPOTENCY error when it does not.
func (s *Store) replay(ctx context.Context, tx *sql.Tx, orderByKey *sql.Stmt, p shop.PlaceOrder) (shop.Order, bool, error) {
	var seq int64
	var hash string
	err := orderByKey.QueryRowContext(ctx, p.ShopperID, p.IdempotencyKey).Scan(&seq, &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return shop.Order{}, false, nil
	case err != nil:
		return shop.Order{}, false, err
	}
	return s.replaySeq(ctx, tx, p, seq, hash)
}

// replaySeq answers p with the stored order seq that holds its key.
func (s *Store) replaySeq(ctx context.Context, tx *sql.Tx, p shop.PlaceOrder, seq int64, hash string) (shop.Order, bool, error) {
	if hash != p.RequestHash {
		return shop.Order{}, false, shop.Errorf(shop.EIDEMPOTENCY, "This Idempotency-Key was already used for a different order.")
	}
	orders, err := loadOrders(ctx, tx, s.st.orderBySeq, s.st.writeDetails, seq)
	if err != nil || len(orders) == 0 {
		return shop.Order{}, false, errors.Join(errors.New("idempotent order vanished"), err)
	}
	return orders[0].Order, true, nil
}

// productsTx reads the products with the given ids on the writer.
func (s *Store) productsTx(ctx context.Context, st func(*sql.Stmt) *sql.Stmt, ids []string) (map[string]*shop.Product, error) {
	idsJSON, _ := json.Marshal(ids)
	products := map[string]*shop.Product{}
	rows, err := st(s.st.productsByIDs).QueryContext(ctx, string(idsJSON))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		pr, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		products[pr.ID] = &pr
	}
	return products, rows.Err()
}

// purchasesTx reads the units the shopper bought of the given products on
// the writer.
func (s *Store) purchasesTx(ctx context.Context, st func(*sql.Stmt) *sql.Stmt, shopper string, ids []string) (map[string]int, error) {
	idsJSON, _ := json.Marshal(ids)
	bought := map[string]int{}
	rows, err := st(s.st.purchases).QueryContext(ctx, shopper, string(idsJSON))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		bought[id] = n
	}
	return bought, rows.Err()
}

// writeOrder inserts an accepted order with its items and first status.
func (s *Store) writeOrder(ctx context.Context, insertOrder, insertItem, insertHistory *sql.Stmt,
	p shop.PlaceOrder, items []shop.OrderItem, total int64) (shop.Order, error) {
	o := placedOrder(p, items, total)
	var err error
	if o.Seq, err = s.insertOrderRow(ctx, insertOrder, p, total); err != nil {
		return shop.Order{}, err
	}
	for line, it := range items {
		if _, err := insertItem.ExecContext(ctx, o.Seq, line, it.ProductID, it.Name, it.UnitPrice, it.Quantity, it.LineTotal); err != nil {
			return shop.Order{}, err
		}
	}
	if _, err := insertHistory.ExecContext(ctx, o.Seq, string(shop.StatusProcessing), fmtTime(p.At)); err != nil {
		return shop.Order{}, err
	}
	return o, nil
}

// insertOrderRow inserts the orders row of an accepted order and returns
// its seq.
func (s *Store) insertOrderRow(ctx context.Context, insertOrder *sql.Stmt, p shop.PlaceOrder, total int64) (int64, error) {
	c := p.Customer
	var seq int64
	err := insertOrder.QueryRowContext(ctx, p.ID, p.ShopperID, p.IdempotencyKey, p.RequestHash, total, shop.Currency,
		c.Name, c.Email, c.Phone, c.Address, c.AddressLine1, c.AddressLine2, c.City, c.State, c.PinCode, p.PaymentMethod,
		string(shop.StatusProcessing), fmtTime(p.At)).Scan(&seq)
	return seq, err
}

// placedOrder is the order p makes with the given items, as it is placed.
func placedOrder(p shop.PlaceOrder, items []shop.OrderItem, total int64) shop.Order {
	return shop.Order{ID: p.ID, ShopperID: p.ShopperID, Items: items, Total: total, Currency: shop.Currency,
		Customer: p.Customer, PaymentMethod: p.PaymentMethod, Status: shop.StatusProcessing, CreatedAt: p.At,
		History: []shop.StatusChange{{Status: shop.StatusProcessing, At: p.At}}}
}
