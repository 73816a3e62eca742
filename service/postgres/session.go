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

// DeleteSession revokes a session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return translate(err, "")
}
