package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// Batching configures group commit of checkouts. When every shopper wants
// the same product, each checkout transaction queues on that product's row
// lock and holds it across its commit, so one transaction per order caps the
// shop at roughly one commit (one WAL flush) per order. Instead, concurrent
// PlaceOrder calls of one process are gathered into one transaction that
// decides them one after another, in arrival order, against the locked rows
// and commits once. Each caller is answered only after that commit, so every
// placed order is durable when its 201 is sent. Batches form by themselves:
// while one is in the database the next checkouts queue, so a quiet shop
// still runs one order per transaction with no added latency.
type Batching struct {
	// MaxBatch caps the checkouts in one transaction; 1 or less turns
	// batching off.
	MaxBatch int
	// MaxWait is how long a worker waits for more checkouts once it has one;
	// 0 takes only what is already queued.
	MaxWait time.Duration
	// Workers is how many batch transactions one Store runs at once, so the
	// next batch can claim its keys while the previous one holds the locks.
	Workers int
	// Timeout bounds one batch transaction.
	Timeout time.Duration
}

// DefaultBatching is what Open uses unless told otherwise.
func DefaultBatching() Batching {
	return Batching{MaxBatch: 128, Workers: 2, Timeout: 15 * time.Second}
}

func (b Batching) enabled() bool { return b.MaxBatch > 1 }

type request struct {
	ctx  context.Context
	p    shop.PlaceOrder
	done chan outcome // buffered, so a worker never waits for a caller
}

type batcher struct {
	s     *Store
	cfg   Batching
	queue chan *request
	stop  chan struct{}
	wg    sync.WaitGroup

	mu     sync.RWMutex // held for reading while submitting; close takes it to stop submissions
	closed bool

	batches, orders atomic.Int64 // for tests and the benchmark
}

var errClosed = errors.New("store is closed")

func newBatcher(s *Store, cfg Batching) *batcher {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultBatching().Timeout
	}
	b := &batcher{s: s, cfg: cfg, stop: make(chan struct{}),
		queue: make(chan *request, cfg.MaxBatch*cfg.Workers*4)}
	b.wg.Add(cfg.Workers)
	for range cfg.Workers {
		go b.work()
	}
	return b
}

func (b *batcher) submit(ctx context.Context, p shop.PlaceOrder) outcome {
	r := &request{ctx: ctx, p: p, done: make(chan outcome, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return outcome{err: shop.Internal(errClosed, "Checkout is unavailable.")}
	}
	select {
	case b.queue <- r:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return outcome{err: shop.Internal(ctx.Err(), "Checkout was cancelled.")}
	}
	select {
	case out := <-r.done:
		return out
	case <-ctx.Done():
		// The order may still commit; a retry with the same key replays it.
		return outcome{err: shop.Internal(ctx.Err(), "Checkout was cancelled.")}
	}
}

// close stops new submissions and waits until every queued checkout has
// been answered.
func (b *batcher) close() {
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

func (b *batcher) work() {
	defer b.wg.Done()
	var carry []*request
	for {
		batch, deferred := b.collect(carry)
		if batch == nil && deferred == nil {
			return
		}
		carry = deferred
		if len(batch) > 0 {
			b.run(batch)
		}
	}
}

// collect gathers the next batch, starting with requests deferred from the
// last one. Two requests with the same (shopper, key) never share a batch:
// the later one is deferred, so that it replays the earlier one's order (or
// retries after its failure) exactly as it would arriving a moment later.
// It returns nil, nil when the batcher is closed and drained.
func (b *batcher) collect(carry []*request) (batch, deferred []*request) {
	seen := map[[2]string]bool{}
	add := func(r *request) {
		if err := r.ctx.Err(); err != nil {
			r.done <- outcome{err: shop.Internal(err, "Checkout was cancelled.")}
			return
		}
		k := [2]string{r.p.ShopperID, r.p.IdempotencyKey}
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
		batch = []*request{}
	}
	return batch, deferred
}

func (b *batcher) run(batch []*request) {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.Timeout)
	defer cancel()
	ps := make([]shop.PlaceOrder, len(batch))
	for i, r := range batch {
		ps[i] = r.p
	}
	outs := b.s.place(ctx, ps)
	for i, r := range batch {
		r.done <- outs[i]
	}
	b.batches.Add(1)
	b.orders.Add(int64(len(batch)))
}
