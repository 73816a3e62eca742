package http

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/flashscale/flashscale/service/shop"
)

// signinLimits limits sign-in attempts per account and per client address
// with token buckets (a minute's allowance as the burst, refilled evenly).
// The buckets live in this process: each pod counts on its own, so with n
// pods an address gets up to n times the allowance. That bounds online
// password guessing well enough (argon2id makes each guess cost); a
// shared counter would put a store write in front of every sign-in.
type signinLimits struct {
	account, address *keyedLimiter
}

func newSigninLimits(perAccount, perAddress int) *signinLimits {
	return &signinLimits{account: newKeyedLimiter(perAccount), address: newKeyedLimiter(perAddress)}
}

// allow takes one attempt from the address's bucket and, when email is
// set, the account's, or answers rate_limited with the wait. The address
// is checked first so a flood from one address cannot lock an account
// out for everyone else.
func (l *signinLimits) allow(address, email string, now time.Time) error {
	if wait := l.address.take(address, now); wait > 0 {
		return tooMany(wait, "Too many attempts from your network; please wait a moment.")
	}
	if email != "" {
		if wait := l.account.take(email, now); wait > 0 {
			return tooMany(wait, "Too many sign-in attempts for this account; please wait a moment.")
		}
	}
	return nil
}

func tooMany(wait time.Duration, msg string) error {
	return &shop.Error{Code: shop.ERATELIMITED, Message: msg, RetryAfter: max(wait, time.Second)}
}

// maxLimiterKeys bounds the buckets kept: past it the full ones (keys not
// seen for a minute) are dropped, and if none are full, all of them, so
// a flood of made-up emails cannot grow memory without bound.
const maxLimiterKeys = 100_000

type keyedLimiter struct {
	perMinute int
	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
}

func newKeyedLimiter(perMinute int) *keyedLimiter {
	return &keyedLimiter{perMinute: perMinute, buckets: map[string]*rate.Limiter{}}
}

// take spends one token of key's bucket; it returns 0 when there was one,
// else how long until there is.
func (k *keyedLimiter) take(key string, now time.Time) time.Duration {
	if k.perMinute == 0 {
		return 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.buckets[key]
	if b == nil {
		if len(k.buckets) >= maxLimiterKeys {
			k.sweep(now)
		}
		b = rate.NewLimiter(rate.Limit(float64(k.perMinute)/60), k.perMinute)
		k.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

func (k *keyedLimiter) sweep(now time.Time) {
	for key, b := range k.buckets {
		if b.TokensAt(now) >= float64(k.perMinute) {
			delete(k.buckets, key)
		}
	}
	if len(k.buckets) >= maxLimiterKeys {
		clear(k.buckets)
	}
}
