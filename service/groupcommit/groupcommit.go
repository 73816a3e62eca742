// Package groupcommit gathers concurrent checkouts of one process into
// batches, so a store can decide them in one transaction and pay for one
// commit (one fsync, one WAL flush) per batch instead of one per order. It
// owns what both stores share: the queue, how a batch is formed, the answer
// to every caller, and the drain on Close. The store keeps only its SQL: it
// gets a batch and returns one result per checkout, in order.
//
// Batches form by themselves. A worker takes what is queued when it is free
// and, unless MaxWait says otherwise, never waits for more: a quiet shop
// runs one order per transaction with no added latency, and a busy one
// fills the next batch while the current one is in the database.
package groupcommit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// Config configures group commit of checkouts.
type Config struct {
	// MaxBatch caps the checkouts in one transaction; 1 or less turns
	// batching off.
	MaxBatch int
	// MaxWait is how long a worker waits for more checkouts once it has one;
	// 0 takes only what is already queued.
	MaxWait time.Duration
	// Workers is how many batch transactions run at once.
	Workers int
	// Timeout bounds one batch transaction.
	Timeout time.Duration
}

// DefaultTimeout bounds a batch when Config.Timeout is not set.
const DefaultTimeout = 15 * time.Second

// Enabled reports whether c batches at all.
func (c Config) Enabled() bool { return c.MaxBatch > 1 }

// ErrClosed is what Submit returns once Close has begun.
var ErrClosed = errors.New("store is closed")

// Run decides a batch of checkouts with distinct (shopper, idempotency key)
// pairs and returns one result per checkout, in order. Its context carries
// the batch deadline, not any caller's.
type Run[R any] func(ctx context.Context, batch []shop.PlaceOrder) []R

type request[R any] struct {
	ctx  context.Context
	p    shop.PlaceOrder
	done chan answer[R] // buffered, so a worker never waits for a caller
}

type answer[R any] struct {
	r   R
	err error
}

// Batcher queues checkouts and runs them in batches.
type Batcher[R any] struct {
	cfg   Config
	run   Run[R]
	queue chan *request[R]
	stop  chan struct{}
	wg    sync.WaitGroup

	mu     sync.RWMutex // held for reading while submitting; Close takes it to stop submissions
	closed bool

	batches, orders atomic.Int64
}

// New starts cfg.Workers workers that feed batches to run.
func New[R any](cfg Config, run Run[R]) *Batcher[R] {
	cfg.Workers = max(cfg.Workers, 1)
	cfg.MaxBatch = max(cfg.MaxBatch, 1)
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	b := &Batcher[R]{cfg: cfg, run: run, stop: make(chan struct{}),
		queue: make(chan *request[R], cfg.MaxBatch*cfg.Workers*4)}
	b.wg.Add(cfg.Workers)
	for range cfg.Workers {
		go b.work()
	}
	return b
}

// Submit queues p and waits for its result. The error is ErrClosed, or the
// caller's context error when it ended first: then the order may still be
// committed, and a retry with the same key replays it.
func (b *Batcher[R]) Submit(ctx context.Context, p shop.PlaceOrder) (R, error) {
	var zero R
	r := &request[R]{ctx: ctx, p: p, done: make(chan answer[R], 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return zero, ErrClosed
	}
	select {
	case b.queue <- r:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return zero, ctx.Err()
	}
	select {
	case a := <-r.done:
		return a.r, a.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// Close stops new submissions and waits until every queued checkout has
// been answered.
func (b *Batcher[R]) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	close(b.stop)
	b.mu.Unlock()
	b.wg.Wait()
}

// Stats returns how many batches and checkouts have run, for tests and
// benchmarks.
func (b *Batcher[R]) Stats() (batches, orders int64) { return b.batches.Load(), b.orders.Load() }

func (b *Batcher[R]) work() {
	defer b.wg.Done()
	var carry []*request[R]
	for {
		batch, deferred := b.collect(carry)
		if batch == nil && deferred == nil {
			return
		}
		carry = deferred
		if len(batch) > 0 {
			b.runBatch(batch)
		}
	}
}

type key struct{ shopper, idem string }

// collect gathers the next batch, starting with requests deferred from the
// last one. Two requests with the same (shopper, key) never share a batch:
// the later one is deferred, so that it replays the earlier one's order (or
// retries after its failure) exactly as it would arriving a moment later.
// It returns nil, nil when the batcher is closed and drained.
func (b *Batcher[R]) collect(carry []*request[R]) (batch, deferred []*request[R]) {
	seen := map[key]bool{}
	add := func(r *request[R]) {
		if err := r.ctx.Err(); err != nil {
			r.done <- answer[R]{err: err}
			return
		}
		k := key{r.p.ShopperID, r.p.IdempotencyKey}
		if seen[k] {
			deferred = append(deferred, r)
			return
		}
		seen[k] = true
		batch = append(batch, r)
	}
	for _, r := range carry {
		add(r)
	}
	if len(carry) == 0 {
		select {
		case r := <-b.queue:
			add(r)
		case <-b.stop:
			select {
			case r := <-b.queue:
				add(r)
			default:
				return nil, nil
			}
		}
	}
	var timeout <-chan time.Time
	if b.cfg.MaxWait > 0 {
		t := time.NewTimer(b.cfg.MaxWait)
		defer t.Stop()
		timeout = t.C
	}
	for len(batch) < b.cfg.MaxBatch {
		select {
		case r := <-b.queue:
			add(r)
			continue
		default:
		}
		if timeout == nil {
			break
		}
		select {
		case r := <-b.queue:
			add(r)
			continue
		case <-timeout:
		case <-b.stop:
		}
		break
	}
	if batch == nil {
		batch = []*request[R]{}
	}
	return batch, deferred
}

func (b *Batcher[R]) runBatch(batch []*request[R]) {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.Timeout)
	defer cancel()
	ps := make([]shop.PlaceOrder, len(batch))
	for i, r := range batch {
		ps[i] = r.p
	}
	outs := b.run(ctx, ps)
	for i, r := range batch {
		r.done <- answer[R]{r: outs[i]}
	}
	b.batches.Add(1)
	b.orders.Add(int64(len(batch)))
}
