package shop

import (
	"context"
	"time"
)

// WithDeadline returns a Store whose every call is bounded by d. A store
// call that has not finished by then fails with EUNAVAILABLE (503 and
// Retry-After), so one lock, one slow disk or one lost connection makes
// requests fail fast and free their pool slot instead of queueing until
// every request of the instance waits (a lock once made product reads wait
// 17 s and starved readiness). d <= 0 returns s unchanged.
func WithDeadline(s Store, d time.Duration) Store {
	if d <= 0 {
		return s
	}
	return &deadlineStore{s: s, d: d}
}

type deadlineStore struct {
	s Store
	d time.Duration
}

// call runs fn under the deadline and turns the failure it caused into
// EUNAVAILABLE. A domain answer (not found, sold out, ...) that arrived in
// time is passed on unchanged; only errors the store could not classify
// are replaced, since with the context gone they are its consequence.
func call[T any](parent context.Context, d time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(parent, d)
	defer cancel()
	v, err := fn(ctx)
	if err != nil && ctx.Err() != nil {
		if code := ErrorCode(err); code == EINTERNAL || code == EUNAVAILABLE {
			if parent.Err() != nil { // the client went away, or the server is stopping
				return v, Unavailable(err, "The request was cancelled; please retry.")
			}
			return v, Unavailable(err, "The store did not answer in time; please retry.")
		}
	}
	return v, err
}

func (t *deadlineStore) Ping(ctx context.Context) error {
	_, err := call(ctx, t.d, func(ctx context.Context) (struct{}, error) { return struct{}{}, t.s.Ping(ctx) })
	return err
}

func (t *deadlineStore) Close() error { return t.s.Close() }

func (t *deadlineStore) SeedProducts(ctx context.Context, products []Product) (bool, error) {
	return call(ctx, t.d, func(ctx context.Context) (bool, error) { return t.s.SeedProducts(ctx, products) })
}

func (t *deadlineStore) ListProducts(ctx context.Context) ([]Product, error) {
	return call(ctx, t.d, t.s.ListProducts)
}

func (t *deadlineStore) GetProduct(ctx context.Context, id string) (Product, error) {
	return call(ctx, t.d, func(ctx context.Context) (Product, error) { return t.s.GetProduct(ctx, id) })
}

func (t *deadlineStore) SetStock(ctx context.Context, id string, stock int) (Product, error) {
	return call(ctx, t.d, func(ctx context.Context) (Product, error) { return t.s.SetStock(ctx, id, stock) })
}

func (t *deadlineStore) SetSaleWindow(ctx context.Context, id string, w SaleWindow) (Product, error) {
	return call(ctx, t.d, func(ctx context.Context) (Product, error) { return t.s.SetSaleWindow(ctx, id, w) })
}

func (t *deadlineStore) SetMaxPerShopper(ctx context.Context, id string, n int) (Product, error) {
	return call(ctx, t.d, func(ctx context.Context) (Product, error) { return t.s.SetMaxPerShopper(ctx, id, n) })
}

// PlaceOrder: a checkout cut off by the deadline may still commit (a
// PostgreSQL batch finishes on its own); the retry the 503 asks for, with
// the same Idempotency-Key, then replays that order.
func (t *deadlineStore) PlaceOrder(ctx context.Context, p PlaceOrder) (Order, bool, error) {
	type placed struct {
		o        Order
		replayed bool
	}
	r, err := call(ctx, t.d, func(ctx context.Context) (placed, error) {
		o, replayed, err := t.s.PlaceOrder(ctx, p)
		return placed{o, replayed}, err
	})
	return r.o, r.replayed, err
}

func (t *deadlineStore) ListOrders(ctx context.Context, shopperID string, page OrderPage) ([]Order, error) {
	return call(ctx, t.d, func(ctx context.Context) ([]Order, error) { return t.s.ListOrders(ctx, shopperID, page) })
}

