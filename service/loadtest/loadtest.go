// Package loadtest is FlashScale's closed-loop load generator: N shoppers
// with the Locust shopper's task mix and think time (locust/locustfile.py),
// each on its own HTTP connection with its own cookie jar, as a browser
// would be. It reports throughput, latency percentiles (HDR histograms),
// sold-out, shed and failed counts per route. It also starts the real
// flashscale binary (StartServer) against SQLite or a throwaway PostgreSQL
// database and reads the server's peak RSS, which is what
// cmd/flashscale-loadbench and `make bench` use. RunOverload is the
// overload scenario: checkout-only clients at the admission limit and at
// a multiple of it, and an audit that no confirmed order was lost.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync"
	"time"
)

// Config is one load run.
type Config struct {
	// BaseURL is the shop, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Users is the number of concurrent shoppers.
	Users int
	// Duration is the whole run, ramp-up included.
	Duration time.Duration
	// RampUp spreads the shoppers' starts evenly so thousands of
	// connections are not opened in the same millisecond.
	RampUp time.Duration
	// Each shopper thinks a uniform random time in [ThinkMin, ThinkMax]
	// between actions; Locust's between(1, 3).
	ThinkMin, ThinkMax time.Duration
	// HotProduct is the doorbuster a HotRatio share of checkouts go for
	// whatever its listed stock; "" means the first product listed.
	HotProduct string
	HotRatio   float64
	// MaxShedRetries is how often a shopper retries a request shed with
	// 503 overloaded (after its Retry-After) before giving up.
	MaxShedRetries int
	// MaxShedWait caps the Retry-After a shopper honours.
	MaxShedWait time.Duration
	// RequestTimeout bounds one HTTP exchange.
	RequestTimeout time.Duration
	// Seed makes the shoppers' choices reproducible.
	Seed uint64
	// SignUpConcurrency is how many shoppers register at once before the
	// sale; each registration is one argon2id hash on the server, which
	// runs GOMAXPROCS of them at a time and sheds what waits over 1 s.
	SignUpConcurrency int
	// AfterSignUp, when set, is called once the shoppers are registered
	// and before the sale starts (the bench reads the server's CPU there,
	// so its per-request figure is the sale's, without the hashing).
	AfterSignUp func()
}

// DefaultConfig is the sale-day shopper of the Locust test.
func DefaultConfig(baseURL string, users int, duration time.Duration) Config {
	return Config{
		BaseURL: baseURL, Users: users, Duration: duration,
		RampUp:   min(10*time.Second, duration/4),
		ThinkMin: time.Second, ThinkMax: 3 * time.Second,
		HotRatio: 0.25, MaxShedRetries: 3, MaxShedWait: 10 * time.Second,
		RequestTimeout: 30 * time.Second, Seed: 1, SignUpConcurrency: 4,
	}
}

func (c *Config) validate() error {
	var errs []error
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base URL %q: want http://host:port", c.BaseURL))
	}
	if c.Users < 1 {
		errs = append(errs, fmt.Errorf("users %d: want at least 1", c.Users))
	}
	if c.Duration <= 0 || c.RampUp < 0 || c.RampUp >= c.Duration {
		errs = append(errs, fmt.Errorf("duration %s, ramp-up %s: want 0 <= ramp-up < duration", c.Duration, c.RampUp))
	}
	if c.ThinkMin < 0 || c.ThinkMax < c.ThinkMin {
		errs = append(errs, fmt.Errorf("think time %s-%s: want 0 <= min <= max", c.ThinkMin, c.ThinkMax))
	}
	if c.HotRatio < 0 || c.HotRatio > 1 {
		errs = append(errs, fmt.Errorf("hot ratio %g: want 0-1", c.HotRatio))
	}
	if c.SignUpConcurrency < 1 {
		errs = append(errs, fmt.Errorf("sign-up concurrency %d: want at least 1", c.SignUpConcurrency))
	}
	if c.MaxShedRetries < 0 || c.RequestTimeout <= 0 || c.MaxShedWait <= 0 {
		errs = append(errs, errors.New("shed retries, shed wait and request timeout must be positive"))
	}
	return errors.Join(errs...)
}

// Run registers cfg.Users shoppers (each signed in, its session in its
// own cookie jar, as a shopper who signed in before the sale), then drives
// them until cfg.Duration has passed or ctx ends, lets in-flight requests
// finish and returns what happened. Shoppers stop between actions: no
// request is cut off by the end of the run. Duration and the sale's
// statistics start after the sign-up.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	rec := newRecorder()
	shoppers := make([]*shopper, cfg.Users)
	for i := range shoppers {
		shoppers[i] = newShopper(&cfg, i, rec)
	}
	signUp := newRecorderOf(RouteAccounts)
	signUpStart := time.Now()
	signUpAll(ctx, shoppers, signUp, cfg.SignUpConcurrency)
	signUpElapsed := time.Since(signUpStart)
	if cfg.AfterSignUp != nil {
		cfg.AfterSignUp()
	}

	start := time.Now()
	deadline := start.Add(cfg.Duration)
	runCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	var wg sync.WaitGroup
	for i, s := range shoppers {
		if !s.signedIn {
			continue // counted as a sign-up failure; it cannot check out
		}
		delay := time.Duration(int64(cfg.RampUp) * int64(i) / int64(cfg.Users))
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.close()
			t := time.NewTimer(delay)
			defer t.Stop()
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
			}
			s.deadline = deadline
			s.run(ctx, runCtx)
		}()
	}
	wg.Wait()
	res := rec.result(cfg.Users, time.Since(start))
	su := signUp.result(cfg.Users, signUpElapsed)
	res.SignUp, res.SignUpElapsed = su.Route(RouteAccounts), signUpElapsed
	for _, e := range su.ErrorSamples {
		res.ErrorSamples = append(res.ErrorSamples, e)
	}
	return res, nil
}

// signUpAll registers the shoppers, n at a time.
func signUpAll(ctx context.Context, shoppers []*shopper, rec *recorder, n int) {
	next := make(chan *shopper)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for s := range next {
				s.signUp(ctx, rec)
			}
		})
	}
	for _, s := range shoppers {
		if ctx.Err() != nil {
			break
		}
		next <- s
	}
	close(next)
	wg.Wait()
}

// newClient gives one shopper its own connection and its own cookie jar
// for fs_session.
func newClient(cfg *Config) *http.Client {
	jar, _ := cookiejar.New(nil) // never fails without options
	return newConnClient(cfg.RequestTimeout, jar)
}

// newConnClient is a client with a transport of its own, so its own
// connection (MaxConnsPerHost 1, reused across requests like a browser
// tab's).
func newConnClient(timeout time.Duration, jar http.CookieJar) *http.Client {
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          1,
		MaxIdleConnsPerHost:   1,
		MaxConnsPerHost:       1,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{Transport: tr, Jar: jar, Timeout: timeout,
		// The API never redirects; following one would hide a misrouted request.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
