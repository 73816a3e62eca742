package mail

import "github.com/prometheus/client_golang/prometheus"

// Failure outcomes, the label values of flashscale_email_failures_total,
// pre-set to 0 so that rate panels and alerts read 0, not "No Data".
const (
	outcomeRetry  = "retry"    // a temporary failure: tried again after a backoff
	outcomeGaveUp = "given_up" // the receiving server refused the recipient for good
)

type metrics struct {
	sent     prometheus.Counter
	failures *prometheus.CounterVec
	pending  prometheus.Gauge
	oldest   prometheus.Gauge
	duration prometheus.Histogram
}

// newMetrics registers the sender's metrics on reg. It is not global so
// each test can use a fresh registry.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flashscale_email_sent_total",
			Help: "Order confirmation emails the SMTP server accepted (a resend after a crash counts again).",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flashscale_email_failures_total",
			Help: "Failed delivery attempts of order confirmation emails, by outcome (retry, given_up).",
		}, []string{"outcome"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flashscale_outbox_pending",
			Help: "Order confirmation emails not yet delivered (the whole outbox, all pods), as of the last check.",
		}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flashscale_outbox_oldest_pending_age_seconds",
			Help: "Age of the oldest undelivered order confirmation email; 0 when none is pending.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "flashscale_email_send_duration_seconds",
			Help:    "Time to hand one email to the SMTP server (the connection set-up not included).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	reg.MustRegister(m.sent, m.failures, m.pending, m.oldest, m.duration)
	m.failures.WithLabelValues(outcomeRetry)
	m.failures.WithLabelValues(outcomeGaveUp)
	return m
}