func (t *deadlineStore) GetOrder(ctx context.Context, shopperID, orderID string) (Order, error) {
	return call(ctx, t.d, func(ctx context.Context) (Order, error) { return t.s.GetOrder(ctx, shopperID, orderID) })
}

func (t *deadlineStore) AdvanceOrder(ctx context.Context, orderID string, at time.Time) (Order, error) {
	return call(ctx, t.d, func(ctx context.Context) (Order, error) { return t.s.AdvanceOrder(ctx, orderID, at) })
}

func (t *deadlineStore) PurchasedUnits(ctx context.Context, shopperID string, productIDs []string) (map[string]int, error) {
	return call(ctx, t.d, func(ctx context.Context) (map[string]int, error) {
		return t.s.PurchasedUnits(ctx, shopperID, productIDs)
	})
}

func (t *deadlineStore) ClaimEmails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Email, error) {
	return call(ctx, t.d, func(ctx context.Context) ([]Email, error) { return t.s.ClaimEmails(ctx, now, lease, limit) })
}

func (t *deadlineStore) MarkEmailSent(ctx context.Context, id int64, at time.Time) error {
	_, err := call(ctx, t.d, func(ctx context.Context) (struct{}, error) { return struct{}{}, t.s.MarkEmailSent(ctx, id, at) })
	return err
}

func (t *deadlineStore) RetryEmail(ctx context.Context, id int64, attempt int, retryAt time.Time, reason string) error {
	_, err := call(ctx, t.d, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, t.s.RetryEmail(ctx, id, attempt, retryAt, reason)
	})
	return err
}

func (t *deadlineStore) CreateAccount(ctx context.Context, a Account) error {
	_, err := call(ctx, t.d, func(ctx context.Context) (struct{}, error) { return struct{}{}, t.s.CreateAccount(ctx, a) })
	return err
}

func (t *deadlineStore) AccountByEmail(ctx context.Context, email string) (Account, error) {
	return call(ctx, t.d, func(ctx context.Context) (Account, error) { return t.s.AccountByEmail(ctx, email) })
}

func (t *deadlineStore) CreateSession(ctx context.Context, s Session) error {
	_, err := call(ctx, t.d, func(ctx context.Context) (struct{}, error) { return struct{}{}, t.s.CreateSession(ctx, s) })
	return err
}

func (t *deadlineStore) GetSession(ctx context.Context, tokenHash string, now time.Time) (Session, error) {
	return call(ctx, t.d, func(ctx context.Context) (Session, error) { return t.s.GetSession(ctx, tokenHash, now) })
}

func (t *deadlineStore) TouchSession(ctx context.Context, tokenHash string, idleExpiresAt time.Time) error {
	_, err := call(ctx, t.d, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, t.s.TouchSession(ctx, tokenHash, idleExpiresAt)
	})
	return err
}

func (t *deadlineStore) EmailBacklog(ctx context.Context) (int, time.Time, error) {
	type backlog struct {
		n      int
		oldest time.Time
	}
	b, err := call(ctx, t.d, func(ctx context.Context) (backlog, error) {
		n, oldest, err := t.s.EmailBacklog(ctx)
		return backlog{n, oldest}, err
	})
	return b.n, b.oldest, err
}

func (t *deadlineStore) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := call(ctx, t.d, func(ctx context.Context) (struct{}, error) { return struct{}{}, t.s.DeleteSession(ctx, tokenHash) })
	return err
}

func (t *deadlineStore) SessionRevocations(ctx context.Context, since time.Time) ([]string, time.Time, error) {
	type feed struct {
		hashes []string
		latest time.Time
	}
	f, err := call(ctx, t.d, func(ctx context.Context) (feed, error) {
		hashes, latest, err := t.s.SessionRevocations(ctx, since)
		return feed{hashes, latest}, err
	})
	return f.hashes, f.latest, err
}

func (t *deadlineStore) PruneSessionRevocations(ctx context.Context, before time.Time, limit int) (int, error) {
	return call(ctx, t.d, func(ctx context.Context) (int, error) { return t.s.PruneSessionRevocations(ctx, before, limit) })
}
