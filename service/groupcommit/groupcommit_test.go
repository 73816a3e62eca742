package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// recorder is a Run that remembers its batches and can be held up.
type recorder struct {
	mu      sync.Mutex
	batches [][]shop.PlaceOrder
	gate    chan struct{} // when set, each batch waits for one value
}

func (r *recorder) run(_ context.Context, ps []shop.PlaceOrder) []string {
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	r.batches = append(r.batches, ps)
	r.mu.Unlock()
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func po(shopper, key string) shop.PlaceOrder {
	return shop.PlaceOrder{ID: shopper + "/" + key, ShopperID: shopper, IdempotencyKey: key}
}

// A lone checkout runs at once: no timer holds it for company.
func TestLoneCheckoutDoesNotWait(t *testing.T) {
	r := &recorder{}
	b := New(Config{MaxBatch: 128}, r.run)
	defer b.Close()
	start := time.Now()
	for i := range 20 {
		got, err := b.Submit(t.Context(), po("s", fmt.Sprint(i)))
		if err != nil || got != fmt.Sprintf("s/%d", i) {
			t.Fatalf("Submit = %q, %v", got, err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("20 sequential checkouts took %v", d)
	}
	if batches, orders := b.Stats(); batches != 20 || orders != 20 {
		t.Errorf("stats %d batches, %d orders; want 20, 20", batches, orders)
	}
}

// Checkouts that queue while a batch runs share the next one, each caller
// gets its own answer, and a repeated (shopper, key) waits for a later
// batch.
func TestQueuedCheckoutsShareABatch(t *testing.T) {
	r := &recorder{gate: make(chan struct{})}
	b := New(Config{MaxBatch: 8}, r.run)
	defer b.Close()
	type res struct {
		want, got string
		err       error
	}
	results := make(chan res, 11)
	submit := func(p shop.PlaceOrder) {
		got, err := b.Submit(t.Context(), p)
		results <- res{p.ID, got, err}
	}
	go submit(po("first", "k"))
	time.Sleep(50 * time.Millisecond) // the first batch is now held at the gate
	for i := range 9 {
		go submit(po(fmt.Sprint("s", i), "k"))
	}
	go submit(po("s0", "k"))
	time.Sleep(50 * time.Millisecond)
	close(r.gate)
	for range 11 {
		x := <-results
		if x.err != nil || x.got != x.want {
			t.Errorf("answer %q, %v; want %q", x.got, x.err, x.want)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.batches) < 3 || len(r.batches[1]) != 8 {
		t.Fatalf("batch sizes %v; want 1, then a full 8", sizes(r.batches))
	}
	for i, batch := range r.batches {
		seen := map[string]bool{}
		for _, p := range batch {
			if seen[p.ID] {
				t.Errorf("batch %d holds %s twice", i, p.ID)
			}
			seen[p.ID] = true
		}
	}
}

func sizes(bs [][]shop.PlaceOrder) []int {
	var n []int
	for _, b := range bs {
		n = append(n, len(b))
	}
	return n
}

// A caller whose context ends while queued is answered with its context's
// error and never reaches a batch; Close drains the queue, and a checkout
// after Close gets ErrClosed.
func TestCancelledAndClosed(t *testing.T) {
	r := &recorder{gate: make(chan struct{})}
	b := New(Config{MaxBatch: 4}, r.run)
	done := make(chan error, 2)
	go func() { _, err := b.Submit(t.Context(), po("a", "k")); done <- err }()
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { _, err := b.Submit(ctx, po("b", "k")); done <- err }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Submit = %v", err)
	}
	closed := make(chan struct{})
	go func() { b.Close(); close(closed) }()
	r.gate <- struct{}{}
	if err := <-done; err != nil {
		t.Fatalf("queued Submit = %v", err)
	}
	<-closed
	if _, err := b.Submit(t.Context(), po("c", "k")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Submit after Close = %v; want ErrClosed", err)
	}
	for _, batch := range r.batches {
		for _, p := range batch {
			if p.ShopperID == "b" {
				t.Error("a cancelled checkout reached a batch")
			}
		}
	}
}
