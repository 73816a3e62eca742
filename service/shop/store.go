package shop

import (
	"context"
	"time"
)

// Store is the persistence contract. Both adapters (sqlite, postgres) pass
// the same contract suite (service/storetest). Implementations translate
// driver errors into *Error: no rows → ENOTFOUND, unique violation →
// ECONFLICT, and anything unexpected → EINTERNAL.
type Store interface {
	// Ping checks the store is reachable (readiness).
	Ping(ctx context.Context) error
	Close() error

	// SeedProducts inserts products only when the catalog is empty, so that
	// several pods starting at once seed it exactly once. It reports whether
	// it inserted anything.
	SeedProducts(ctx context.Context, products []Product) (bool, error)
	ListProducts(ctx context.Context) ([]Product, error)
	GetProduct(ctx context.Context, id string) (Product, error)
	SetStock(ctx context.Context, id string, stock int) (Product, error)
	SetSaleWindow(ctx context.Context, id string, w SaleWindow) (Product, error)
	// SetMaxPerShopper sets a product's per-shopper cap; 0 is none.
	SetMaxPerShopper(ctx context.Context, id string, n int) (Product, error)

	// PlaceOrder reserves stock and records the order in one transaction:
	// either every line's stock is decremented and the order exists, or
	// nothing changed. Prices come from the store, never the request.
	//
	// If (ShopperID, IdempotencyKey) was used before with the same
	// RequestHash it returns that order and replayed=true; with a different
	// hash it fails with EIDEMPOTENCY. Unknown products fail with EINVALID
	// (Fields name the line), short stock with ESOLDOUT (Shortages name
	// every short line), a closed sale window with ESALEINACTIVE and a
	// per-shopper cap with ELIMIT.
	PlaceOrder(ctx context.Context, p PlaceOrder) (o Order, replayed bool, err error)

	// PurchasedUnits returns how many units of each of productIDs the
	// shopper has bought across all orders (products never bought are
	// absent), for showing per-shopper caps before checkout. Checkout does
	// not rely on it: it re-reads purchases under the product locks.
	PurchasedUnits(ctx context.Context, shopperID string, productIDs []string) (map[string]int, error)

	// ListOrders returns a shopper's orders, newest first.
	ListOrders(ctx context.Context, shopperID string, page OrderPage) ([]Order, error)
	// GetOrder returns one order of a shopper; another shopper's order is
	// ENOTFOUND, exactly like a missing one.
	GetOrder(ctx context.Context, shopperID, orderID string) (Order, error)
	// AdvanceOrder moves an order to its next status (admin).
	AdvanceOrder(ctx context.Context, orderID string, at time.Time) (Order, error)

	// Outbox holds the order confirmation emails (outbox.go).
	Outbox
	// CreateAccount stores a new account; an email (or id) already
	// registered is ECONFLICT.
	CreateAccount(ctx context.Context, a Account) error
	// AccountByEmail returns the account with the (normalized) email, or
	// ENOTFOUND.
	AccountByEmail(ctx context.Context, email string) (Account, error)
	// CreateSession stores a session, and drops the account's sessions
	// that have expired by its CreatedAt so the table does not grow
	// without bound. An unknown account is ENOTFOUND.
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns the session whose token hashes to tokenHash, with
	// its Account, when it is active at now; a missing, revoked or expired
	// session is ENOTFOUND.
	GetSession(ctx context.Context, tokenHash string, now time.Time) (Session, error)
	// TouchSession moves a session's idle expiry to idleExpiresAt (never
	// past its absolute expiry). A missing session is not an error.
	TouchSession(ctx context.Context, tokenHash string, idleExpiresAt time.Time) error
	// DeleteSession revokes a session (sign-out). A missing session is not
	// an error: signing out twice is fine.
	DeleteSession(ctx context.Context, tokenHash string) error
	// SessionRevocations is the revocation feed pods poll to drop signed-out
	// sessions from their caches. It returns the token hashes of the
	// sessions deleted (by DeleteSession, or any other delete: the store
	// records them in the deleting transaction) with a revocation time after
	// since, and latest, the database's clock when it looked. Both times are
	// the database's, never a pod's. Revocations can commit out of the
	// order of their times, by up to the longest write transaction, so a
	// poller passes the latest it was given minus an overlap longer than
	// that: it sees some revocations twice and none never. A zero since
	// returns every revocation still kept.
	SessionRevocations(ctx context.Context, since time.Time) (hashes []string, latest time.Time, err error)
	// PruneSessionRevocations deletes at most limit of the revocations
	// recorded before before (the database's clock), oldest first, and
	// reports how many it deleted.
	PruneSessionRevocations(ctx context.Context, before time.Time, limit int) (int, error)
}
