package shop_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// hungStore never answers before its caller gives up, as a store behind a
// lock or a dead connection; each call then fails the way a driver does.
type hungStore struct{ answer error }

func (h hungStore) wait(ctx context.Context) error {
	<-ctx.Done()
	if h.answer != nil {
		return h.answer
	}
	return shop.Internal(ctx.Err(), "Database error.")
}

func (h hungStore) Ping(ctx context.Context) error { return h.wait(ctx) }
func (h hungStore) Close() error                   { return nil }
func (h hungStore) SeedProducts(ctx context.Context, _ []shop.Product) (bool, error) {
	return false, h.wait(ctx)
}
func (h hungStore) ListProducts(ctx context.Context) ([]shop.Product, error) { return nil, h.wait(ctx) }
func (h hungStore) GetProduct(ctx context.Context, _ string) (shop.Product, error) {
	return shop.Product{}, h.wait(ctx)
}
func (h hungStore) SetStock(ctx context.Context, _ string, _ int) (shop.Product, error) {
	return shop.Product{}, h.wait(ctx)
}
func (h hungStore) SetSaleWindow(ctx context.Context, _ string, _ shop.SaleWindow) (shop.Product, error) {
	return shop.Product{}, h.wait(ctx)
}
func (h hungStore) SetMaxPerShopper(ctx context.Context, _ string, _ int) (shop.Product, error) {
	return shop.Product{}, h.wait(ctx)
}
func (h hungStore) PlaceOrder(ctx context.Context, _ shop.PlaceOrder) (shop.Order, bool, error) {
	return shop.Order{}, false, h.wait(ctx)
}
func (h hungStore) ListOrders(ctx context.Context, _ string, _ shop.OrderPage) ([]shop.Order, error) {
	return nil, h.wait(ctx)
}
func (h hungStore) GetOrder(ctx context.Context, _, _ string) (shop.Order, error) {
	return shop.Order{}, h.wait(ctx)
}
func (h hungStore) AdvanceOrder(ctx context.Context, _ string, _ time.Time) (shop.Order, error) {
	return shop.Order{}, h.wait(ctx)
}
func (h hungStore) PurchasedUnits(ctx context.Context, _ string, _ []string) (map[string]int, error) {
	return nil, h.wait(ctx)
}
func (h hungStore) ClaimEmails(ctx context.Context, _ time.Time, _ time.Duration, _ int) ([]shop.Email, error) {
	return nil, h.wait(ctx)
}
func (h hungStore) MarkEmailSent(ctx context.Context, _ int64, _ time.Time) error { return h.wait(ctx) }
func (h hungStore) RetryEmail(ctx context.Context, _ int64, _ int, _ time.Time, _ string) error {
	return h.wait(ctx)
}
func (h hungStore) EmailBacklog(ctx context.Context) (int, time.Time, error) {
	return 0, time.Time{}, h.wait(ctx)
}

func (h hungStore) CreateAccount(ctx context.Context, _ shop.Account) error { return h.wait(ctx) }
func (h hungStore) AccountByEmail(ctx context.Context, _ string) (shop.Account, error) {
	return shop.Account{}, h.wait(ctx)
}
func (h hungStore) CreateSession(ctx context.Context, _ shop.Session) error { return h.wait(ctx) }
func (h hungStore) GetSession(ctx context.Context, _ string, _ time.Time) (shop.Session, error) {
	return shop.Session{}, h.wait(ctx)
}
func (h hungStore) TouchSession(ctx context.Context, _ string, _ time.Time) error { return h.wait(ctx) }
func (h hungStore) DeleteSession(ctx context.Context, _ string) error             { return h.wait(ctx) }
func (h hungStore) SessionRevocations(ctx context.Context, _ time.Time) ([]string, time.Time, error) {
	return nil, time.Time{}, h.wait(ctx)
}
func (h hungStore) PruneSessionRevocations(ctx context.Context, _ time.Time, _ int) (int, error) {
	return 0, h.wait(ctx)
}

