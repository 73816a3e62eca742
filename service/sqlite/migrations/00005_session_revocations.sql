-- +goose Up

-- Issue 15: the session revocation feed. Each pod caches the sessions it
-- looked up for minutes and polls this table every second for the tokens
-- revoked since its last look (service/http/session.go), so a sign-out on
-- one pod reaches the others within about a second. One row per revoked
-- token hash; revoked_at is the database's clock (on SQLite, the host's,
-- which every process sharing the file shares), in the store's fixed-width
-- time format so it sorts as text. The pods prune rows past the longest
-- cache lifetime.
CREATE TABLE session_revocations (
    token_hash TEXT PRIMARY KEY,
    revoked_at TEXT NOT NULL
) STRICT;

-- What a poll and a prune scan.
CREATE INDEX session_revocations_at ON session_revocations (revoked_at);

-- A trigger rather than an INSERT in DeleteSession: every path that ends a
-- session (sign-out, the token a sign-in replaces, the expired sessions a
-- sign-in drops, an account deleted with its sessions) and every release
-- (the previous one during a blue/green flip does not know this table)
-- records it in the transaction that deletes the row, so no pod keeps
-- trusting a session the store no longer has. strftime's %f is
-- milliseconds; the zeros pad it to the store's microseconds.
-- +goose StatementBegin
CREATE TRIGGER sessions_revoked AFTER DELETE ON sessions
BEGIN
    INSERT INTO session_revocations (token_hash, revoked_at)
    VALUES (OLD.token_hash, strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))
    ON CONFLICT (token_hash) DO UPDATE SET revoked_at = excluded.revoked_at;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER sessions_revoked;
DROP TABLE session_revocations;
