package shop

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// LineRequest is one line of a cart or checkout as the shopper sends it:
// a product and a quantity, never a price.
type LineRequest struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

// CheckoutRequest is the body of POST /api/checkout.
type CheckoutRequest struct {
	Items    []LineRequest `json:"items"`
	Customer Customer      `json:"customer"`
}

// QuoteRequest is the body of POST /api/cart/quote.
type QuoteRequest struct {
	Items []LineRequest `json:"items"`
}

// QuoteLine is one priced line of a quote.
type QuoteLine struct {
	ProductID string `json:"productId"`
	Name      string `json:"name,omitempty"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unitPrice"`
	MRP       int64  `json:"mrp"`
	LineTotal int64  `json:"lineTotal"`
	Stock     int    `json:"stock"`
	Available bool   `json:"available"`
	// Reason says why an unavailable line cannot be bought:
	// "not_found", "sold_out", "insufficient_stock" or "sale_not_active".
	Reason string `json:"reason,omitempty"`
}

// Quote is the server's price for a cart.
type Quote struct {
	Lines     []QuoteLine `json:"lines"`
	Total     int64       `json:"total"`
	Currency  string      `json:"currency"`
	Available bool        `json:"available"`
}

// PlaceOrder is what a Store needs to place an order atomically. Items are
// validated, in the shopper's order (error fields name their index); the
// store locks them in product-id order (SortedItems), a fixed lock order so
// two checkouts of the same products never deadlock.
type PlaceOrder struct {
	ID             string
	ShopperID      string
	IdempotencyKey string
	RequestHash    string
	Items          []LineRequest
	Customer       Customer
	At             time.Time
}

var (
	validate   = newValidator()
	phoneRegex = regexp.MustCompile(`^\+?[0-9][0-9 -]{8,18}[0-9]$`)
)

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		return name
	})
	_ = v.RegisterValidation("phone", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		digits := 0
		for _, r := range s {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		return phoneRegex.MatchString(s) && digits >= 10 && digits <= 15
	})
	v.RegisterStructValidation(validateText, Customer{})
	return v
}

var fieldMessages = map[string]string{
	"required": "is required",
	"email":    "must be a valid email address",
	"phone":    "must be a phone number of 10 to 15 digits",
}

// Normalize trims the shopper's text fields so that "  a@b.in " and
// "a@b.in" are the same request for idempotency and validation.
func (r *CheckoutRequest) Normalize() {
	r.Customer.Name = strings.TrimSpace(r.Customer.Name)
	r.Customer.Email = strings.TrimSpace(r.Customer.Email)
	r.Customer.Phone = strings.TrimSpace(r.Customer.Phone)
	r.Customer.Address = strings.TrimSpace(r.Customer.Address)
	for i := range r.Items {
		r.Items[i].ProductID = strings.TrimSpace(r.Items[i].ProductID)
	}
}

// Validate checks a checkout request and returns an EINVALID error whose
// Fields name every problem ("items[0].quantity", "customer.email").
func (r *CheckoutRequest) Validate() error {
	fields := validateLines(r.Items)
	if err := validateCustomer(r.Customer, fields); err != nil {
		return err
	}
	return invalid(fields, "Checkout request is invalid.")
}

// validateCustomer adds a message per invalid customer field to fields.
func validateCustomer(c Customer, fields map[string]string) error {
	err := validate.Struct(c)
	if err == nil {
		return nil
	}
	verrs, ok := err.(validator.ValidationErrors)
	if !ok {
		return Internal(err, "validating customer")
	}
	for _, fe := range verrs {
		// The namespace without the struct's own name: "address.line1" for
		// a nested field, as the text rule reports it too.
		_, path, _ := strings.Cut(fe.Namespace(), ".")
		fields["customer."+path] = fieldMessage(fe)
	}
	return nil
}

// Validate checks a quote request's lines.
func (r *QuoteRequest) Validate() error {
	for i := range r.Items {
		r.Items[i].ProductID = strings.TrimSpace(r.Items[i].ProductID)
	}
	return invalid(validateLines(r.Items), "Cart is invalid.")
}

func invalid(fields map[string]string, msg string) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

