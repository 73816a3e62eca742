package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/flashscale/flashscale/service/shop"
)

const pgForeignKeyViolation = "23503"

// CreateSession stores a session and drops the account's expired ones in
// the same transaction.
func (s *Store) CreateSession(ctx context.Context, ss shop.Session) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1
			AND (expires_at <= $2 OR idle_expires_at <= $2)`, ss.AccountID, dbTime(ss.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, account_id, created_at, idle_expires_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, ss.TokenHash, ss.AccountID, dbTime(ss.CreatedAt),
			dbTime(ss.IdleExpiresAt), dbTime(ss.ExpiresAt))
		return err
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == pgForeignKeyViolation {
		return shop.Errorf(shop.ENOTFOUND, "Account not found.")
	}
	return translate(err, "")
}

// GetSession returns an active session and its account: one primary-key
// lookup joined to one primary-key lookup.
func (s *Store) GetSession(ctx context.Context, tokenHash string, now time.Time) (shop.Session, error) {
	if !storable(tokenHash) {
		return shop.Session{}, shop.Errorf(shop.ENOTFOUND, "Session not found.")
	}
	var ss shop.Session
	a := &ss.Account
	err := s.pool.QueryRow(ctx, `SELECT s.token_hash, s.account_id, s.created_at, s.idle_expires_at, s.expires_at,
			a.id, a.shopper_id, a.email, a.name, a.password_hash, a.created_at
		FROM sessions s JOIN accounts a ON a.id = s.account_id
		WHERE s.token_hash = $1 AND s.idle_expires_at > $2 AND s.expires_at > $2`, tokenHash, dbTime(now)).
		Scan(&ss.TokenHash, &ss.AccountID, &ss.CreatedAt, &ss.IdleExpiresAt, &ss.ExpiresAt,
			&a.ID, &a.ShopperID, &a.Email, &a.Name, &a.PasswordHash, &a.CreatedAt)
	if err != nil {
		return shop.Session{}, translate(err, "Session not found.")
	}
	ss.CreatedAt, ss.IdleExpiresAt, ss.ExpiresAt, a.CreatedAt = ss.CreatedAt.UTC(), ss.IdleExpiresAt.UTC(), ss.ExpiresAt.UTC(), a.CreatedAt.UTC()
	return ss, nil
}

// TouchSession moves the idle expiry forward, never past the absolute one.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, idleExpiresAt time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE sessions SET idle_expires_at = LEAST($2, expires_at) WHERE token_hash = $1`,
		tokenHash, dbTime(idleExpiresAt))
	return translate(err, "")
}

// DeleteSession revokes a session. The trigger sessions_revoked records
// the revocation for SessionRevocations in the same transaction.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return translate(err, "")
}

// SessionRevocations returns latest as now(), the start of the statement's
// transaction, which is no later than the snapshot the revocations are
// read from: a revocation it misses committed after latest.
func (s *Store) SessionRevocations(ctx context.Context, since time.Time) ([]string, time.Time, error) {
	var after *time.Time // NULL for a zero since: every revocation kept
	if !since.IsZero() {
		t := dbTime(since)
		after = &t
	}
	var hashes []string
	var latest time.Time
	err := s.pool.QueryRow(ctx, `SELECT now(), coalesce(array_agg(token_hash), '{}') FROM session_revocations
		WHERE $1::timestamptz IS NULL OR revoked_at > $1`, after).Scan(&latest, &hashes)
	if err != nil {
		return nil, time.Time{}, translate(err, "")
	}
	return hashes, latest.UTC(), nil
}

// PruneSessionRevocations deletes the oldest revocations before before, at
// most limit of them, so one prune is one short write however far behind
// pruning is.
func (s *Store) PruneSessionRevocations(ctx context.Context, before time.Time, limit int) (int, error) {
	if before.IsZero() || limit <= 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM session_revocations WHERE token_hash IN
		(SELECT token_hash FROM session_revocations WHERE revoked_at < $1 ORDER BY revoked_at LIMIT $2)`, dbTime(before), limit)
	if err != nil {
		return 0, translate(err, "")
	}
	return int(tag.RowsAffected()), nil
}
