-- +goose Up

-- Issue 15: the session revocation feed. Each pod caches the sessions it
-- looked up for minutes and polls this table every second for the tokens
-- revoked since its last look (service/http/session.go), so a sign-out on
-- one pod reaches the others within about a second. One row per revoked
-- token hash; revoked_at is the database server's clock, never a pod's,
-- so pods with skewed clocks agree on it. The pods prune rows past the
-- longest cache lifetime.
CREATE TABLE session_revocations (
    token_hash text PRIMARY KEY,
    revoked_at timestamptz NOT NULL
);

-- What a poll and a prune scan.
CREATE INDEX session_revocations_at ON session_revocations (revoked_at);

-- A trigger rather than an INSERT in DeleteSession: every path that ends a
-- session (sign-out, the token a sign-in replaces, the expired sessions a
-- sign-in drops, an account deleted with its sessions) and every release
-- (the previous one during a blue/green flip does not know this table)
-- records it in the transaction that deletes the row, so no pod keeps
-- trusting a session the store no longer has. clock_timestamp(), not
-- now(): the time of the delete rather than of the transaction's start,
-- so the gap to the commit (which a poll's overlap must cover) is as
-- short as it can be. Statement-level with a transition table: one INSERT
-- however many sessions a statement deletes.
-- +goose StatementBegin
CREATE FUNCTION sessions_record_revocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO session_revocations (token_hash, revoked_at)
    SELECT token_hash, clock_timestamp() FROM revoked_sessions
    ON CONFLICT (token_hash) DO UPDATE SET revoked_at = EXCLUDED.revoked_at;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER sessions_revoked AFTER DELETE ON sessions REFERENCING OLD TABLE AS revoked_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION sessions_record_revocations();

-- +goose Down
DROP TRIGGER sessions_revoked ON sessions;
DROP FUNCTION sessions_record_revocations();
DROP TABLE session_revocations;
