package loadtest

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/flashscale/flashscale/service/shop"
)

// CheckoutLoad is a closed loop of checkout-only clients with no think
// time: each client sends its next checkout as soon as the last one is
// answered, so up to Clients requests are in flight (fewer while shed
// clients wait out their Retry-After). That is how the overload scenario
// measures capacity (Clients equal to the server's admission limit) and
// then drives a multiple of it.
type CheckoutLoad struct {
	BaseURL string
	// Clients each hold one connection and one signed-in account at a time.
	Clients  int
	Duration time.Duration
	// Warmup is left out of the latency and throughput statistics (not
	// out of Orders: every order placed is audited).
	Warmup time.Duration
	// ProductID is what every checkout buys, one unit at a time: on sale
	// day everyone wants the same product.
	ProductID string
	// PerShopper is how many units a shopper buys before its client makes
	// way for a new shopper (a new account, registered on the spot): the
	// product's maxPerShopper, so no shopper runs into the purchase limit.
	PerShopper int
	// MaxShedRetries is how often a purchase shed with 503 overloaded is
	// retried with the same Idempotency-Key before the client gives up
	// on it; the web shop makes 5 automatic retries.
	MaxShedRetries int
	// Each retry waits Retry-After (capped at MaxShedWait) plus a uniform
	// random jitter up to RetryJitter, as the web shop does.
	MaxShedWait, RetryJitter time.Duration
	RequestTimeout           time.Duration
	Seed                     uint64
}

// NewCheckoutLoad fills in the web shop's retry behaviour.
func NewCheckoutLoad(baseURL, productID string, clients, perShopper int, duration, warmup time.Duration) CheckoutLoad {
	return CheckoutLoad{
		BaseURL: baseURL, Clients: clients, Duration: duration, Warmup: warmup,
		ProductID: productID, PerShopper: perShopper,
		MaxShedRetries: 5, MaxShedWait: 10 * time.Second, RetryJitter: 500 * time.Millisecond,
		RequestTimeout: 30 * time.Second, Seed: 1,
	}
}

func (c *CheckoutLoad) validate() error {
	var errs []error
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base URL %q: want http://host:port", c.BaseURL))
	}
	if c.Clients < 1 || c.PerShopper < 1 {
		errs = append(errs, fmt.Errorf("clients %d, units per shopper %d: want at least 1 each", c.Clients, c.PerShopper))
	}
	if c.Duration <= 0 || c.Warmup < 0 || c.Warmup >= c.Duration {
		errs = append(errs, fmt.Errorf("duration %s, warm-up %s: want 0 <= warm-up < duration", c.Duration, c.Warmup))
	}
	if c.ProductID == "" {
		errs = append(errs, errors.New("no product to buy"))
	}
	if c.MaxShedRetries < 0 || c.MaxShedWait <= 0 || c.RetryJitter < 0 || c.RequestTimeout <= 0 {
		errs = append(errs, errors.New("shed retries, shed wait, jitter and request timeout must not be negative"))
	}
	return errors.Join(errs...)
}

// PlacedOrder is an order the server confirmed with 201, with what the
// audit needs to find it again: the session of the account that placed it.
type PlacedOrder struct {
	ID             string
	IdempotencyKey string
	ShopperToken   string
	ProductID      string
	Units          int
	// Replayed is set when the 201 carried Idempotent-Replayed: an earlier
	// attempt with the same key had placed the order.
	Replayed bool
}

// CheckoutResult is what a CheckoutLoad run saw. Counts and histograms
// cover responses to requests sent after the warm-up; Orders covers the
// whole run.
type CheckoutResult struct {
	Clients int
	// Window is the measured part of the run: Duration minus Warmup.
	Window time.Duration

	Created  int64 // 201
	Replayed int64 // 201 with Idempotent-Replayed
	Shed     int64 // 503 overloaded
	// AllShed is Shed over the whole run, warm-up included: what the
	// server's shed counter must have grown by.
	AllShed int64
	// Conflicts counts 409 answers by error code (sold_out, purchase_limit).
	Conflicts map[string]int64
	// Errors counts everything that is not 201, 409 or 503 overloaded with
	// Retry-After, and transport errors, over the whole run (warm-up
	// included): each is a failed request.
	Errors int64
	// GaveUp counts purchases abandoned after MaxShedRetries+1 sheds;
	// Abandoned, over the whole run, those whose next retry would have
	// come after the end.
	GaveUp, Abandoned int64

	// Admitted is the latency of responses that got past admission
	// control (201 and 409), Shed of 503 overloaded, Purchase the whole
	// wait of a purchase that ended in a 201, shed retries included; all
	// in microseconds.
	AdmittedLatency, ShedLatency, PurchaseLatency *hdrhistogram.Histogram

	// RetriesPerPurchase counts completed purchases by how often they
	// were shed first.
	RetriesPerPurchase map[int]int64
	// Timeline is 201s per second of the whole run, by when they were
	// sent: a store that slows down as it fills shows here.
	Timeline []int64

	ErrorSamples []ErrorSample
	Orders       []PlacedOrder
}

