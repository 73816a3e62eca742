package postgres

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports the connection pool's statistics (pgxpool.Stat) on
// every scrape. On sale day a pool with every connection acquired and
// acquires that had to wait is the first sign that checkouts queue on the
// database rather than on CPU: latency rises while the pod's CPU stays
// below the HPA target, so no pod is added.
func (s *Store) Collector() prometheus.Collector { return poolCollector{pool: s.pool} }

type poolCollector struct{ pool *pgxpool.Pool }

var (
	poolAcquired = prometheus.NewDesc("flashscale_db_pool_acquired_connections",
		"Connections currently checked out of the pool.", nil, nil)
	poolIdle = prometheus.NewDesc("flashscale_db_pool_idle_connections",
		"Connections idle in the pool.", nil, nil)
	poolConstructing = prometheus.NewDesc("flashscale_db_pool_constructing_connections",
		"Connections being opened.", nil, nil)
	poolTotal = prometheus.NewDesc("flashscale_db_pool_total_connections",
		"Connections in the pool: acquired, idle and being opened.", nil, nil)
	poolMax = prometheus.NewDesc("flashscale_db_pool_max_connections",
		"The pool's size limit (FLASHSCALE_DB_MAX_CONNS).", nil, nil)
	poolAcquires = prometheus.NewDesc("flashscale_db_pool_acquires_total",
		"Successful acquires of a connection from the pool.", nil, nil)
	poolEmptyAcquires = prometheus.NewDesc("flashscale_db_pool_empty_acquires_total",
		"Successful acquires that found no idle connection and waited for one to be opened or released.", nil, nil)
	poolCanceledAcquires = prometheus.NewDesc("flashscale_db_pool_canceled_acquires_total",
		"Acquires given up because their context ended first.", nil, nil)
	poolAcquireSeconds = prometheus.NewDesc("flashscale_db_pool_acquire_duration_seconds_total",
		"Time spent in successful acquires.", nil, nil)
	poolEmptyAcquireWait = prometheus.NewDesc("flashscale_db_pool_empty_acquire_wait_seconds_total",
		"Time spent waiting in acquires that found no idle connection.", nil, nil)
	poolNewConns = prometheus.NewDesc("flashscale_db_pool_new_connections_total",
		"Connections opened.", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolConstructing, poolTotal, poolMax,
		poolAcquires, poolEmptyAcquires, poolCanceledAcquires, poolAcquireSeconds, poolEmptyAcquireWait, poolNewConns} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolAcquired, float64(st.AcquiredConns()))
	gauge(poolIdle, float64(st.IdleConns()))
	gauge(poolConstructing, float64(st.ConstructingConns()))
	gauge(poolTotal, float64(st.TotalConns()))
	gauge(poolMax, float64(st.MaxConns()))
	counter(poolAcquires, float64(st.AcquireCount()))
	counter(poolEmptyAcquires, float64(st.EmptyAcquireCount()))
	counter(poolCanceledAcquires, float64(st.CanceledAcquireCount()))
	counter(poolAcquireSeconds, st.AcquireDuration().Seconds())
	counter(poolEmptyAcquireWait, st.EmptyAcquireWaitTime().Seconds())
	counter(poolNewConns, float64(st.NewConnsCount()))
}
