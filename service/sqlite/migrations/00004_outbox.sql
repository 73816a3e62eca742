-- +goose Up

-- Issue 15: the order confirmation email, written to an outbox in the
-- transaction that commits the order and delivered from there by a sender
-- (service/mail). One row per order (order_seq is UNIQUE); ON DELETE
-- CASCADE removes it with an order that is taken back. Orders placed
-- before this migration get no email: it would arrive days late.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_seq       INTEGER NOT NULL UNIQUE REFERENCES orders (seq) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    -- Claims so far; a claim is also the lease token RetryEmail checks.
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- When the email is next due: now for a new one, the end of the lease
    -- while a sender holds it, the backoff after a failure.
    next_attempt_at TEXT NOT NULL,
    sent_at         TEXT,
    -- Set when the receiving server refused the recipient for good.
    failed_at       TEXT,
    last_error      TEXT NOT NULL DEFAULT '' CHECK (length(last_error) <= 500)
) STRICT;

-- What a claim scans: the undelivered emails by due time.
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- A trigger rather than an INSERT in the checkout code: every path that
-- commits an order (this release's checkout, the previous release's during
-- a blue/green flip, any future one) writes its email in the same
-- transaction, so no order commits without its email and a checkout that
-- rolls back leaves none. The order's created_at is already in the store's
-- fixed-width time format.
-- +goose StatementBegin
CREATE TRIGGER orders_outbox AFTER INSERT ON orders
BEGIN
    INSERT INTO outbox (order_seq, recipient, created_at, next_attempt_at)
    VALUES (NEW.seq, NEW.customer_email, NEW.created_at, NEW.created_at);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER orders_outbox;
DROP TABLE outbox;