// Admitted is the number of measured responses that got past admission.
func (r *CheckoutResult) Admitted() int64 {
	n := r.Created
	for _, c := range r.Conflicts {
		n += c
	}
	return n
}

// PerSecond divides a count of the measured window by its length.
func (r *CheckoutResult) PerSecond(n int64) float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(n) / r.Window.Seconds()
}

// Quantile returns quantile q (0-100) of a latency histogram.
func Quantile(h *hdrhistogram.Histogram, q float64) time.Duration {
	if h == nil || h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(h.ValueAtQuantile(q)) * time.Microsecond
}

// MaxLatency returns the largest value of a latency histogram.
func MaxLatency(h *hdrhistogram.Histogram) time.Duration {
	if h == nil || h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(h.Max()) * time.Microsecond
}

func newLatencyHist() *hdrhistogram.Histogram { return hdrhistogram.New(histMin, histMax, histDigits) }

func recordLatency(h *hdrhistogram.Histogram, d time.Duration) {
	_ = h.RecordValue(min(max(d.Microseconds(), histMin), histMax))
}

// RunCheckouts runs the closed loop until Duration has passed or ctx
// ends. Clients send nothing after the end; requests in flight then are
// answered, not cut off, and their orders are kept for the audit.
func RunCheckouts(ctx context.Context, cfg CheckoutLoad) (*CheckoutResult, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	deadline := start.Add(cfg.Duration)
	runCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	// Every client's first shopper registers before the clock starts: a
	// registration is an argon2id hash, which is not what this measures.
	clients := make([]*checkoutClient, cfg.Clients)
	for i := range clients {
		clients[i] = newCheckoutClient(&cfg, i, start, measureFrom, deadline)
	}
	var signUp sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, c := range clients {
		signUp.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c.signUp(ctx)
		})
	}
	signUp.Wait()
	start = time.Now()
	measureFrom, deadline = start.Add(cfg.Warmup), start.Add(cfg.Duration)
	runCtx, cancel = context.WithDeadline(ctx, deadline)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range clients {
		c.start, c.measureFrom, c.deadline = start, measureFrom, deadline
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.http.CloseIdleConnections()
			c.run(ctx, runCtx)
		}()
	}
	wg.Wait()

	res := &CheckoutResult{
		Clients: cfg.Clients, Window: cfg.Duration - cfg.Warmup, Conflicts: map[string]int64{},
		AdmittedLatency: newLatencyHist(), ShedLatency: newLatencyHist(), PurchaseLatency: newLatencyHist(),
		RetriesPerPurchase: map[int]int64{},
	}
	samples := map[[2]string]int64{}
	for _, c := range clients {
		res.Created += c.created
		res.Replayed += c.replayed
		res.Shed += c.shed
		res.AllShed += c.allShed
		res.Errors += c.errors
		res.GaveUp += c.gaveUp
		res.Abandoned += c.abandoned
		for k, n := range c.conflicts {
			res.Conflicts[k] += n
		}
		for k, n := range c.retries {
			res.RetriesPerPurchase[k] += n
		}
		res.AdmittedLatency.Merge(c.admitted)
		res.ShedLatency.Merge(c.shedLat)
		res.PurchaseLatency.Merge(c.purchase)
		for what, n := range c.samples {
			samples[[2]string{RouteCheckout, what}] += n
		}
		res.Orders = append(res.Orders, c.orders...)
		for i, n := range c.timeline {
			for len(res.Timeline) <= i {
				res.Timeline = append(res.Timeline, 0)
			}
			res.Timeline[i] += n
		}
	}
	for k, n := range samples {
		res.ErrorSamples = append(res.ErrorSamples, ErrorSample{Route: k[0], What: k[1], Count: n})
	}
	sort.Slice(res.ErrorSamples, func(i, j int) bool { return res.ErrorSamples[i].Count > res.ErrorSamples[j].Count })
	return res, nil
}

