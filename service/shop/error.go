package shop

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. They are part of the public API ({"error":{"code":...}}) and
// the HTTP layer maps each to one status in a single table.
const (
	ECONFLICT      = "conflict"               // 409: state conflict
	EINTERNAL      = "internal"               // 500: a bug or an unreachable dependency
	EINVALID       = "invalid"                // 422: input fails validation (see Fields)
	EMALFORMED     = "malformed_request"      // 400: not parseable JSON, wrong types
	ENOTFOUND      = "not_found"              // 404
	EUNAUTHORIZED  = "unauthorized"           // 401: admin token missing or wrong
	ESOLDOUT       = "sold_out"               // 409: not enough stock (see Shortages)
	ESALEINACTIVE  = "sale_not_active"        // 409: outside the product's sale window
	ELIMIT         = "purchase_limit"         // 409: per-shopper limit for a product reached
	EIDEMPOTENCY   = "idempotency_key_reused" // 422: same key, different request
	EKEYREQUIRED   = "idempotency_key_required"
	EOVERLOADED    = "overloaded"        // 503: load shed, retry after a pause
	ETOOLARGE      = "payload_too_large" // 413
	EADMINDISABLED = "admin_disabled"    // 404: admin API is off (no token configured)
	EMETHOD        = "method_not_allowed"
	EUNSUPPORTED   = "unsupported_media_type"
	// 401: checkout, orders and tracking need a signed-in shopper (a
	// valid fs_session cookie): they belong to the account.
	ESIGNINREQUIRED = "signin_required"
	// 401: wrong password or unknown email, deliberately alike.
	EBADCREDENTIALS = "invalid_credentials"
	// 429: too many sign-in attempts for the account or from the address;
	// Retry-After says when to try again.
	ERATELIMITED = "rate_limited"
	EORIGIN      = "origin_not_allowed" // 403: CORS preflight from an origin that is not allowed
	// 503: the store did not answer in time or cannot be reached (or, on
	// SQLite, cannot write). Nothing is known to have changed; retry with
	// the same Idempotency-Key, which replays an order that did commit.
	EUNAVAILABLE = "unavailable"
)

// Shortage names one product a checkout could not be filled for.
type Shortage struct {
	ProductID string `json:"productId"`
	Requested int    `json:"requested"`
	Available int    `json:"available"`
}

// Error is the domain error. Message is safe to show a shopper; internal
// errors carry the cause in Err, which is logged and never sent.
type Error struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	Shortages []Shortage        `json:"products,omitempty"`
	Err       error             `json:"-"`
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter time.Duration `json:"-"`
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("shop: %s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("shop: %s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected error (driver failure, bug). The shopper sees
// only a generic message.
func Internal(err error, format string, args ...any) *Error {
	return &Error{Code: EINTERNAL, Message: fmt.Sprintf(format, args...), Err: err}
}

// Unavailable wraps a store failure that a later retry can get past: a
// timeout, a lost connection, a full disk. The cause is logged, never sent.
func Unavailable(err error, format string, args ...any) *Error {
	return &Error{Code: EUNAVAILABLE, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not ours.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the shopper-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Internal error."
}
