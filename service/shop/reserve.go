package shop

import (
	"errors"
	"fmt"
	"strings"
)

// The sale rules every store applies inside its checkout transaction, so
// SQLite and PostgreSQL cannot drift apart; the contract suite pins them.

// Check re-validates what the HTTP layer already validated: a store
// must not trust its caller with stock, so a zero or negative quantity or a
// repeated line never reaches the stock arithmetic, and text a database
// cannot store (a NUL) never reaches a checkout transaction or batch.
func (p PlaceOrder) Check() error {
	if p.ID == "" || p.ShopperID == "" || p.IdempotencyKey == "" {
		return Internal(errors.New("order id, shopper id and idempotency key are required"), "Order could not be placed.")
	}
	items := append([]LineRequest(nil), p.Items...)
	fields := validateLines(items)
	if err := validateCustomer(p.Customer, fields); err != nil {
		return err
	}
	return invalid(fields, "Checkout request is invalid.")
}

// Reserve decides one order against product rows the caller has locked and
// the units the shopper already bought (by product id). It changes nothing:
// on success the caller applies the decrements. Checks run in a fixed order
// so that a shopper sees the most fundamental problem first: unknown
// product, closed sale, short stock (every short line), then the cap.
func Reserve(p PlaceOrder, products map[string]*Product, bought map[string]int) ([]OrderItem, int64, error) {
	index := make(map[string]int, len(p.Items))
	unknown := map[string]string{}
	for i, it := range p.Items {
		index[it.ProductID] = i
		if products[it.ProductID] == nil {
			unknown[fmt.Sprintf("items[%d].productId", i)] = "unknown product"
		}
	}
	if len(unknown) > 0 {
		return nil, 0, &Error{Code: EINVALID, Message: "Some products in the cart do not exist.", Fields: unknown}
	}

	lines := SortedItems(p.Items)
	var inactive []string
	fields := map[string]string{}
	for _, it := range lines {
		if pr := products[it.ProductID]; !pr.SaleWindow.Active(p.At) {
			inactive = append(inactive, pr.Name)
			fields[fmt.Sprintf("items[%d].productId", index[it.ProductID])] = "sale is not active"
		}
	}
	if len(inactive) > 0 {
		return nil, 0, &Error{Code: ESALEINACTIVE, Fields: fields,
			Message: "The sale is not active for: " + strings.Join(inactive, ", ") + "."}
	}

	var short []Shortage
	var shortNames []string
	for _, it := range lines {
		if pr := products[it.ProductID]; pr.Stock < it.Quantity {
			short = append(short, Shortage{ProductID: it.ProductID, Requested: it.Quantity, Available: pr.Stock})
			shortNames = append(shortNames, pr.Name)
		}
	}
	if len(short) > 0 {
		return nil, 0, &Error{Code: ESOLDOUT, Shortages: short,
			Message: "Not enough stock for: " + strings.Join(shortNames, ", ") + "."}
	}

	// Every line over its cap is named, with what the shopper may still buy
	// (Shortages' Available), so the shop can offer to lower each at once.
	var capped []Shortage
	var cappedMsgs []string
	fields = map[string]string{}
	for _, it := range lines {
		pr := products[it.ProductID]
		if pr.MaxPerShopper > 0 && bought[it.ProductID]+it.Quantity > pr.MaxPerShopper {
			left := max(0, pr.MaxPerShopper-bought[it.ProductID])
			capped = append(capped, Shortage{ProductID: it.ProductID, Requested: it.Quantity, Available: left})
			cappedMsgs = append(cappedMsgs, fmt.Sprintf("at most %d of %s", pr.MaxPerShopper, pr.Name))
			fields[fmt.Sprintf("items[%d].quantity", index[it.ProductID])] = fmt.Sprintf(
				"at most %d per shopper, %d already bought", pr.MaxPerShopper, bought[it.ProductID])
		}
	}
	if len(capped) > 0 {
		return nil, 0, &Error{Code: ELIMIT, Fields: fields, Shortages: capped,
			Message: "You can buy " + strings.Join(cappedMsgs, " and ") + "."}
	}

	items := make([]OrderItem, len(lines))
	var total int64
	for i, it := range lines {
		pr := products[it.ProductID]
		items[i] = OrderItem{ProductID: it.ProductID, Name: pr.Name, UnitPrice: pr.Price,
			Quantity: it.Quantity, LineTotal: pr.Price * int64(it.Quantity)}
		total += items[i].LineTotal
	}
	return items, total, nil
}