func fieldMessage(fe validator.FieldError) string {
	if m, ok := fieldMessages[fe.Tag()]; ok {
		return m
	}
	switch fe.Tag() {
	case "max":
		return "must be at most " + fe.Param() + " characters"
	case "min":
		return "must be at least " + fe.Param() + " characters"
	case "text":
		return fe.Param()
	}
	return "is invalid"
}

func validateLines(items []LineRequest) map[string]string {
	fields := map[string]string{}
	switch {
	case len(items) == 0:
		fields["items"] = "must contain at least one item"
	case len(items) > MaxLinesPerOrder:
		fields["items"] = fmt.Sprintf("must contain at most %d items", MaxLinesPerOrder)
		return fields
	}
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		key := fmt.Sprintf("items[%d]", i)
		switch {
		case it.ProductID == "":
			fields[key+".productId"] = "is required"
		case len(it.ProductID) > 64:
			fields[key+".productId"] = "must be at most 64 characters"
		case TextProblem(it.ProductID, false) != "":
			// A NUL here made PostgreSQL fail the whole checkout batch.
			fields[key+".productId"] = TextProblem(it.ProductID, false)
		case seen[it.ProductID]:
			fields[key+".productId"] = "appears more than once"
		}
		seen[it.ProductID] = true
		if it.Quantity < 1 || it.Quantity > MaxQuantityPerLine {
			fields[key+".quantity"] = fmt.Sprintf("must be between 1 and %d", MaxQuantityPerLine)
		}
	}
	return fields
}

// SortedItems returns the lines ordered by product id.
func SortedItems(items []LineRequest) []LineRequest {
	out := append([]LineRequest(nil), items...)
	sort.Slice(out, func(i, j int) bool { return out[i].ProductID < out[j].ProductID })
	return out
}

// Hash fingerprints a normalized request so that a replayed Idempotency-Key
// can be told apart from the same key reused for a different order. Line
// order does not matter: the same cart is the same request.
func (r *CheckoutRequest) Hash() string {
	canon := struct {
		Items    []LineRequest `json:"items"`
		Customer Customer      `json:"customer"`
	}{SortedItems(r.Items), r.Customer}
	b, _ := json.Marshal(canon)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// MaxIdempotencyKeyLen bounds the Idempotency-Key header.
const MaxIdempotencyKeyLen = 128

// ValidateIdempotencyKey checks the Idempotency-Key header value.
func ValidateIdempotencyKey(key string) error {
	if key == "" {
		return Errorf(EKEYREQUIRED, "The Idempotency-Key header is required.")
	}
	if len(key) > MaxIdempotencyKeyLen {
		return &Error{Code: EINVALID, Message: "Idempotency-Key is too long.",
			Fields: map[string]string{"Idempotency-Key": "must be at most 128 characters"}}
	}
	for _, c := range key {
		if c < 0x21 || c > 0x7e {
			return &Error{Code: EINVALID, Message: "Idempotency-Key has invalid characters.",
				Fields: map[string]string{"Idempotency-Key": "must be printable ASCII without spaces"}}
		}
	}
	return nil
}

// PriceQuote prices lines against the catalog. products maps id to product;
// now decides sale windows. It never fails: unknown or short lines are
// marked unavailable so the cart can show why.
func PriceQuote(items []LineRequest, products map[string]Product, now time.Time) Quote {
	q := Quote{Lines: make([]QuoteLine, 0, len(items)), Currency: Currency, Available: true}
	for _, it := range items {
		line := QuoteLine{ProductID: it.ProductID, Quantity: it.Quantity}
		p, ok := products[it.ProductID]
		switch {
		case !ok:
			line.Reason = "not_found"
		case !p.SaleWindow.Active(now):
			line.Reason = "sale_not_active"
		case p.Stock == 0:
			line.Reason = "sold_out"
		case p.Stock < it.Quantity:
			line.Reason = "insufficient_stock"
		default:
			line.Available = true
		}
		if ok {
			line.Name, line.UnitPrice, line.MRP, line.Stock = p.Name, p.Price, p.MRP, p.Stock
			line.LineTotal = p.Price * int64(it.Quantity)
		}
		if line.Available {
			q.Total += line.LineTotal
		} else {
			q.Available = false
		}
		q.Lines = append(q.Lines, line)
	}
	return q
}
