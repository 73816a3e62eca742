package http

import (
	"context"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// admission bounds the checkouts one instance works on at once. Past that,
// a request waits at most maxWait for a slot and is then shed with 503 and
// Retry-After: a fast "try again" beats a queue that grows until every
// request times out (the seed system's sale-day collapse).
type admission struct {
	slots   chan struct{}
	maxWait time.Duration
}

func newAdmission(maxInFlight int, maxWait time.Duration) *admission {
	return &admission{slots: make(chan struct{}, maxInFlight), maxWait: maxWait}
}

var errShed = shop.Errorf(shop.EOVERLOADED, "High demand: please retry in a moment.")

// acquire takes a slot or fails with EOVERLOADED; release the slot with
// the returned func.
func (a *admission) acquire(ctx context.Context) (release func(), err error) {
	select {
	case a.slots <- struct{}{}:
		return a.release, nil
	default:
	}
	if a.maxWait <= 0 {
		return nil, errShed
	}
	t := time.NewTimer(a.maxWait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return a.release, nil
	case <-t.C:
		return nil, errShed
	case <-ctx.Done():
		return nil, errShed
	}
}

func (a *admission) release() { <-a.slots }
