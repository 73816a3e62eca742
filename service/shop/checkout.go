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
	"unicode/utf8"

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
	// PaymentMethod may be left out: PaymentOnDelivery is the only one.
	PaymentMethod string `json:"paymentMethod,omitempty"`
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
	// Reason says why an unavailable line cannot be bought: "not_found",
	// "sold_out", "insufficient_stock", "sale_not_active" or
	// "purchase_limit".
	Reason string `json:"reason,omitempty"`
	// RemainingForShopper is how many more units this shopper may buy of a
	// product with a per-shopper cap (absent without a cap).
	RemainingForShopper *int `json:"remainingForShopper,omitempty"`
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
	PaymentMethod  string
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
	v.RegisterStructValidation(validateText, Customer{})
	return v
}

// validLegacyPhone is the rule of the one-text address form: 10 to 15
// digits, optionally after +, with spaces or dashes.
func validLegacyPhone(s string) bool {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return phoneRegex.MatchString(s) && digits >= 10 && digits <= 15
}

var fieldMessages = map[string]string{
	"required": "is required",
	"email":    "must be a valid email address",
}

// Normalize trims the shopper's text fields so that "  a@b.in " and
// "a@b.in" are the same request for idempotency and validation, writes the
// one-text form of a structured address, and drops the default payment
// method, so a request hashes as it did before payment methods were
// recorded (a retry across a blue/green flip replays, not conflicts).
func (r *CheckoutRequest) Normalize() {
	c := &r.Customer
	for _, f := range []*string{&c.Name, &c.Email, &c.Phone, &c.Address, &c.AddressLine1, &c.AddressLine2, &c.City, &c.State} {
		*f = strings.TrimSpace(*f)
	}
	c.PinCode = strings.ReplaceAll(strings.TrimSpace(c.PinCode), " ", "")
	if c.Structured() {
		c.Address = c.FormatAddress()
	}
	if r.PaymentMethod = strings.TrimSpace(r.PaymentMethod); r.PaymentMethod == PaymentOnDelivery {
		r.PaymentMethod = ""
	}
	for i := range r.Items {
		r.Items[i].ProductID = strings.TrimSpace(r.Items[i].ProductID)
	}
}

// Payment returns the request's payment method.
func (r *CheckoutRequest) Payment() string {
	if r.PaymentMethod == "" {
		return PaymentOnDelivery
	}
	return r.PaymentMethod
}

// Validate checks a normalized checkout request and returns an EINVALID
// error whose Fields name every problem ("items[0].quantity",
// "customer.pinCode").
func (r *CheckoutRequest) Validate() error {
	fields := validateLines(r.Items)
	if err := validateCustomer(r.Customer, fields); err != nil {
		return err
	}
	r.Customer.validateAddress(fields)
	if r.PaymentMethod != "" {
		fields["paymentMethod"] = "must be " + PaymentOnDelivery
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

// validateAddress applies the rules that depend on the address form to
// the fields the tags passed: a structured address needs every part but
// the second line, a state of India, a PIN code of that state and a mobile
// number; a legacy one needs its one text.
func (c Customer) validateAddress(fields map[string]string) {
	set := func(field, msg string) {
		if _, done := fields["customer."+field]; !done {
			fields["customer."+field] = msg
		}
	}
	if !c.Structured() {
		if c.Address == "" {
			set("address", "is required")
		} else if utf8.RuneCountInString(c.Address) < 10 {
			set("address", "must be at least 10 characters")
		}
		if c.Phone != "" && !validLegacyPhone(c.Phone) {
			set("phone", "must be a phone number of 10 to 15 digits")
		}
		return
	}
	if c.AddressLine1 == "" {
		set("addressLine1", "is required")
	}
	if c.City == "" {
		set("city", "is required")
	}
	_, knownState := stateByName(c.State)
	switch {
	case c.State == "":
		set("state", "is required")
	case !knownState:
		set("state", "must be one of India's states and union territories")
	}
	switch {
	case c.PinCode == "":
		set("pinCode", "is required")
	case !ValidPIN(c.PinCode):
		set("pinCode", "must be 6 digits, not starting with 0")
	case knownState && !PINInState(c.PinCode, c.State):
		set("pinCode", "is not in "+c.State)
	}
	if c.Phone != "" && !ValidMobile(c.Phone) {
		set("phone", "must be a 10-digit mobile number starting with 6, 7, 8 or 9")
	}
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
		Items         []LineRequest `json:"items"`
		Customer      Customer      `json:"customer"`
		PaymentMethod string        `json:"paymentMethod,omitempty"`
	}{SortedItems(r.Items), r.Customer, r.PaymentMethod}
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
// now decides sale windows; bought holds the units the shopper already
// bought of capped products (nil when unknown: caps are then left to
// checkout). It never fails: unknown or short lines are marked unavailable
// so the cart can show why.
func PriceQuote(items []LineRequest, products map[string]Product, bought map[string]int, now time.Time) Quote {
	q := Quote{Lines: make([]QuoteLine, 0, len(items)), Currency: Currency, Available: true}
	for _, it := range items {
		line := QuoteLine{ProductID: it.ProductID, Quantity: it.Quantity}
		p, ok := products[it.ProductID]
		if ok && p.MaxPerShopper > 0 && bought != nil {
			left := max(0, p.MaxPerShopper-bought[p.ID])
			line.RemainingForShopper = &left
		}
		switch {
		case !ok:
			line.Reason = "not_found"
		case !p.SaleWindow.Active(now):
			line.Reason = "sale_not_active"
		case p.Stock == 0:
			line.Reason = "sold_out"
		case p.Stock < it.Quantity:
			line.Reason = "insufficient_stock"
		case line.RemainingForShopper != nil && *line.RemainingForShopper < it.Quantity:
			line.Reason = "purchase_limit"
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

// CappedIDs returns the ids of the lines' products that have a per-shopper
// cap: the ones whose purchases a quote needs.
func CappedIDs(items []LineRequest, products map[string]Product) []string {
	var ids []string
	for _, it := range items {
		if p, ok := products[it.ProductID]; ok && p.MaxPerShopper > 0 {
			ids = append(ids, p.ID)
		}
	}
	return ids
}
