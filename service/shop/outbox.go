package shop

import (
	"context"
	"time"
	"unicode/utf8"
)

// Outbox is the store's side of the order confirmation email. The store
// writes one outbox entry in the transaction that commits an order (a
// database trigger on the orders table, so no checkout path can forget it
// and a rolled-back checkout leaves none); a sender claims entries, delivers
// them and records the outcome. Delivery is at least once: a sender that
// dies between sending and MarkEmailSent leaves the entry to be claimed
// again when its lease ends, and the Message-ID derived from the order lets
// the receiver drop the duplicate.
type Outbox interface {
	// ClaimEmails leases up to limit unsent emails that are due at now
	// (oldest due first), each with the committed order it confirms. A
	// claimed email is not due again until now+lease, so senders in every
	// pod of both colours may poll at once and none claims an email another
	// holds; one that never reports back leaves it to the next claim after
	// the lease. Every claim counts as an attempt (Email.Attempt).
	ClaimEmails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Email, error)
	// MarkEmailSent records the delivery of email id; it is never claimed
	// again. Marking it twice keeps the first time. An unknown id is
	// ENOTFOUND.
	MarkEmailSent(ctx context.Context, id int64, at time.Time) error
	// RetryEmail records that attempt of email id failed with reason
	// (stored cut to MaxEmailErrorBytes): it is due again at retryAt, or
	// never when retryAt is zero (the receiving server refused the
	// recipient for good). It changes nothing when the email has been sent
	// or claimed again since that attempt: a slow sender whose lease ran
	// out does not overwrite the newer claim.
	RetryEmail(ctx context.Context, id int64, attempt int, retryAt time.Time, reason string) error
	// EmailBacklog counts the emails still to be delivered (neither sent
	// nor given up) and returns when the oldest of them was written (zero
	// when there are none), for the pending and oldest-age metrics.
	EmailBacklog(ctx context.Context) (pending int, oldest time.Time, err error)
}

// Email is a confirmation email a sender has claimed from the outbox.
type Email struct {
	ID        int64
	Recipient string
	// Attempt counts the claims of this email, this one included.
	Attempt int
	// CreatedAt is when the order committed and the email was written.
	CreatedAt time.Time
	// LastError is why the previous attempt failed ("" on the first).
	LastError string
	Order     Order
}

// Outbox bounds.
const (
	// MaxEmailClaim bounds one ClaimEmails: a sender works through a
	// backlog in batches this size at most.
	MaxEmailClaim = 100
	// MaxEmailErrorBytes bounds the stored failure reason: an SMTP server's
	// reply can be long, and the outbox must not grow with it.
	MaxEmailErrorBytes = 500
)

// ValidateEmailClaim checks ClaimEmails' arguments, for both stores.
func ValidateEmailClaim(lease time.Duration, limit int) error {
	if limit < 1 || limit > MaxEmailClaim {
		return Errorf(EINVALID, "An outbox claim takes 1 to %d emails, not %d.", MaxEmailClaim, limit)
	}
	if lease < time.Millisecond {
		return Errorf(EINVALID, "An outbox lease must be positive, not %s.", lease)
	}
	return nil
}

// EmailError cuts a failure reason to MaxEmailErrorBytes without splitting
// a UTF-8 sequence and makes it storable in both stores (valid UTF-8, no
// NUL), since it comes from a remote server.
func EmailError(reason string) string {
	b := make([]byte, 0, min(len(reason), MaxEmailErrorBytes))
	for _, r := range reason {
		if r == 0 || r == utf8.RuneError {
			r = '?'
		}
		if len(b)+utf8.RuneLen(r) > MaxEmailErrorBytes {
			break
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}
