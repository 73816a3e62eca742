package shop

import "time"

// Product is one item of the catalog. Stock is the number of units left;
// checkout is the authority on it, listings may lag by up to a second.
type Product struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Category is the id of one of Categories(); "" for products stocked
	// before categories existed.
	Category string `json:"category"`
	ImageURL string `json:"imageUrl"`
	Price    int64  `json:"price"`
	MRP      int64  `json:"mrp"`
	Currency string `json:"currency"`
	Stock    int    `json:"stock"`
	SaleWindow
	// MaxPerShopper caps the units one shopper may buy of this product across
	// all their orders; 0 means no cap.
	MaxPerShopper int `json:"maxPerShopper,omitempty"`
}

// SaleWindow is when a product may be bought. A nil bound is open.
type SaleWindow struct {
	SaleStartsAt *time.Time `json:"saleStartsAt,omitempty"`
	SaleEndsAt   *time.Time `json:"saleEndsAt,omitempty"`
}

// Validate reports an EINVALID error when the window ends before it starts.
func (w SaleWindow) Validate() error {
	if w.SaleStartsAt != nil && w.SaleEndsAt != nil && !w.SaleEndsAt.After(*w.SaleStartsAt) {
		return &Error{Code: EINVALID, Message: "Sale window is invalid.",
			Fields: map[string]string{"saleEndsAt": "must be after saleStartsAt"}}
	}
	return nil
}

// Active reports whether t falls inside the window.
func (w SaleWindow) Active(t time.Time) bool {
	if w.SaleStartsAt != nil && t.Before(*w.SaleStartsAt) {
		return false
	}
	if w.SaleEndsAt != nil && !t.Before(*w.SaleEndsAt) {
		return false
	}
	return true
}

// MaxStock bounds an admin stock update so a typo cannot create absurd stock.
const MaxStock = 10_000_000

// ValidateStock checks an admin stock value.
// MaxLimit bounds a per-shopper cap.
const MaxLimit = 1000

// ValidateLimit checks a per-shopper cap: 0 (none) to MaxLimit.
func ValidateLimit(n int) error {
	if n < 0 || n > MaxLimit {
		return &Error{Code: EINVALID, Message: "The per-shopper limit is out of range.",
			Fields: map[string]string{"maxPerShopper": "must be between 0 (no limit) and 1000"}}
	}
	return nil
}

func ValidateStock(stock int) error {
	if stock < 0 || stock > MaxStock {
		return &Error{Code: EINVALID, Message: "Stock is out of range.",
			Fields: map[string]string{"stock": "must be between 0 and 10000000"}}
	}
	return nil
}