// checkoutClient is one closed-loop client. Its statistics are its own
// (merged at the end), so hundreds of clients at thousands of requests a
// second share no lock.
type checkoutClient struct {
	cfg                          *CheckoutLoad
	http                         *http.Client
	rng                          *rand.Rand
	n                            int
	start, measureFrom, deadline time.Time
	timeline                     []int64
	timer                        *time.Timer

	token    string // fs_session of the current shopper's account; "" before it registers
	bought   int    // units the current shopper has bought
	shoppers int    // accounts this client registered

	created, replayed, shed, allShed, errors, gaveUp, abandoned int64
	conflicts                                                   map[string]int64
	retries                                                     map[int]int64
	admitted, shedLat, purchase                                 *hdrhistogram.Histogram
	samples                                                     map[string]int64
	orders                                                      []PlacedOrder
}

func newCheckoutClient(cfg *CheckoutLoad, n int, start, measureFrom, deadline time.Time) *checkoutClient {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &checkoutClient{
		cfg: cfg, http: newConnClient(cfg.RequestTimeout, nil), n: n,
		rng:   rand.New(rand.NewPCG(cfg.Seed, uint64(n))),
		start: start, measureFrom: measureFrom, deadline: deadline, timer: t,
		conflicts: map[string]int64{}, retries: map[int]int64{}, samples: map[string]int64{},
		admitted: newLatencyHist(), shedLat: newLatencyHist(), purchase: newLatencyHist(),
	}
}

func (c *checkoutClient) customer() shop.Customer {
	return shop.Customer{
		Name:    fmt.Sprintf("Overload Shopper %d", c.n),
		Email:   fmt.Sprintf("overload%d@example.com", c.n),
		Phone:   "+91 98765 43210",
		Address: fmt.Sprintf("%d Brigade Road, Bengaluru 560001", c.n),
	}
}

func (c *checkoutClient) run(reqCtx, runCtx context.Context) {
	body, _ := json.Marshal(shop.CheckoutRequest{
		Items: []shop.LineRequest{{ProductID: c.cfg.ProductID, Quantity: 1}}, Customer: c.customer()})
	for runCtx.Err() == nil && time.Now().Before(c.deadline) {
		if c.bought >= c.cfg.PerShopper {
			c.token, c.bought = "", 0 // the next shopper takes this client's place
		}
		if c.token == "" && !c.signUp(reqCtx) {
			return
		}
		if !c.purchase1(reqCtx, body) {
			return
		}
	}
}

// attempt is one HTTP exchange's outcome.
type attempt struct {
	status     int
	code       string
	orderID    string
	units      int
	retryAfter string
	replayed   bool
	err        string // why the response is a failure
}

// purchase1 buys one unit with one Idempotency-Key, retrying while shed.
// It returns false when the client is done: its retry would have come
// after the end of the run.
func (c *checkoutClient) purchase1(ctx context.Context, body []byte) bool {
	// Keys come from crypto/rand, not the seeded generator: runs and
	// phases reuse seeds, and a key seen twice must mean a bug.
	key := crand.Text()
	first := time.Now()
	for sheds := 0; ; {
		sent := time.Now()
		a := c.do(ctx, key, body)
		lat := time.Since(sent)
		measured := !sent.Before(c.measureFrom)
		if a.err != "" {
			// A failure counts whenever it happens, warm-up included; an
			// order it confirmed is still audited.
			c.errors++
			c.samples[a.err]++
			if a.status == http.StatusCreated && a.orderID != "" {
				c.orders = append(c.orders, PlacedOrder{ID: a.orderID, IdempotencyKey: key, ShopperToken: c.token,
					ProductID: c.cfg.ProductID, Units: a.units, Replayed: a.replayed})
			}
			return true
		}
		switch a.status {
		case http.StatusCreated:
			c.bought++
			sec := int(sent.Sub(c.start) / time.Second)
			for len(c.timeline) <= sec {
				c.timeline = append(c.timeline, 0)
			}
			c.timeline[sec]++
			c.orders = append(c.orders, PlacedOrder{ID: a.orderID, IdempotencyKey: key, ShopperToken: c.token,
				ProductID: c.cfg.ProductID, Units: a.units, Replayed: a.replayed})
			if measured {
				c.created++
				if a.replayed {
					c.replayed++
				}
				recordLatency(c.admitted, lat)
				recordLatency(c.purchase, time.Since(first))
				c.retries[sheds]++
			}
			return true
		case http.StatusConflict:
			if measured {
				c.conflicts[a.code]++
				recordLatency(c.admitted, lat)
			}
			if a.code == shop.ELIMIT {
				c.bought = c.cfg.PerShopper // a new shopper next time
			}
			return true
		}
		// 503 overloaded with Retry-After: the only answer left.
		sheds++
		c.allShed++
		if measured {
			c.shed++
			recordLatency(c.shedLat, lat)
		}
		if sheds > c.cfg.MaxShedRetries {
			if measured {
				c.gaveUp++
			}
			return true
		}
		wait := RetryAfter(a.retryAfter, c.cfg.MaxShedWait)
		if c.cfg.RetryJitter > 0 {
			wait += time.Duration(c.rng.Int64N(int64(c.cfg.RetryJitter) + 1))
		}
		if !time.Now().Add(wait).Before(c.deadline) {
			c.abandoned++
			return false
		}
		c.timer.Reset(wait)
		select {
		case <-ctx.Done():
			c.timer.Stop()
			c.abandoned++
			return false
		case <-c.timer.C:
		}
	}
}

