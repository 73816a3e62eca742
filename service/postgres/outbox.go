package postgres

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flashscale/flashscale/service/shop"
)

// The outbox is written by the orders_outbox trigger (migration 00004) and
// only read and updated here.
const (
	// SKIP LOCKED: senders in several pods claim at once; each takes the due
	// rows nobody else is claiming at that moment instead of queueing behind
	// them, and the lease (next_attempt_at) keeps them from the others once
	// the claim commits.
	claimEmailsSQL = `
WITH due AS (
	SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
	ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
UPDATE outbox o SET attempts = o.attempts + 1, next_attempt_at = $2
FROM due WHERE o.id = due.id
RETURNING o.id, o.order_seq, o.recipient, o.attempts, o.created_at, o.last_error`

	markEmailSentSQL = `UPDATE outbox SET sent_at = coalesce(sent_at, $2) WHERE id = $1`

	retryEmailSQL = `
UPDATE outbox SET next_attempt_at = coalesce($3, next_attempt_at),
	failed_at = CASE WHEN $3::timestamptz IS NULL THEN now() END, last_error = $4
WHERE id = $1 AND attempts = $2 AND sent_at IS NULL`

	emailBacklogSQL = `SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL`
)

// ClaimEmails leases the due emails and reads their orders in the same
// transaction.
func (s *Store) ClaimEmails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]shop.Email, error) {
	if err := shop.ValidateEmailClaim(lease, limit); err != nil {
		return nil, err
	}
	now = dbTime(now)
	var out []shop.Email
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, claimEmailsSQL, now, now.Add(lease), limit)
		if err != nil {
			return err
		}
		bySeq := map[int64]int{}
		var seqs []int64
		var e shop.Email
		var seq int64
		var attempt int32
		_, err = pgx.ForEachRow(rows, []any{&e.ID, &seq, &e.Recipient, &attempt, &e.CreatedAt, &e.LastError}, func() error {
			e.Attempt, e.CreatedAt = int(attempt), e.CreatedAt.UTC()
			bySeq[seq] = len(out)
			out = append(out, e)
			seqs = append(seqs, seq)
			return nil
		})
		if err != nil || len(out) == 0 {
			return err
		}
		stored, err := s.queryOrders(ctx, tx, `WHERE o.seq = ANY($1::bigint[])`, seqs)
		if err != nil {
			return err
		}
		if len(stored) != len(out) { // the foreign key makes this impossible
			return errors.New("postgres: an outbox email without its order")
		}
		for _, o := range stored {
			out[bySeq[o.Seq]].Order = o.Order
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
	tag, err := s.pool.Exec(ctx, markEmailSentSQL, id, dbTime(at))
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return translate(err, "Email not found.")
}

// RetryEmail reschedules (or gives up on) a failed attempt, unless the email
// was sent or claimed again since.
func (s *Store) RetryEmail(ctx context.Context, id int64, attempt int, retryAt time.Time, reason string) error {
	if attempt < 1 || attempt > math.MaxInt32 {
		return nil // no claim has that number
	}
	var next *time.Time
	if !retryAt.IsZero() {
		t := dbTime(retryAt)
		next = &t
	}
	_, err := s.pool.Exec(ctx, retryEmailSQL, id, int32(attempt), next, shop.EmailError(reason))
	return translate(err, "Email not found.")
}

// EmailBacklog counts the emails still to be delivered.
func (s *Store) EmailBacklog(ctx context.Context) (int, time.Time, error) {
	var n int64
	var oldest *time.Time
	if err := s.pool.QueryRow(ctx, emailBacklogSQL).Scan(&n, &oldest); err != nil {
		return 0, time.Time{}, translate(err, "No emails.")
	}
	if oldest == nil {
		return int(n), time.Time{}, nil
	}
	return int(n), oldest.UTC(), nil
}
