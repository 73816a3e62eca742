package postgres

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// The sale rules below are kept identical to service/sqlite/rules.go; they
// belong in package shop (reported to the lead) and both adapters would call
// them from there. The contract suite pins their behaviour for both stores.

// checkRequest re-validates what the HTTP layer already validated: a store
// must not trust its caller with stock, so a zero or negative quantity or a
// repeated line never reaches the stock arithmetic.
func checkRequest(p shop.PlaceOrder) error {
	if p.ID == "" || p.ShopperID == "" || p.IdempotencyKey == "" {
		return shop.Internal(errors.New("order id, shopper id and idempotency key are required"), "Order could not be placed.")
	}
	items := append([]shop.LineRequest(nil), p.Items...)
	return (&shop.QuoteRequest{Items: items}).Validate()
}

// reserve decides one order against product rows the caller has locked and
// the units the shopper already bought (by product id). It changes nothing:
// on success the caller applies the decrements. Checks run in a fixed order
// so that a shopper sees the most fundamental problem first: unknown
// product, closed sale, short stock (every short line), then the cap.
func reserve(p shop.PlaceOrder, products map[string]*shop.Product, bought map[string]int) ([]shop.OrderItem, int64, error) {
	index := make(map[string]int, len(p.Items))
	unknown := map[string]string{}
	for i, it := range p.Items {
		index[it.ProductID] = i
		if products[it.ProductID] == nil {
			unknown[fmt.Sprintf("items[%d].productId", i)] = "unknown product"
		}
	}
	if len(unknown) > 0 {
		return nil, 0, &shop.Error{Code: shop.EINVALID, Message: "Some products in the cart do not exist.", Fields: unknown}
	}

	lines := shop.SortedItems(p.Items)
	var inactive []string
	fields := map[string]string{}
	for _, it := range lines {
		if pr := products[it.ProductID]; !pr.SaleWindow.Active(p.At) {
			inactive = append(inactive, pr.Name)
			fields[fmt.Sprintf("items[%d].productId", index[it.ProductID])] = "sale is not active"
		}
	}
	if len(inactive) > 0 {
		return nil, 0, &shop.Error{Code: shop.ESALEINACTIVE, Fields: fields,
			Message: "The sale is not active for: " + strings.Join(inactive, ", ") + "."}
	}

	var short []shop.Shortage
	var shortNames []string
	for _, it := range lines {
		if pr := products[it.ProductID]; pr.Stock < it.Quantity {
			short = append(short, shop.Shortage{ProductID: it.ProductID, Requested: it.Quantity, Available: pr.Stock})
			shortNames = append(shortNames, pr.Name)
		}
	}
	if len(short) > 0 {
		return nil, 0, &shop.Error{Code: shop.ESOLDOUT, Shortages: short,
			Message: "Not enough stock for: " + strings.Join(shortNames, ", ") + "."}
	}

	for _, it := range lines {
		pr := products[it.ProductID]
		if pr.MaxPerShopper > 0 && bought[it.ProductID]+it.Quantity > pr.MaxPerShopper {
			return nil, 0, &shop.Error{Code: shop.ELIMIT,
				Message: fmt.Sprintf("You can buy at most %d of %s.", pr.MaxPerShopper, pr.Name),
				Fields: map[string]string{fmt.Sprintf("items[%d].quantity", index[it.ProductID]): fmt.Sprintf(
					"at most %d per shopper, %d already bought", pr.MaxPerShopper, bought[it.ProductID])}}
		}
	}

	items := make([]shop.OrderItem, len(lines))
	var total int64
	for i, it := range lines {
		pr := products[it.ProductID]
		items[i] = shop.OrderItem{ProductID: it.ProductID, Name: pr.Name, UnitPrice: pr.Price,
			Quantity: it.Quantity, LineTotal: pr.Price * int64(it.Quantity)}
		total += items[i].LineTotal
	}
	return items, total, nil
}

// dbTime is how every time is stored: UTC, truncated to the microsecond
// PostgreSQL keeps, so what PlaceOrder returns equals what GetOrder reads.
func dbTime(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

func dbTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := dbTime(*t)
	return &u
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
