-- +goose Up

-- Issue 15: shopper accounts and their sessions. New tables only: the
-- previous release keeps working on this schema during a blue/green flip.

-- shopper_id is what orders, purchases and idempotency keys are recorded
-- under (the shape of the anonymous shopper ids before accounts), so one
-- account is one shopper on every device. email is stored normalized
-- (trimmed, lower-case).
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    shopper_id    TEXT NOT NULL UNIQUE,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

-- token_hash is the SHA-256 of the cookie's token: a leak of this table
-- yields no usable session.
CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at      TEXT NOT NULL,
    idle_expires_at TEXT NOT NULL,
    expires_at      TEXT NOT NULL
) STRICT;

-- Sign-in drops the account's expired sessions.
CREATE INDEX sessions_account ON sessions (account_id, expires_at);

-- +goose Down
DROP TABLE sessions;
DROP TABLE accounts;
