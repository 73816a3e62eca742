package boards

// service is FlashScale / Service: shopper traffic, errors and latency,
// the two capacity limits a pod has (checkout admission slots and the
// database pool), and the builds and runtime of each colour.
func service() *board {
	b := newBoard("flashscale-service", "FlashScale / Service",
		"Request rate, errors, latency, capacity (admission slots, database pool) and builds of the FlashScale service, blue and green side by side.")

	b.stat("Request rate", "Shopper requests per second (probes and scrapes excluded).", "reqps", quarter,
		q("", `sum(rate(flashscale_http_requests_total{color=~"$color", `+shopper+`}[$__rate_interval]))`))
	b.stat("Error ratio (5xx)", "Share of shopper requests answered 5xx, including 503 overloaded (shed). 0 when nothing failed or nothing was asked.", "percentunit", quarter,
		q("", `(sum(rate(flashscale_http_requests_total{color=~"$color", `+shopper+`, code=~"5.."}[$__rate_interval])) or vector(0))
/
clamp_min(sum(rate(flashscale_http_requests_total{color=~"$color", `+shopper+`}[$__rate_interval])) or vector(0), 1e-9)`))
	b.stat("p99 latency", "99th percentile of shopper request latency. SLO: 250 ms (500 ms for placed orders).", "s", quarter,
		q("", `histogram_quantile(0.99, sum by (le) (rate(flashscale_http_request_duration_seconds_bucket{color=~"$color", `+shopper+`}[$__rate_interval])))`))
	b.stat("Pods scraped up", "Service pods whose /metrics Prometheus scraped successfully at the last scrape.", "none", quarter,
		q("", `sum(up{namespace="flashscale", color=~"$color"})`))

	b.row("Traffic and errors")
	b.timeseries("Request rate by route", "All requests by route template, probes and scrapes included.", "reqps", half, 8,
		q("{{route}}", `sum by (route) (rate(flashscale_http_requests_total{color=~"$color"}[$__rate_interval]))`))
	b.timeseries("Request rate by colour", "Shopper requests per second per deployment colour.", "reqps", half, 8,
		q("{{color}}", `sum by (color) (rate(flashscale_http_requests_total{color=~"$color", `+shopper+`}[$__rate_interval]))`))
	b.percent("Error ratio (5xx) by colour", "Share of shopper requests answered 5xx per colour; 0 for a colour that served no errors.", half, 8,
		q("{{color}}", `(
  sum by (color) (rate(flashscale_http_requests_total{color=~"$color", `+shopper+`, code=~"5.."}[$__rate_interval]))
  or
  0 * count by (color) (flashscale_build_info{color=~"$color"})
)
/
clamp_min(
  sum by (color) (rate(flashscale_http_requests_total{color=~"$color", `+shopper+`}[$__rate_interval]))
  or
  0 * count by (color) (flashscale_build_info{color=~"$color"}),
  1e-9
)`))
	b.percent("Error ratio (5xx) by route", "Share of each route's requests answered 5xx. Checkout is a few percent of all requests, so its errors vanish in the all-routes ratio; here each route stands alone (probes included: a draining pod's /readyz 503s show on their own line).", half, 8,
		q("{{route}}", `(
  sum by (route) (rate(flashscale_http_requests_total{color=~"$color", code=~"5.."}[$__rate_interval]))
  or
  0 * sum by (route) (rate(flashscale_http_requests_total{color=~"$color"}[$__rate_interval]))
)
/
clamp_min(sum by (route) (rate(flashscale_http_requests_total{color=~"$color"}[$__rate_interval])), 1e-9)`))
	b.timeseries("Responses by status code", "Shopper responses per second by HTTP status (409 sold out, 422 invalid, 503 shed...).", "reqps", full, 8,
		q("{{code}}", `sum by (code) (rate(flashscale_http_requests_total{color=~"$color", `+shopper+`}[$__rate_interval]))`))

	b.row("Latency")
	b.timeseries("Latency by route (p50 / p95 / p99)", "Latency percentiles per route template, from the request duration histogram.", "s", full, 9,
		q("p50 {{route}}", `histogram_quantile(0.50, sum by (le, route) (rate(flashscale_http_request_duration_seconds_bucket{color=~"$color", `+shopper+`}[$__rate_interval])))`),
		q("p95 {{route}}", `histogram_quantile(0.95, sum by (le, route) (rate(flashscale_http_request_duration_seconds_bucket{color=~"$color", `+shopper+`}[$__rate_interval])))`),
		q("p99 {{route}}", `histogram_quantile(0.99, sum by (le, route) (rate(flashscale_http_request_duration_seconds_bucket{color=~"$color", `+shopper+`}[$__rate_interval])))`))
	b.timeseries("Latency by colour (p50 / p95 / p99)", "Latency percentiles of shopper requests per colour: compare a new release with the live one.", "s", half, 8,
		q("p50 {{color}}", `histogram_quantile(0.50, sum by (le, color) (rate(flashscale_http_request_duration_seconds_bucket{color=~"$color", `+shopper+`}[$__rate_interval])))`),
		q("p95 {{color}}", `histogram_quantile(0.95, sum by (le, color) (rate(flashscale_http_request_duration_seconds_bucket{color=~"$color", `+shopper+`}[$__rate_interval])))`),
		q("p99 {{color}}", `histogram_quantile(0.99, sum by (le, color) (rate(flashscale_http_request_duration_seconds_bucket{color=~"$color", `+shopper+`}[$__rate_interval])))`))
	b.timeseries("In-flight requests by colour", "Requests being served right now, summed over the colour's pods.", "none", half, 8,
		q("{{color}}", `sum by (color) (flashscale_http_requests_in_flight{color=~"$color"})`))

	b.row("Capacity: checkout admission and the database pool")
	b.timeseries("Checkout admission: slots in use vs limit", "Checkouts being worked on against FLASHSCALE_CHECKOUT_MAX_INFLIGHT, summed over the colour's pods. In use at the limit means new checkouts queue and, after FLASHSCALE_CHECKOUT_QUEUE_WAIT, are shed.", "none", half, 8,
		q("{{color}} in use", `sum by (color) (flashscale_checkout_admission_in_use{color=~"$color"})`),
		q("{{color}} limit", `sum by (color) (flashscale_checkout_admission_limit{color=~"$color"})`))
	b.timeseries("Checkout admission wait (p99) by result", "How long checkouts waited for an admission slot: admitted ones near 0 while there is room, shed ones at the queue wait.", "s", half, 8,
		q("{{result}} {{color}}", `histogram_quantile(0.99, sum by (le, result, color) (rate(flashscale_checkout_admission_wait_seconds_bucket{color=~"$color"}[$__rate_interval])))`))
	b.timeseries("Database pool: connections acquired vs max", "PostgreSQL connections checked out of each pod's pool against its size (FLASHSCALE_DB_MAX_CONNS), summed over the colour's pods. Acquired at max means queries queue for a connection: latency rises while CPU stays low, so the HPA adds no pods.", "none", half, 8,
		q("{{color}} acquired", `sum by (color) (flashscale_db_pool_acquired_connections{color=~"$color"})`),
		q("{{color}} idle", `sum by (color) (flashscale_db_pool_idle_connections{color=~"$color"})`),
		q("{{color}} max", `sum by (color) (flashscale_db_pool_max_connections{color=~"$color"})`))
	b.timeseries("Database pool: waits for a connection", "Acquires per second that found no idle connection and waited, and the time spent waiting per second (seconds of waiting per second, summed over the colour's pods).", "short", half, 8,
		q("{{color}} waiting acquires/s", `sum by (color) (rate(flashscale_db_pool_empty_acquires_total{color=~"$color"}[$__rate_interval]))`),
		q("{{color}} wait s/s", `sum by (color) (rate(flashscale_db_pool_empty_acquire_wait_seconds_total{color=~"$color"}[$__rate_interval]))`))

	b.row("Builds and runtime")
	b.table("Build info (version per colour)", "Which version and commit each colour runs, and on how many pods. Two rows for one colour means a rollout is in progress.", half, 6,
		rows(`count by (color, version, commit) (flashscale_build_info{color=~"$color"})`))
	b.timeseries("Goroutines and resident memory by colour", "Go runtime health summed over the colour's pods.", "short", half, 6,
		q("goroutines {{color}}", `sum by (color) (go_goroutines{color=~"$color"})`),
		q("RSS {{color}}", `sum by (color) (process_resident_memory_bytes{color=~"$color"})`))
	b.timeseries("Waiting for a CPU (p99)", "How long the colour's runnable goroutines waited for a CPU (p99, from the Go scheduler: go_sched_latencies_seconds). When every route's latency rises together and this reaches tens of milliseconds, the pods are starved of CPU (a CPU limit's throttling, or a busy node), not slow in their own code: raise the CPU request or let the HPA add pods.", "s", half, 6,
		q("{{color}}", `histogram_quantile(0.99, sum by (le, color) (rate(go_sched_latencies_seconds_bucket{color=~"$color"}[$__rate_interval])))`))
	b.timeseries("GC share of CPU", "The share of the colour's available CPU (GOMAXPROCS x time) the Go garbage collector used, as the runtime estimates it at each GC cycle. A high share with memory near GOMEMLIMIT means the heap is too small for the load.", "percent", half, 6,
		q("{{color}}", `100 * sum by (color) (rate(go_cpu_classes_gc_total_cpu_seconds_total{color=~"$color"}[$__rate_interval])) / sum by (color) (rate(go_cpu_classes_total_cpu_seconds_total{color=~"$color"}[$__rate_interval]))`))
	return b
}
