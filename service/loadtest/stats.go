package loadtest

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Route names: method and the service's route template, the same strings
// as the method and route labels of flashscale_http_requests_total and the
// Locust rows (locust/shopper_routes.py), so the three can be compared.
const (
	RouteProducts = "GET /api/products"
	RouteProduct  = "GET /api/products/:id"
	RouteQuote    = "POST /api/cart/quote"
	RouteCheckout = "POST /api/checkout"
	RouteOrders   = "GET /api/orders"
	RouteOrder    = "GET /api/orders/:id"
)

// Routes lists every route a shopper uses, in report order.
var Routes = []string{RouteProducts, RouteProduct, RouteQuote, RouteCheckout, RouteOrders, RouteOrder}

// Latencies are recorded in microseconds from 1 µs to 2 minutes with three
// significant digits: finer than any target we report, and a timed-out
// request still fits.
const (
	histMin    = 1
	histMax    = int64(2 * time.Minute / time.Microsecond)
	histDigits = 3
	maxSamples = 50
)

// RouteStats is what happened on one route. Every HTTP response counts in
// Requests and in Latency; each response is then exactly one of OK,
// SoldOut, Shed or Errors. GaveUp counts logical requests abandoned after
// being shed too often (their shed responses are in Shed). A transport
// error counts in Errors but, having no response, not in Requests.
type RouteStats struct {
	Route    string
	Requests int64
	OK       int64
	SoldOut  int64
	Shed     int64
	GaveUp   int64
	Errors   int64
	Latency  *hdrhistogram.Histogram // microseconds
}

// Failed is what counts against "zero failed requests": unexpected
// responses and shoppers who gave up on being shed.
func (s *RouteStats) Failed() int64 { return s.Errors + s.GaveUp }

// Quantile returns a latency quantile (0-100).
func (s *RouteStats) Quantile(q float64) time.Duration {
	if s.Latency.TotalCount() == 0 {
		return 0
	}
	return time.Duration(s.Latency.ValueAtQuantile(q)) * time.Microsecond
}

// Max returns the slowest response.
func (s *RouteStats) Max() time.Duration {
	return time.Duration(s.Latency.Max()) * time.Microsecond
}

// ErrorSample is one kind of failure and how often it happened.
type ErrorSample struct {
	Route string
	What  string
	Count int64
}

type routeRecorder struct {
	mu    sync.Mutex
	stats RouteStats
}

// recorder collects the statistics of all shoppers. One mutex per route is
// plenty: thousands of shoppers with think time make a few thousand
// requests a second.
type recorder struct {
	routes map[string]*routeRecorder
	order  []string // the routes, in report order

	mu      sync.Mutex
	samples map[[2]string]int64
	bought  map[string]int64
}

func newRecorder() *recorder { return newRecorderOf(Routes...) }

func newRecorderOf(routes ...string) *recorder {
	r := &recorder{routes: map[string]*routeRecorder{}, order: routes, samples: map[[2]string]int64{}, bought: map[string]int64{}}
	for _, name := range routes {
		r.routes[name] = &routeRecorder{stats: RouteStats{Route: name, Latency: hdrhistogram.New(histMin, histMax, histDigits)}}
	}
	return r
}

type outcome int

const (
	outcomeOK outcome = iota
	outcomeSoldOut
	outcomeShed
	outcomeError
)

// response records one HTTP response and its outcome.
func (r *recorder) response(route string, latency time.Duration, o outcome) {
	rr := r.routes[route]
	us := max(latency.Microseconds(), histMin)
	rr.mu.Lock()
	defer rr.mu.Unlock()
	s := &rr.stats
	s.Requests++
	_ = s.Latency.RecordValue(min(us, histMax))
	switch o {
	case outcomeOK:
		s.OK++
	case outcomeSoldOut:
		s.SoldOut++
	case outcomeShed:
		s.Shed++
	case outcomeError:
		s.Errors++
	}
}

// failure records why a response (already counted) or a transport error
// (counted here) failed.
func (r *recorder) failure(route, what string, transport bool) {
	if transport {
		rr := r.routes[route]
		rr.mu.Lock()
		rr.stats.Errors++
		rr.mu.Unlock()
	}
	r.sample(route, what)
}

func (r *recorder) gaveUp(route string, shed int) {
	rr := r.routes[route]
	rr.mu.Lock()
	rr.stats.GaveUp++
	rr.mu.Unlock()
	r.sample(route, fmt.Sprintf("gave up after %d overloaded responses", shed))
}

// sample keeps counts for a bounded number of distinct failure messages, so
// a run that fails everything cannot grow without limit.
func (r *recorder) sample(route, what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := [2]string{route, what}
	if _, ok := r.samples[k]; ok || len(r.samples) < maxSamples {
		r.samples[k]++
	}
}

func (r *recorder) sold(productID string, units int) {
	r.mu.Lock()
	r.bought[productID] += int64(units)
	r.mu.Unlock()
}

func (r *recorder) result(users int, elapsed time.Duration) *Result {
	res := &Result{Users: users, Elapsed: elapsed, UnitsBought: map[string]int64{},
		Total: RouteStats{Route: "total", Latency: hdrhistogram.New(histMin, histMax, histDigits)}}
	for _, name := range r.order {
		rr := r.routes[name]
		rr.mu.Lock()
		s := rr.stats
		s.Latency = rr.stats.Latency.Clone()
		rr.mu.Unlock()
		res.Routes = append(res.Routes, s)
		t := &res.Total
		t.Requests += s.Requests
		t.OK += s.OK
		t.SoldOut += s.SoldOut
		t.Shed += s.Shed
		t.GaveUp += s.GaveUp
		t.Errors += s.Errors
		t.Latency.Merge(s.Latency)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, n := range r.samples {
		res.ErrorSamples = append(res.ErrorSamples, ErrorSample{Route: k[0], What: k[1], Count: n})
	}
	sort.Slice(res.ErrorSamples, func(i, j int) bool { return res.ErrorSamples[i].Count > res.ErrorSamples[j].Count })
	for id, n := range r.bought {
		res.UnitsBought[id] = n
	}
	return res
}

// Result is the outcome of a run.
type Result struct {
	Users   int
	Elapsed time.Duration
	Routes  []RouteStats // in Routes order
	Total   RouteStats
	// ErrorSamples counts failures by route and message, most frequent first.
	ErrorSamples []ErrorSample
	// UnitsBought is the units of each product in orders the server
	// confirmed (201), for checking stock against orders afterwards.
	UnitsBought map[string]int64
	// SignUp is the registrations before the sale (RouteAccounts), not in
	// Routes or Total: Elapsed and the sale's latencies start after it.
	// Its failures are failures of the run all the same.
	SignUp        RouteStats
	SignUpElapsed time.Duration
}

// Failed is every failure of the run: the sale's and the sign-up's.
func (r *Result) Failed() int64 { return r.Total.Failed() + r.SignUp.Failed() }

// Route returns the statistics of one route.
func (r *Result) Route(name string) RouteStats {
	for _, s := range r.Routes {
		if s.Route == name {
			return s
		}
	}
	return RouteStats{Route: name, Latency: hdrhistogram.New(histMin, histMax, histDigits)}
}

// Throughput is responses per second over the run.
func (r *Result) Throughput(s RouteStats) float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / r.Elapsed.Seconds()
}
