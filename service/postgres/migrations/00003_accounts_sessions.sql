-- +goose Up

-- Issue 15: shopper accounts and their sessions. New tables only: the
-- previous release keeps working on this schema during a blue/green flip.

-- shopper_id is what orders, purchases and idempotency keys are recorded
-- under (the shape of the anonymous shopper ids before accounts), so one
-- account is one shopper on every device. email is stored normalized
-- (trimmed, lower-case).
CREATE TABLE accounts (
    id            text PRIMARY KEY,
    shopper_id    text NOT NULL UNIQUE,
    email         text NOT NULL UNIQUE,
    name          text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL
);

-- token_hash is the SHA-256 of the cookie's token: a leak of this table
-- yields no usable session.
CREATE TABLE sessions (
    token_hash      text PRIMARY KEY,
    account_id      text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL,
    idle_expires_at timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL
);

-- Sign-in drops the account's expired sessions.
CREATE INDEX sessions_account ON sessions (account_id, expires_at);

-- +goose Down
DROP TABLE sessions;
DROP TABLE accounts;
