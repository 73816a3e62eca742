-- +goose Up

-- position keeps the catalog in the order it was seeded (featured first).
CREATE TABLE products (
    id              text PRIMARY KEY,
    position        integer NOT NULL DEFAULT 0,
    name            text NOT NULL,
    description     text NOT NULL DEFAULT '',
    image_url       text NOT NULL DEFAULT '',
    price           bigint NOT NULL CHECK (price >= 0),
    mrp             bigint NOT NULL CHECK (mrp >= 0),
    currency        text NOT NULL,
    -- The last line of defence against overselling: whatever the code does,
    -- the database refuses to commit negative stock.
    stock           integer NOT NULL CHECK (stock >= 0),
    sale_starts_at  timestamptz,
    sale_ends_at    timestamptz,
    max_per_shopper integer NOT NULL DEFAULT 0 CHECK (max_per_shopper >= 0),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (sale_starts_at IS NULL OR sale_ends_at IS NULL OR sale_ends_at > sale_starts_at)
);

CREATE TABLE orders (
    seq              bigserial PRIMARY KEY,
    id               text NOT NULL UNIQUE,
    shopper_id       text NOT NULL,
    idempotency_key  text NOT NULL,
    request_hash     text NOT NULL,
    total            bigint NOT NULL,
    currency         text NOT NULL,
    customer_name    text NOT NULL,
    customer_email   text NOT NULL,
    customer_phone   text NOT NULL,
    customer_address text NOT NULL,
    status           text NOT NULL
        CHECK (status IN ('Processing', 'Shipped', 'Out for Delivery', 'Delivered')),
    created_at       timestamptz NOT NULL,
    -- Checkout claims its key with INSERT ... ON CONFLICT on this constraint,
    -- so a concurrent duplicate waits for the first and then replays it.
    CONSTRAINT orders_idempotency UNIQUE (shopper_id, idempotency_key)
);

-- "My orders", newest first, keyset-paginated by seq.
CREATE INDEX orders_shopper_seq ON orders (shopper_id, seq DESC);

CREATE TABLE order_items (
    order_seq  bigint NOT NULL REFERENCES orders (seq) ON DELETE CASCADE,
    line_no    integer NOT NULL,
    product_id text NOT NULL REFERENCES products (id),
    name       text NOT NULL,
    unit_price bigint NOT NULL,
    quantity   integer NOT NULL CHECK (quantity > 0),
    line_total bigint NOT NULL,
    PRIMARY KEY (order_seq, line_no)
);

CREATE TABLE order_status_history (
    id        bigserial PRIMARY KEY,
    order_seq bigint NOT NULL REFERENCES orders (seq) ON DELETE CASCADE,
    status    text NOT NULL,
    at        timestamptz NOT NULL
);

CREATE INDEX order_status_history_order ON order_status_history (order_seq, id);

-- Units each shopper has bought of each product, for per-shopper caps. It is
-- only written while the product's row is locked, so the cap check made
-- under that lock is exact.
CREATE TABLE shopper_purchases (
    shopper_id text NOT NULL,
    product_id text NOT NULL REFERENCES products (id),
    quantity   integer NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (shopper_id, product_id)
);

-- +goose Down
DROP TABLE shopper_purchases;
DROP TABLE order_status_history;
DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE products;
