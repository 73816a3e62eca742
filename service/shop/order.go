package shop

import (
	"crypto/rand"
	"math"
	"time"
)

// Status is where an order is on its way to the shopper.
type Status string

// The order lifecycle, in order. An order only ever moves forward.
const (
	StatusProcessing     Status = "Processing"
	StatusShipped        Status = "Shipped"
	StatusOutForDelivery Status = "Out for Delivery"
	StatusDelivered      Status = "Delivered"
)

var statusOrder = []Status{StatusProcessing, StatusShipped, StatusOutForDelivery, StatusDelivered}

// Next returns the status after s, or an ECONFLICT error when s is final.
func (s Status) Next() (Status, error) {
	for i, st := range statusOrder {
		if st == s && i+1 < len(statusOrder) {
			return statusOrder[i+1], nil
		}
	}
	return "", Errorf(ECONFLICT, "Order is already %s.", s)
}

// StatusChange is one entry of an order's history.
type StatusChange struct {
	Status Status    `json:"status"`
	At     time.Time `json:"at"`
}

// Customer is who an order ships to and how to reach them. Every string
// field, including those of nested structs, is checked as shopper text
// (TextProblem): single-line unless tagged `text:"multiline"`. The rules
// that depend on the address form (structured or legacy, see address.go)
// are in validateAddress.
type Customer struct {
	Name  string `json:"name" validate:"required,max=100"`
	Email string `json:"email" validate:"required,email,max=254"`
	// Phone is an Indian mobile number with a structured address, 10 to 15
	// digits with a legacy one.
	Phone string `json:"phone" validate:"required,max=25"`
	// Address is the whole address as one text. With a structured address
	// the server writes it (FormatAddress), so that the previous release
	// reads every order during a blue/green flip; a request from that
	// release sends only this (10–500 characters).
	Address      string `json:"address" validate:"max=500" text:"multiline"`
	AddressLine1 string `json:"addressLine1,omitempty" validate:"max=150"`
	AddressLine2 string `json:"addressLine2,omitempty" validate:"max=150"`
	City         string `json:"city,omitempty" validate:"max=60"`
	State        string `json:"state,omitempty" validate:"max=60"`
	PinCode      string `json:"pinCode,omitempty" validate:"max=6"`
}

// PaymentOnDelivery is the one payment method: cash or UPI to the courier.
const PaymentOnDelivery = "pay_on_delivery"

// OrderItem is one priced line of an order, frozen at checkout time.
type OrderItem struct {
	ProductID string `json:"productId"`
	Name      string `json:"name"`
	UnitPrice int64  `json:"unitPrice"`
	Quantity  int    `json:"quantity"`
	LineTotal int64  `json:"lineTotal"`
}

// Order is a placed order. ShopperID is the hash of the shopper's cookie
// token; it is never sent to anyone.
type Order struct {
	ID        string      `json:"id"`
	ShopperID string      `json:"-"`
	Items     []OrderItem `json:"items"`
	Total     int64       `json:"total"`
	Currency  string      `json:"currency"`
	Customer  Customer    `json:"customer"`
	// PaymentMethod is PaymentOnDelivery for every order placed since it
	// was recorded; "" for older orders.
	PaymentMethod string         `json:"paymentMethod,omitempty"`
	Status        Status         `json:"status"`
	History       []StatusChange `json:"history"`
	CreatedAt     time.Time      `json:"createdAt"`
	// Seq orders a shopper's orders for keyset pagination.
	Seq int64 `json:"-"`
}

// Units returns the number of units in the order.
func (o Order) Units() int {
	n := 0
	for _, it := range o.Items {
		n += it.Quantity
	}
	return n
}

// OrderPage asks for a page of a shopper's orders, newest first. Before is
// the Seq of the last order of the previous page (0 for the first page).
type OrderPage struct {
	Limit  int
	Before int64
}

// Bounds returns the page's limit clamped to [1, MaxPageSize] (0 means
// DefaultPageSize) and the exclusive upper bound on Seq (no bound on the
// first page), so every store pages the same way.
func (p OrderPage) Bounds() (limit int, before int64) {
	limit = p.Limit
	switch {
	case limit == 0:
		limit = DefaultPageSize
	case limit < 1:
		limit = 1
	case limit > MaxPageSize:
		limit = MaxPageSize
	}
	before = p.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	return limit, before
}

// Page size bounds for order listings.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

const orderIDAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// NewOrderID returns an order id such as "FS-1ZK8M4Q7RXK3M9Q2X4PAB": the
// time in milliseconds (9 characters, in an alphabet that sorts as it
// counts) and 60 random bits, so ids are unguessable and can be made by any
// pod without a round trip. The time comes first so that a store's unique
// index on the id grows at its end: with random ids every order of a batch
// dirtied a page of its own there, a quarter of what a SQLite batch wrote
// and fsynced. It tells the time the order was placed, which the order
// shows its shopper anyway.
func NewOrderID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	id := make([]byte, 0, 3+orderIDTimeChars+len(b))
	id = append(id, "FS-"...)
	ms := uint64(time.Now().UnixMilli())
	for i := orderIDTimeChars - 1; i >= 0; i-- {
		id = append(id, orderIDAlphabet[(ms>>(5*i))&31])
	}
	for _, c := range b {
		id = append(id, orderIDAlphabet[int(c)%len(orderIDAlphabet)])
	}
	return string(id)
}

// orderIDTimeChars is how many characters of an order id tell its time:
// 45 bits of milliseconds last until the year 3084.
const orderIDTimeChars = 9
