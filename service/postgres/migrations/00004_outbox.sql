-- +goose Up

-- Issue 15: the order confirmation email, written to an outbox in the
-- transaction that commits the order and delivered from there by a sender
-- (service/mail). One row per order (order_seq is UNIQUE); ON DELETE
-- CASCADE removes it with an order that is taken back, as checkout does
-- with the claims of rejected orders. Orders placed before this migration
-- get no email: it would arrive days late.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    order_seq       bigint NOT NULL UNIQUE REFERENCES orders (seq) ON DELETE CASCADE,
    recipient       text NOT NULL,
    created_at      timestamptz NOT NULL,
    -- Claims so far; a claim is also the lease token RetryEmail checks.
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- When the email is next due: now for a new one, the end of the lease
    -- while a sender holds it, the backoff after a failure.
    next_attempt_at timestamptz NOT NULL,
    sent_at         timestamptz,
    -- Set when the receiving server refused the recipient for good.
    failed_at       timestamptz,
    last_error      text NOT NULL DEFAULT '' CHECK (length(last_error) <= 500)
);

-- What a claim scans: the undelivered emails by due time.
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- A trigger rather than an INSERT in the checkout code: every path that
-- commits an order (this release's checkout, the previous release's during
-- a blue/green flip, any future one) writes its email in the same
-- transaction, so no order commits without its email and a checkout that
-- rolls back leaves none. Statement-level with a transition table: a
-- checkout batch inserts many orders in one statement, and this runs one
-- INSERT for all of them. It runs as part of that statement, which comes
-- before checkout locks any product, so it never lengthens a lock.
-- +goose StatementBegin
CREATE FUNCTION outbox_enqueue_order_emails() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (order_seq, recipient, created_at, next_attempt_at)
    SELECT seq, customer_email, created_at, created_at FROM new_orders;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER orders_outbox AFTER INSERT ON orders REFERENCING NEW TABLE AS new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_enqueue_order_emails();

-- +goose Down
DROP TRIGGER orders_outbox ON orders;
DROP FUNCTION outbox_enqueue_order_emails();
DROP TABLE outbox;
