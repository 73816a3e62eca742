package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/flashscale/flashscale/service/groupcommit"
	"github.com/flashscale/flashscale/service/shop"
)

// Batching configures group commit of checkouts (see package groupcommit).
// When every shopper wants the same product, each checkout transaction
// queues on that product's row lock and holds it across its commit, so one
// transaction per order caps the shop at roughly one commit (one WAL flush)
// per order. Instead, concurrent PlaceOrder calls of one process are
// gathered into one transaction that decides them one after another, in
// arrival order, against the locked rows and commits once. Each caller is
// answered only after that commit, so every placed order is durable when its
// 201 is sent. Workers > 1 lets the next batch claim its keys while the
// previous one holds the locks.
type Batching = groupcommit.Config

// DefaultBatching is what Open uses unless told otherwise.
func DefaultBatching() Batching {
	return Batching{MaxBatch: 128, Workers: 2, Timeout: 15 * time.Second}
}

type batcher = groupcommit.Batcher[outcome]

func newBatcher(s *Store, cfg Batching) *batcher { return groupcommit.New(cfg, s.place) }

// submit runs p in the next batch and turns the batcher's own failures
// (closed, cancelled) into the domain's errors.
func submit(ctx context.Context, b *batcher, p shop.PlaceOrder) outcome {
	out, err := b.Submit(ctx, p)
	switch {
	case errors.Is(err, groupcommit.ErrClosed):
		return outcome{err: shop.Internal(err, "Checkout is unavailable.")}
	case err != nil:
		return outcome{err: shop.Internal(err, "Checkout was cancelled.")}
	}
	return out
}
