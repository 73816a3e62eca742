package http

import (
	"maps"
	"regexp"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Checkout rejection reasons, the label values of
// flashscale_checkout_rejections_total. All are pre-set to 0 so that ratio
// panels read 0, not "No Data", before anything went wrong.
var rejectionReasons = []string{"sold_out", "invalid", "sale_not_active", "purchase_limit", "idempotency_key_reused", "shed"}

var checkoutOutcomes = []string{"placed", "replayed", "rejected", "error"}

type metrics struct {
	requests        *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	inFlight        prometheus.Gauge
	ordersPlaced    prometheus.Counter
	unitsSold       prometheus.Counter
	rejections      *prometheus.CounterVec
	checkoutLatency *prometheus.HistogramVec
	stock           *prometheus.GaugeVec
	buildInfo       *prometheus.GaugeVec
	signins         *prometheus.CounterVec
	revocationReads *prometheus.CounterVec

	// series caches the request counter and histogram of each (method,
	// route, code), so a request costs one map read instead of two label
	// lookups (hashing, locking) in the vectors. The map is replaced, never
	// changed, so readers take no lock; its size is bounded by the closed
	// method set, the route templates and the status codes.
	series   atomic.Pointer[map[seriesKey]*requestSeries]
	seriesMu sync.Mutex
}

type seriesKey struct{ method, route, code string }

type requestSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func (m *metrics) request(method, route, code string) *requestSeries {
	k := seriesKey{method, route, code}
	if cur := m.series.Load(); cur != nil {
		if s := (*cur)[k]; s != nil {
			return s
		}
	}
	m.seriesMu.Lock()
	defer m.seriesMu.Unlock()
	cur := m.series.Load()
	if cur != nil {
		if s := (*cur)[k]; s != nil {
			return s
		}
	}
	next := make(map[seriesKey]*requestSeries, 1)
	if cur != nil {
		next = maps.Clone(*cur)
	}
	s := &requestSeries{requests: m.requests.WithLabelValues(method, route, code),
		duration: m.duration.WithLabelValues(method, route, code)}
	next[k] = s
	m.series.Store(&next)
	return s
}

// newMetrics registers the service's metrics on reg. It is not global so
// each test can use a fresh registry.
func newMetrics(reg prometheus.Registerer, version, color, commit string) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flashscale_http_requests_total",
			Help: "HTTP requests served, by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flashscale_http_request_duration_seconds",
			Help:    "HTTP request latency, by method, route template and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flashscale_http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
		ordersPlaced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flashscale_orders_placed_total",
			Help: "Orders placed (idempotent replays not counted).",
		}),
		unitsSold: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flashscale_units_sold_total",
			Help: "Units sold across all placed orders.",
		}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flashscale_checkout_rejections_total",
			Help: "Checkouts rejected, by reason.",
		}, []string{"reason"}),
		checkoutLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flashscale_checkout_duration_seconds",
			Help:    "Checkout latency including admission wait, by outcome.",
			Buckets: []float64{.0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"outcome"}),
		stock: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flashscale_product_stock",
			Help: "Units left per product, as of the last catalog refresh.",
		}, []string{"product"}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flashscale_build_info",
			Help: "Always 1; labels say which build and colour this instance runs.",
		}, []string{"version", "color", "commit"}),
		signins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flashscale_signins_total",
			Help: "Registrations and sign-in attempts, by outcome (registered, signed_in, invalid_credentials, rate_limited).",
		}, []string{"outcome"}),
		revocationReads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flashscale_session_revocation_reads_total",
			Help: "Reads of the store's session revocation feed, by outcome (ok, error); while they fail, cached sessions are trusted only 5 s after their lookup.",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight, m.ordersPlaced, m.unitsSold,
		m.rejections, m.checkoutLatency, m.stock, m.buildInfo, m.signins, m.revocationReads,
		newGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, o := range []string{"registered", "signed_in", "invalid_credentials", "rate_limited"} {
		m.signins.WithLabelValues(o)
	}
	for _, o := range []string{"ok", "error"} {
		m.revocationReads.WithLabelValues(o)
	}
	for _, r := range rejectionReasons {
		m.rejections.WithLabelValues(r)
	}
	for _, o := range checkoutOutcomes {
		m.checkoutLatency.WithLabelValues(o)
	}
	m.buildInfo.WithLabelValues(version, color, commit).Set(1)
	return m
}

// registerAdmission exports checkout admission control
// (FLASHSCALE_CHECKOUT_MAX_INFLIGHT, FLASHSCALE_CHECKOUT_QUEUE_WAIT): the
// slots in use out of the limit, read from the semaphore itself at each
// scrape, and how long checkouts waited for a slot, by whether they got
// one. Slots pinned at the limit with waits near the queue wait is the
// moment shedding starts.
func registerAdmission(reg prometheus.Registerer, a *admission) {
	a.wait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "flashscale_checkout_admission_wait_seconds",
		Help: "Time a checkout waited for an admission slot, by result: admitted, or shed after the queue wait.",
		// 0.0001 catches the immediate admits; the top buckets bracket the
		// default 250ms queue wait.
		Buckets: []float64{.0001, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
	}, []string{"result"})
	for _, r := range admissionResults {
		a.wait.WithLabelValues(r)
	}
	reg.MustRegister(a.wait,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "flashscale_checkout_admission_in_use",
			Help: "Checkout admission slots in use now.",
		}, func() float64 { return float64(len(a.slots)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "flashscale_checkout_admission_limit",
			Help: "Checkout admission slots in all (FLASHSCALE_CHECKOUT_MAX_INFLIGHT).",
		}, func() float64 { return float64(cap(a.slots)) }),
	)
}

var admissionResults = []string{"admitted", "shed"}

// newGoCollector exports, besides the default memory gauges, the
// runtime's scheduler and GC CPU metrics. go_sched_latencies_seconds is how
// long runnable goroutines waited for a CPU: when every route's tail grows
// at once, it tells a pod starved of CPU (throttled, or sharing a node with
// a noisy neighbour) from one whose handlers are slow. The GC pause and
// GC CPU series tell the collector's share of both.
func newGoCollector() prometheus.Collector {
	return collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
		collectors.MetricsScheduler,
		collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/cpu/classes/(gc/total|total|idle):cpu-seconds$`)},
	))
}
