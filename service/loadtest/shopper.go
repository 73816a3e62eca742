package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// A task is one shopper action and its weight in the mix. The weights are
// the Locust shopper's (@task(n) in locust/locustfile.py): browsing is by
// far the most common action of a sale.
type task struct {
	weight int
	do     func(s *shopper)
}

var tasks = []task{
	{5, (*shopper).browse},
	{3, (*shopper).viewProduct},
	{2, (*shopper).quoteCart},
	{1, (*shopper).checkout},
	{1, (*shopper).listOrders},
	{1, (*shopper).trackOrder},
}

var taskWeights = func() int {
	n := 0
	for _, t := range tasks {
		n += t.weight
	}
	return n
}()

const ordersPage = 20

type listedProduct struct {
	ID            string `json:"id"`
	Stock         int    `json:"stock"`
	MaxPerShopper int    `json:"maxPerShopper"`
}

type shopper struct {
	cfg      *Config
	rec      *recorder
	client   *http.Client
	rng      *rand.Rand
	reqCtx   context.Context
	deadline time.Time
	timer    *time.Timer

	n        int
	customer shop.Customer
	signedIn bool
	products []listedProduct
	etag     string
	orders   []string
	bought   map[string]int
}

func newShopper(cfg *Config, n int, rec *recorder) *shopper {
	return &shopper{
		cfg: cfg, rec: rec, client: newClient(cfg), n: n,
		rng: rand.New(rand.NewPCG(cfg.Seed, uint64(n))),
		customer: shop.Customer{
			Name:    fmt.Sprintf("Load Shopper %d", n),
			Email:   fmt.Sprintf("shopper%d@example.com", n),
			Phone:   "+91 98765 43210",
			Address: fmt.Sprintf("%d MG Road, Indiranagar, Bengaluru 560038", n),
		},
		bought: map[string]int{},
	}
}

func (s *shopper) close() { s.client.CloseIdleConnections() }

// signUp registers the shopper's account; the 201 signs it in (its cookie
// jar keeps fs_session). A shed registration is retried like any shed
// request; anything else is a failure, recorded in rec.
func (s *shopper) signUp(ctx context.Context, rec *recorder) {
	sale := s.rec
	s.rec, s.reqCtx, s.deadline = rec, ctx, time.Now().Add(24*time.Hour)
	s.timer = time.NewTimer(time.Hour)
	s.timer.Stop()
	defer func() { s.rec = sale }()
	body, _ := json.Marshal(map[string]string{"email": s.customer.Email, "password": shopperPassword, "name": s.customer.Name})
	r := s.call(RouteAccounts, http.MethodPost, "/api/accounts", body, nil, []int{http.StatusCreated}, false, func(r *reply) error {
		for _, c := range (&http.Response{Header: r.header}).Cookies() {
			if c.Name == sessionCookie && c.Value != "" {
				return nil
			}
		}
		return errors.New("201 without a session cookie")
	})
	s.signedIn = r != nil
}

// run is the closed loop: act, think, repeat, until runCtx ends. The first
// action is a look at the catalog, as on a shopper's first page load.
// Requests use reqCtx, which the end of the run does not cancel, so no
// request is cut off half-way.
func (s *shopper) run(reqCtx, runCtx context.Context) {
	s.reqCtx = reqCtx
	if s.timer == nil {
		s.timer = time.NewTimer(time.Hour)
		s.timer.Stop()
	}
	s.browse()
	for s.think(runCtx) {
		pick := s.rng.IntN(taskWeights)
		for _, t := range tasks {
			if pick < t.weight {
				t.do(s)
				break
			}
			pick -= t.weight
		}
	}
}

// think waits a random think time; false when the run ends first.
func (s *shopper) think(ctx context.Context) bool {
	d := s.cfg.ThinkMin
	if span := s.cfg.ThinkMax - s.cfg.ThinkMin; span > 0 {
		d += time.Duration(s.rng.Int64N(int64(span) + 1))
	}
	return s.sleep(ctx, d)
}