func calls(s shop.Store) map[string]func(ctx context.Context) error {
	return map[string]func(ctx context.Context) error{
		"Ping":             s.Ping,
		"SeedProducts":     func(ctx context.Context) error { _, err := s.SeedProducts(ctx, nil); return err },
		"ListProducts":     func(ctx context.Context) error { _, err := s.ListProducts(ctx); return err },
		"GetProduct":       func(ctx context.Context) error { _, err := s.GetProduct(ctx, "p"); return err },
		"SetStock":         func(ctx context.Context) error { _, err := s.SetStock(ctx, "p", 1); return err },
		"SetSaleWindow":    func(ctx context.Context) error { _, err := s.SetSaleWindow(ctx, "p", shop.SaleWindow{}); return err },
		"SetMaxPerShopper": func(ctx context.Context) error { _, err := s.SetMaxPerShopper(ctx, "p", 1); return err },
		"PlaceOrder":       func(ctx context.Context) error { _, _, err := s.PlaceOrder(ctx, shop.PlaceOrder{}); return err },
		"ListOrders":       func(ctx context.Context) error { _, err := s.ListOrders(ctx, "s", shop.OrderPage{}); return err },
		"GetOrder":         func(ctx context.Context) error { _, err := s.GetOrder(ctx, "s", "o"); return err },
		"AdvanceOrder":     func(ctx context.Context) error { _, err := s.AdvanceOrder(ctx, "o", time.Now()); return err },
		"PurchasedUnits": func(ctx context.Context) error {
			_, err := s.PurchasedUnits(ctx, "s", []string{"p"})
			return err
		},
		"ClaimEmails": func(ctx context.Context) error {
			_, err := s.ClaimEmails(ctx, time.Now(), time.Minute, 1)
			return err
		},
		"MarkEmailSent":  func(ctx context.Context) error { return s.MarkEmailSent(ctx, 1, time.Now()) },
		"RetryEmail":     func(ctx context.Context) error { return s.RetryEmail(ctx, 1, 1, time.Now(), "x") },
		"EmailBacklog":   func(ctx context.Context) error { _, _, err := s.EmailBacklog(ctx); return err },
		"CreateAccount":  func(ctx context.Context) error { return s.CreateAccount(ctx, shop.Account{}) },
		"AccountByEmail": func(ctx context.Context) error { _, err := s.AccountByEmail(ctx, "a@b.in"); return err },
		"CreateSession":  func(ctx context.Context) error { return s.CreateSession(ctx, shop.Session{}) },
		"GetSession":     func(ctx context.Context) error { _, err := s.GetSession(ctx, "h", time.Now()); return err },
		"TouchSession":   func(ctx context.Context) error { return s.TouchSession(ctx, "h", time.Now()) },
		"DeleteSession":  func(ctx context.Context) error { return s.DeleteSession(ctx, "h") },
		"SessionRevocations": func(ctx context.Context) error {
			_, _, err := s.SessionRevocations(ctx, time.Time{})
			return err
		},
		"PruneSessionRevocations": func(ctx context.Context) error {
			_, err := s.PruneSessionRevocations(ctx, time.Now(), 1)
			return err
		},
	}
}

// calls covers every method of the Store interface but Close: a method
// added to the interface must be bounded (and listed) too.
func TestCallsCoverTheStore(t *testing.T) {
	store := reflect.TypeFor[shop.Store]()
	listed := calls(hungStore{})
	for i := range store.NumMethod() {
		if name := store.Method(i).Name; name != "Close" && listed[name] == nil {
			t.Errorf("Store.%s is not exercised by the deadline tests", name)
		}
	}
}

// Every call through WithDeadline ends at the deadline, even when the
// caller's context has none, with EUNAVAILABLE; a domain answer the store
// gave is kept.
func TestWithDeadlineBoundsEveryCall(t *testing.T) {
	for name, call := range calls(shop.WithDeadline(hungStore{}, 20*time.Millisecond)) {
		if err := call(context.Background()); shop.ErrorCode(err) != shop.EUNAVAILABLE {
			t.Errorf("%s past its deadline: %v; want %s", name, err, shop.EUNAVAILABLE)
		}
	}
	notFound := shop.Errorf(shop.ENOTFOUND, "Product not found.")
	for name, call := range calls(shop.WithDeadline(hungStore{answer: notFound}, 20*time.Millisecond)) {
		if err := call(context.Background()); err != notFound {
			t.Errorf("%s: %v; want the store's own answer", name, err)
		}
	}
}
