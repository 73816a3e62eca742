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

// DeleteSession revokes a session. The trigger sessions_revoked records
// the revocation for SessionRevocations in the same transaction.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
		return err
	})
	return translate(err, "")
}

// sqliteNow is the database's clock in the store's time format. SQLite
// has no server: it is the host's clock, which every process sharing the
// file shares; milliseconds, padded to the format's microseconds.
const sqliteNow = `strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')`

// SessionRevocations reads the clock before the revocations, in two
// statements: each has its own snapshot, so the one the revocations come
// from is no older than latest, and a revocation it misses committed
// after latest.
func (s *Store) SessionRevocations(ctx context.Context, since time.Time) ([]string, time.Time, error) {
	var now string
	if err := s.r.QueryRowContext(ctx, `SELECT `+sqliteNow).Scan(&now); err != nil {
		return nil, time.Time{}, translate(err, "")
	}
	latest, err := parseTime(now)
	if err != nil {
		return nil, time.Time{}, translate(err, "")
	}
	after := "" // a zero since: every revocation kept
	if !since.IsZero() {
		after = fmtTime(since)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT token_hash FROM session_revocations WHERE revoked_at > ?`, after)
	if err != nil {
		return nil, time.Time{}, translate(err, "")
	}
	defer rows.Close()
	var hashes []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, time.Time{}, translate(err, "")
		}
		hashes = append(hashes, h)
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, translate(err, "")
	}
	return hashes, latest, nil
}

// PruneSessionRevocations deletes the oldest revocations before before, at
// most limit of them, so one prune is one short write however far behind
// pruning is.
func (s *Store) PruneSessionRevocations(ctx context.Context, before time.Time, limit int) (int, error) {
	if before.IsZero() || limit <= 0 {
		return 0, nil
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM session_revocations WHERE rowid IN
			(SELECT rowid FROM session_revocations WHERE revoked_at < ? ORDER BY revoked_at LIMIT ?)`, fmtTime(before), limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), translate(err, "")
}
