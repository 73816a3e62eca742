package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// The outbox is written by the orders_outbox trigger (migration 00004) and
// only read and updated here. These run a few times a second at most, so
// they pass SQL text rather than joining the prepared hot-path statements.
const (
	emailsDueSQL = `SELECT EXISTS (SELECT 1 FROM outbox
		WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?)`
	claimEmailsSQL = `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?
		WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?)
		RETURNING id, order_seq, recipient, attempts, created_at, last_error`
)

// ClaimEmails leases the due emails. A read on the reader pool first finds
// whether any is due, so an idle sender's polls never queue for the single
// writer connection behind checkouts.
func (s *Store) ClaimEmails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]shop.Email, error) {
	if err := shop.ValidateEmailClaim(lease, limit); err != nil {
		return nil, err
	}
	var due bool
	if err := s.r.QueryRowContext(ctx, emailsDueSQL, fmtTime(now)).Scan(&due); err != nil {
		return nil, translate(err, "No emails.")
	}
	if !due {
		return nil, nil
	}
	var out []shop.Email
	err := s.write(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, claimEmailsSQL, fmtTime(now.Add(lease)), fmtTime(now), limit)
		if err != nil {
			return err
		}
		var seqs []int64
		for rows.Next() {
			var e shop.Email
			var seq int64
			var created string
			if err := rows.Scan(&e.ID, &seq, &e.Recipient, &e.Attempt, &created, &e.LastError); err != nil {
				rows.Close()
				return err
			}
			if e.CreatedAt, err = parseTime(created); err != nil {
				rows.Close()
				return err
			}
			out = append(out, e)
			seqs = append(seqs, seq)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		for i, seq := range seqs {
			stored, err := loadOrders(ctx, tx, s.st.orderBySeq, s.st.writeDetails, seq)
			if err != nil {
				return err
			}
			if len(stored) != 1 { // the foreign key makes this impossible
				return errors.New("sqlite: an outbox email without its order")
			}
			out[i].Order = stored[0].Order
		}
		return nil
	})
	if err != nil {
		return nil, translate(err, "No emails.")
	}
	return out, nil
}

// MarkEmailSent records a delivery; the first time stays.
func (s *Store) MarkEmailSent(ctx context.Context, id int64, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET sent_at = coalesce(sent_at, ?) WHERE id = ?`, fmtTime(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, sql.ErrNoRows)
		}
		return nil
	})
	return translate(err, "Email not found.")
}

// RetryEmail reschedules (or gives up on) a failed attempt, unless the email
// was sent or claimed again since.
func (s *Store) RetryEmail(ctx context.Context, id int64, attempt int, retryAt time.Time, reason string) error {
	var next, failed any
	if retryAt.IsZero() {
		failed = fmtTime(time.Now())
	} else {
		next = fmtTime(retryAt)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox
			SET next_attempt_at = coalesce(?, next_attempt_at), failed_at = ?, last_error = ?
			WHERE id = ? AND attempts = ? AND sent_at IS NULL`, next, failed, shop.EmailError(reason), id, attempt)
		return err
	})
	return translate(err, "Email not found.")
}

// EmailBacklog counts the emails still to be delivered.
func (s *Store) EmailBacklog(ctx context.Context) (int, time.Time, error) {
	var n int
	var oldest sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT count(*), min(created_at) FROM outbox
		WHERE sent_at IS NULL AND failed_at IS NULL`).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, translate(err, "No emails.")
	}
	var t time.Time
	if oldest.Valid {
		if t, err = parseTime(oldest.String); err != nil {
			return 0, time.Time{}, translate(err, "No emails.")
		}
	}
	return n, t, nil
}
