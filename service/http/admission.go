package http

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashscale/flashscale/service/shop"
)

// admission bounds the checkouts one instance works on at once. Past that,
// a request waits at most maxWait for a slot and is then shed with 503 and
// Retry-After: a fast "try again" beats a queue that grows until every
// request times out (the seed system's sale-day collapse).
type admission struct {
	slots   chan struct{}
	maxWait time.Duration
	wait    *prometheus.HistogramVec // by result; nil until registerAdmission
}

func newAdmission(maxInFlight int, maxWait time.Duration) *admission {
	return &admission{slots: make(chan struct{}, maxInFlight), maxWait: maxWait}
}

var errShed = shop.Errorf(shop.EOVERLOADED, "High demand: please retry in a moment.")

// acquire takes a slot or fails with EOVERLOADED; release the slot with
// the returned func.
func (a *admission) acquire(ctx context.Context) (release func(), err error) {
	start := time.Now()
	select {
	case a.slots <- struct{}{}:
		a.observe(start, "admitted")
		return a.release, nil
	default:
	}
	if a.maxWait <= 0 {
		a.observe(start, "shed")
		return nil, errShed
	}
	t := time.NewTimer(a.maxWait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		a.observe(start, "admitted")
		return a.release, nil
	case <-t.C:
	case <-ctx.Done():
	}
	a.observe(start, "shed")
	return nil, errShed
}

func (a *admission) observe(start time.Time, result string) {
	if a.wait != nil {
		a.wait.WithLabelValues(result).Observe(time.Since(start).Seconds())
	}
}

func (a *admission) release() { <-a.slots }
