package sqlite

import (
	"context"
	"errors"
	"time"

	"github.com/flashscale/flashscale/service/groupcommit"
	"github.com/flashscale/flashscale/service/shop"
)

// Batching configures group commit of checkouts (see package groupcommit).
// SQLite has one writer and synchronous=FULL makes every commit an fsync, so
// one transaction per order capped a hot sale at one fsync per order.
// Concurrent PlaceOrder calls are gathered into one IMMEDIATE transaction
// that decides them one after another, in arrival order, against the stock
// the previous ones left, each under a savepoint of its own, and commits
// (fsyncs) once. Every caller is answered only after that commit.
type Batching = groupcommit.Config

// DefaultBatching is what Open uses unless told otherwise: one worker, as
// there is one writer connection, and batches small enough that a reader
// or an admin write never waits long behind one.
func DefaultBatching() Batching {
	return Batching{MaxBatch: 128, Workers: 1, Timeout: 15 * time.Second}
}

// Option configures Open.
type Option func(*options)

type options struct{ batching Batching }

// WithBatching sets how concurrent checkouts are grouped into one
// transaction. Batching{MaxBatch: 1} (or WithoutBatching) turns it off.
func WithBatching(b Batching) Option { return func(o *options) { o.batching = b } }

// WithoutBatching runs every checkout in its own transaction.
func WithoutBatching() Option { return func(o *options) { o.batching.MaxBatch = 1 } }

// outcome is what one PlaceOrder call gets back.
type outcome struct {
	order    shop.Order
	replayed bool
	err      error
}

type batcher = groupcommit.Batcher[outcome]

// submit runs p in the next batch and turns the batcher's own failures
// (closed, cancelled) into the domain's errors: a cancelled checkout is
// unavailable, as it is without batching.
func submit(ctx context.Context, b *batcher, p shop.PlaceOrder) outcome {
	out, err := b.Submit(ctx, p)
	switch {
	case errors.Is(err, groupcommit.ErrClosed):
		return outcome{err: shop.Internal(err, "Checkout is unavailable.")}
	case err != nil:
		return outcome{err: translate(err, "")}
	}
	return out
}

// BatchStats returns how many checkout batches and orders in them this store
// has run (0, 0 with batching off), for benchmarks.
func (s *Store) BatchStats() (batches, orders int64) {
	if s.batcher == nil {
		return 0, 0
	}
	return s.batcher.Stats()
}