func (s *shopper) sleep(ctx context.Context, d time.Duration) bool {
	if time.Now().Add(d).After(s.deadline) {
		return false
	}
	s.timer.Reset(d)
	select {
	case <-ctx.Done():
		s.timer.Stop() // since Go 1.23 no stale tick can be left behind
		return false
	case <-s.timer.C:
		return true
	}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

// call makes one logical request: it records every response, retries while
// the server sheds it (same headers and body, so the same Idempotency-Key),
// and returns the final reply when it was a success (one of ok) or an
// expected sold-out, nil when it failed. check validates a success's body.
func (s *shopper) call(route, method, path string, body []byte, header http.Header, ok []int, soldOutOK bool,
	check func(r *reply) error) *reply {
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(s.reqCtx, method, s.cfg.BaseURL+path, bytes.NewReader(body))
		if err != nil {
			s.rec.failure(route, "building request: "+err.Error(), true)
			return nil
		}
		req.Header.Set("X-Forwarded-For", clientAddress(s.n))
		for k, v := range header {
			req.Header[k] = v
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		start := time.Now()
		res, err := s.client.Do(req)
		if err != nil {
			s.rec.failure(route, transportError(err), true)
			return nil
		}
		r := &reply{status: res.StatusCode, header: res.Header}
		r.body, err = io.ReadAll(res.Body)
		res.Body.Close()
		latency := time.Since(start)
		if err != nil {
			s.rec.response(route, latency, outcomeError)
			s.rec.failure(route, "reading body: "+transportError(err), false)
			return nil
		}
		if slices.Contains(ok, r.status) {
			if check != nil {
				if err := check(r); err != nil {
					s.rec.response(route, latency, outcomeError)
					s.rec.failure(route, err.Error(), false)
					return nil
				}
			}
			s.rec.response(route, latency, outcomeOK)
			return r
		}
		code := errorCode(r.body)
		switch {
		case soldOutOK && r.status == http.StatusConflict && code == shop.ESOLDOUT:
			s.rec.response(route, latency, outcomeSoldOut)
			return r
		case r.status == http.StatusServiceUnavailable && code == shop.EOVERLOADED:
			s.rec.response(route, latency, outcomeShed)
			if attempt > s.cfg.MaxShedRetries {
				s.rec.gaveUp(route, attempt)
				return nil
			}
			wait := RetryAfter(r.header.Get("Retry-After"), s.cfg.MaxShedWait)
			// Jitter keeps shed shoppers from coming back in one wave.
			wait += time.Duration(s.rng.Int64N(int64(wait)/2 + 1))
			if !s.sleep(s.reqCtx, wait) {
				return nil // the run ends before the retry: not a failure
			}
		default:
			s.rec.response(route, latency, outcomeError)
			what := strconv.Itoa(r.status)
			if code != "" {
				what += " " + code
			}
			s.rec.failure(route, what, false)
			return nil
		}
	}
}

func (s *shopper) browse() {
	var h http.Header
	if s.etag != "" {
		h = http.Header{"If-None-Match": {s.etag}}
	}
	s.call(RouteProducts, http.MethodGet, "/api/products", nil, h, []int{http.StatusOK, http.StatusNotModified}, false,
		func(r *reply) error {
			if r.status == http.StatusNotModified {
				return nil
			}
			products, err := listings.decode(r.body)
			if err != nil {
				return err
			}
			s.products, s.etag = products, r.header.Get("ETag")
			return nil
		})
}

func (s *shopper) viewProduct() {
	if len(s.products) == 0 {
		s.browse()
		return
	}
	id := s.products[s.rng.IntN(len(s.products))].ID
	s.call(RouteProduct, http.MethodGet, "/api/products/"+url.PathEscape(id), nil, nil, []int{http.StatusOK}, false,
		func(r *reply) error {
			var body struct {
				Product listedProduct `json:"product"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil || body.Product.ID != id {
				return fmt.Errorf("asked for product %s, got %.80q", id, r.body)
			}
			return nil
		})
}

func (s *shopper) quoteCart() {
	if len(s.products) == 0 {
		s.browse()
		return
	}
	n := min(len(s.products), 1+s.rng.IntN(3))
	items := make([]shop.LineRequest, 0, n)
	for _, i := range s.rng.Perm(len(s.products))[:n] {
		items = append(items, shop.LineRequest{ProductID: s.products[i].ID, Quantity: 1 + s.rng.IntN(2)})
	}
	body, _ := json.Marshal(shop.QuoteRequest{Items: items})
	s.call(RouteQuote, http.MethodPost, "/api/cart/quote", body, nil, []int{http.StatusOK}, false,
		func(r *reply) error {
			var q struct {
				Quote shop.Quote `json:"quote"`
			}
			if err := json.Unmarshal(r.body, &q); err != nil || len(q.Quote.Lines) != len(items) {
				return fmt.Errorf("quote for %d lines came back as %.80q", len(items), r.body)
			}
			return nil
		})
}

func (s *shopper) checkout() {
	p, ok := s.pickForCheckout()
	if !ok {
		s.browse()
		return
	}
	body, _ := json.Marshal(shop.CheckoutRequest{Items: []shop.LineRequest{{ProductID: p.ID, Quantity: 1}}, Customer: s.customer})
	// One key per purchase; shed retries reuse it so a retry can never
	// place a second order.
	h := http.Header{"Idempotency-Key": {newIdempotencyKey(s.rng)}}
	s.call(RouteCheckout, http.MethodPost, "/api/checkout", body, h, []int{http.StatusCreated}, true,
		func(r *reply) error {
			var o struct {
				Order struct {
					ID string `json:"id"`
				} `json:"order"`
			}
			if err := json.Unmarshal(r.body, &o); err != nil || o.Order.ID == "" {
				return fmt.Errorf("checkout returned no order: %.80q", r.body)
			}
			s.orders = append(s.orders, o.Order.ID)
			s.bought[p.ID]++
			s.rec.sold(p.ID, 1)
			return nil
		})
}

func (s *shopper) listOrders() {
	s.call(RouteOrders, http.MethodGet, "/api/orders?limit="+strconv.Itoa(ordersPage), nil, nil, []int{http.StatusOK}, false,
		func(r *reply) error {
			var body struct {
				Orders []json.RawMessage `json:"orders"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil {
				return fmt.Errorf("malformed order list: %v", err)
			}
			// Orders are the account's: fewer than we placed means our
			// session (our identity) or an order was lost.
			if want := min(len(s.orders), ordersPage); len(body.Orders) < want {
				return fmt.Errorf("listed %d orders, placed %d", len(body.Orders), len(s.orders))
			}
			return nil
		})
}

func (s *shopper) trackOrder() {
	if len(s.orders) == 0 {
		return // nothing to track yet
	}
	id := s.orders[s.rng.IntN(len(s.orders))]
	s.call(RouteOrder, http.MethodGet, "/api/orders/"+url.PathEscape(id), nil, nil, []int{http.StatusOK}, false,
		func(r *reply) error {
			var o struct {
				Order struct {
					ID string `json:"id"`
				} `json:"order"`
			}
			if err := json.Unmarshal(r.body, &o); err != nil || o.Order.ID != id {
				return fmt.Errorf("asked for order %s, got %.80q", id, r.body)
			}
			return nil
		})
}

// pickForCheckout chooses what to buy: the doorbuster for a HotRatio share
// of checkouts whatever its listed stock (everyone hammers the hot deal,
// which is what sells it out), otherwise anything listed in stock, always
// within the product's per-shopper limit.
func (s *shopper) pickForCheckout() (listedProduct, bool) {
	if len(s.products) == 0 {
		return listedProduct{}, false
	}
	hot := s.cfg.HotProduct
	if hot == "" {
		hot = s.products[0].ID
	}
	var inStock []listedProduct
	for _, p := range s.products {
		if p.MaxPerShopper > 0 && s.bought[p.ID] >= p.MaxPerShopper {
			continue
		}
		if p.ID == hot && s.rng.Float64() < s.cfg.HotRatio {
			return p, true
		}
		if p.Stock > 0 {
			inStock = append(inStock, p)
		}
	}
	if len(inStock) == 0 {
		return listedProduct{}, false
	}
	return inStock[s.rng.IntN(len(inStock))], true
}

// newIdempotencyKey returns a random UUIDv4-formatted key.
func newIdempotencyKey(rng *rand.Rand) string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func errorCode(body []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Error.Code
}

// RetryAfter parses a Retry-After header given in seconds, the form the
// service sends, capped at max; anything else means one second.
func RetryAfter(v string, limit time.Duration) time.Duration {
	d := time.Second
	if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && n >= 0 {
		d = time.Duration(n * float64(time.Second))
	}
	return min(limit, max(d, 100*time.Millisecond))
}

func transportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "transport: " + err.Error()
}

// listings decodes each distinct catalog body once for all shoppers. Every
// shopper of a sale receives the same listing until the stock changes, and
// decoding it once per shopper made JSON the generator's largest cost:
// CPU taken from the server it shares the machine with. The key is the
// body itself (its hash, then its bytes), never a header the server sets.
var listings = &listingCache{m: map[uint64]listingEntry{}}

type listingCache struct {
	mu sync.Mutex
	m  map[uint64]listingEntry
}

type listingEntry struct {
	body     []byte
	products []listedProduct // shared and never modified
}

// maxListings bounds the cache: a long run sees a new listing a second.
const maxListings = 64

var listingSeed = maphash.MakeSeed()

func (c *listingCache) decode(body []byte) ([]listedProduct, error) {
	key := maphash.Bytes(listingSeed, body)
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && bytes.Equal(e.body, body) {
		return e.products, nil
	}
	var v struct {
		Products []listedProduct `json:"products"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("malformed product list: %v", err)
	}
	if len(v.Products) == 0 {
		return nil, errors.New("empty catalog")
	}
	c.mu.Lock()
	if len(c.m) >= maxListings {
		clear(c.m)
	}
	c.m[key] = listingEntry{body: bytes.Clone(body), products: v.Products}
	c.mu.Unlock()
	return v.Products, nil
}
