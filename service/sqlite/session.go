package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/flashscale/flashscale/service/shop"
)

// CreateSession stores a session and drops the account's expired ones in
// the same transaction.
func (s *Store) CreateSession(ctx context.Context, ss shop.Session) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := fmtTime(ss.CreatedAt)
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = ?
			AND (expires_at <= ? OR idle_expires_at <= ?)`, ss.AccountID, now, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, account_id, created_at, idle_expires_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, ss.TokenHash, ss.AccountID, now, fmtTime(ss.IdleExpiresAt), fmtTime(ss.ExpiresAt))
		return err
	})
	var le *sqlite.Error
	if errors.As(err, &le) && le.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return shop.Errorf(shop.ENOTFOUND, "Account not found.")
	}
	return translate(err, "")
}

// GetSession returns an active session and its account. It reads from the
// reader pool, so a signed-in request never queues behind checkouts for
// the writer.
func (s *Store) GetSession(ctx context.Context, tokenHash string, now time.Time) (shop.Session, error) {
	var ss shop.Session
	a := &ss.Account
	var created, idle, expires, accountCreated string
	at := fmtTime(now)
	err := s.st.getSession.QueryRowContext(ctx, tokenHash, at, at).
		Scan(&ss.TokenHash, &ss.AccountID, &created, &idle, &expires,
			&a.ID, &a.ShopperID, &a.Email, &a.Name, &a.PasswordHash, &accountCreated)
	for _, f := range []struct {
		s string
		t *time.Time
	}{{created, &ss.CreatedAt}, {idle, &ss.IdleExpiresAt}, {expires, &ss.ExpiresAt}, {accountCreated, &a.CreatedAt}} {
		if err != nil {
			break
		}
		*f.t, err = parseTime(f.s)
	}
	if err != nil {
		return shop.Session{}, translate(err, "Session not found.")
	}
	return ss, nil
}

// TouchSession moves the idle expiry forward, never past the absolute one.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, idleExpiresAt time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET idle_expires_at = MIN(?, expires_at) WHERE token_hash = ?`,
			fmtTime(idleExpiresAt), tokenHash)
		return err
	})
	return translate(err, "")
}

// DeleteSession revokes a session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
		return err
	})
	return translate(err, "")
}
