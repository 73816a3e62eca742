-- +goose Up

-- Times are TEXT in one fixed-width UTC format (2006-01-02T15:04:05.000000Z),
-- so they sort and compare as strings and read back exactly.

-- position keeps the catalog in the order it was seeded (featured first).
CREATE TABLE products (
    id              TEXT PRIMARY KEY,
    position        INTEGER NOT NULL DEFAULT 0,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    image_url       TEXT NOT NULL DEFAULT '',
    price           INTEGER NOT NULL CHECK (price >= 0),
    mrp             INTEGER NOT NULL CHECK (mrp >= 0),
    currency        TEXT NOT NULL,
    -- The last line of defence against overselling.
    stock           INTEGER NOT NULL CHECK (stock >= 0),
    sale_starts_at  TEXT,
    sale_ends_at    TEXT,
    max_per_shopper INTEGER NOT NULL DEFAULT 0 CHECK (max_per_shopper >= 0),
    updated_at      TEXT NOT NULL,
    CHECK (sale_starts_at IS NULL OR sale_ends_at IS NULL OR sale_ends_at > sale_starts_at)
) STRICT;

-- AUTOINCREMENT: a seq is never reused, so a pagination cursor never points
-- at a different order.
CREATE TABLE orders (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    shopper_id       TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    total            INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    customer_name    TEXT NOT NULL,
    customer_email   TEXT NOT NULL,
    customer_phone   TEXT NOT NULL,
    customer_address TEXT NOT NULL,
    status           TEXT NOT NULL
        CHECK (status IN ('Processing', 'Shipped', 'Out for Delivery', 'Delivered')),
    created_at       TEXT NOT NULL,
    UNIQUE (shopper_id, idempotency_key)
) STRICT;

-- "My orders", newest first, keyset-paginated by seq.
CREATE INDEX orders_shopper_seq ON orders (shopper_id, seq DESC);

CREATE TABLE order_items (
    order_seq  INTEGER NOT NULL REFERENCES orders (seq) ON DELETE CASCADE,
    line_no    INTEGER NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (id),
    name       TEXT NOT NULL,
    unit_price INTEGER NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    line_total INTEGER NOT NULL,
    PRIMARY KEY (order_seq, line_no)
) STRICT;

CREATE TABLE order_status_history (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    order_seq INTEGER NOT NULL REFERENCES orders (seq) ON DELETE CASCADE,
    status    TEXT NOT NULL,
    at        TEXT NOT NULL
) STRICT;

CREATE INDEX order_status_history_order ON order_status_history (order_seq, id);

-- Units each shopper has bought of each product, for per-shopper caps.
CREATE TABLE shopper_purchases (
    shopper_id TEXT NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (id),
    quantity   INTEGER NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (shopper_id, product_id)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE shopper_purchases;
DROP TABLE order_status_history;
DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE products;