func (c *checkoutClient) do(ctx context.Context, key string, body []byte) attempt {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+"/api/checkout", bytes.NewReader(body))
	if err != nil {
		return attempt{err: "building request: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	sent := c.token
	if c.token != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.token})
	}
	res, err := c.http.Do(req)
	if err != nil {
		return attempt{err: transportError(err)}
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return attempt{err: "reading body: " + transportError(err)}
	}
	a := attempt{status: res.StatusCode, code: errorCode(b), retryAfter: res.Header.Get("Retry-After"),
		replayed: res.Header.Get("Idempotent-Replayed") == "true"}
	switch {
	case a.status == http.StatusCreated:
		var o struct {
			Order orderBody `json:"order"`
		}
		if err := json.Unmarshal(b, &o); err != nil || o.Order.ID == "" {
			a.err = fmt.Sprintf("201 without an order: %.80q", b)
			break
		}
		a.orderID, a.units = o.Order.ID, o.Order.units(c.cfg.ProductID)
		if a.units != 1 || len(o.Order.Items) != 1 {
			a.err = fmt.Sprintf("bought 1 unit of %s, order %s has %+v", c.cfg.ProductID, a.orderID, o.Order.Items)
		}
		if sent == "" {
			a.err = "201 for a checkout sent without a session"
		}
	case a.status == http.StatusConflict && a.code != "":
	case a.status == http.StatusServiceUnavailable && a.code == shop.EOVERLOADED:
		if a.retryAfter == "" {
			a.err = "503 overloaded without Retry-After"
		}
	default:
		a.err = strconv.Itoa(a.status)
		if a.code != "" {
			a.err += " " + a.code
		}
	}
	return a
}

// signUp registers a new account for the client's next shopper and keeps
// its session; a shed registration is retried after Retry-After. It
// reports false when the client cannot go on (a failure, counted, or the
// end of the run).
func (c *checkoutClient) signUp(ctx context.Context) bool {
	c.shoppers++
	email := fmt.Sprintf("overload-%d-%d-%s@example.com", c.n, c.shoppers, crand.Text()[:10])
	for sheds := 0; ; sheds++ {
		tok, r, err := registerAccount(ctx, c.http, c.cfg.BaseURL, email, fmt.Sprintf("Overload Shopper %d", c.n), clientAddress(c.n))
		switch {
		case err != nil:
			c.errors++
			c.samples["registering: "+transportError(err)]++
			return false
		case r.status == http.StatusCreated && tok != "":
			c.token, c.bought = tok, 0
			return true
		case r.status == http.StatusServiceUnavailable && sheds < c.cfg.MaxShedRetries:
			wait := RetryAfter(r.header.Get("Retry-After"), c.cfg.MaxShedWait)
			c.timer.Reset(wait)
			select {
			case <-ctx.Done():
				c.timer.Stop()
				return false
			case <-c.timer.C:
			}
		default:
			c.errors++
			c.samples[fmt.Sprintf("registering: %d %s", r.status, errorCode(r.body))]++
			return false
		}
	}
}

type orderBody struct {
	ID    string `json:"id"`
	Items []struct {
		ProductID string `json:"productId"`
		Quantity  int    `json:"quantity"`
	} `json:"items"`
}

func (o *orderBody) units(productID string) int {
	n := 0
	for _, it := range o.Items {
		if it.ProductID == productID {
			n += it.Quantity
		}
	}
	return n
}
