// Package shop is FlashScale's domain: products, carts, checkout and orders,
// the error codes every layer speaks, and the Store contract that the
// SQLite and PostgreSQL adapters implement. It imports no adapter, so the
// rules of a sale live here and nowhere else.
package shop

// Currency is the only currency the shop sells in. Money is always an int64
// count of minor units (paise), never a float, so totals add up exactly.
const Currency = "INR"

// Limits on a single checkout. They bound the work one request can make a
// store do, and the web shop mirrors them in its form validation.
const (
	MaxQuantityPerLine = 10
	MaxLinesPerOrder   = 20
)
