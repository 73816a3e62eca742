package boards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/flashscale/flashscale/dashboards/cloudwatch"
)

// flashSale is FlashScale / Flash sale: what the sale sells, what it
// refuses and why, the checkout SLO, stock, checkout latency of placed
// orders, the orders' confirmation emails, and the load balancer and
// database as AWS sees them.
func flashSale() *board {
	b := newBoard("flashscale-flash-sale", "FlashScale / Flash sale",
		"Orders, units sold, checkout rejections and shedding, the checkout SLO, stock left, checkout latency, confirmation emails, and the ALB and RDS as CloudWatch sees them.")

	b.stat("Orders placed", "Orders placed in the selected time range (idempotent replays not counted).", "none", 5,
		now("", `sum(increase(flashscale_orders_placed_total{color=~"$color"}[$__range]))`))
	b.stat("Units sold", "Units sold in the selected time range.", "none", 5,
		now("", `sum(increase(flashscale_units_sold_total{color=~"$color"}[$__range]))`))
	b.stat("Checkout rejection ratio", "Share of checkout attempts rejected for any reason (sold out, invalid, shed...). 0 when none were rejected or none were attempted.", "percentunit", 5,
		q("", `(sum(rate(flashscale_checkout_rejections_total{color=~"$color"}[$__rate_interval])) or vector(0))
/
clamp_min(sum(rate(flashscale_checkout_duration_seconds_count{color=~"$color"}[$__rate_interval])) or vector(0), 1e-9)`))
	b.stat("Shed ratio", "Share of checkout attempts shed by admission control (503 overloaded). Anything above 0 means pods are saturated: check the Scaling dashboard.", "percentunit", 5,
		q("", `(sum(rate(flashscale_checkout_rejections_total{color=~"$color", reason="shed"}[$__rate_interval])) or vector(0))
/
clamp_min(sum(rate(flashscale_checkout_duration_seconds_count{color=~"$color"}[$__rate_interval])) or vector(0), 1e-9)`))
	b.stat("Products sold out", "Products whose stock reached zero.", "none", 4,
		q("", `count(max by (product) (flashscale_product_stock{color=~"$color"}) <= 0) or vector(0)`))

	b.row("Checkout SLO and shedding")
	b.b.WithPanel(b.series("Checkout SLO: bad ratio",
		"Share of checkout attempts that failed (5xx of ours) or were shed (503 overloaded), over the SLO's alert windows, both colours. SLO: 99.5% served. The page (FlashScaleCheckoutErrorBudgetBurn, critical) fires when the 1h and 5m lines are both above 7.2% (14.4x burn); the ticket (warning) when 6h and 30m are both above 3% (6x). 0 while nothing was attempted.",
		"percentunit", half, 8,
		q("5m", `(namespace:flashscale_checkout_bad:ratio_rate5m{namespace="flashscale"} >= 0) or vector(0)`),
		q("30m", `(namespace:flashscale_checkout_bad:ratio_rate30m{namespace="flashscale"} >= 0) or vector(0)`),
		q("1h", `(namespace:flashscale_checkout_bad:ratio_rate1h{namespace="flashscale"} >= 0) or vector(0)`),
		q("6h", `(namespace:flashscale_checkout_bad:ratio_rate6h{namespace="flashscale"} >= 0) or vector(0)`)).
		Min(0).
		Thresholds(sloThresholds()).
		ThresholdsStyle(lineThresholds()))
	b.timeseries("Shed checkouts per second", "Checkouts answered 503 overloaded by admission control, per colour. Shed answers are fast, so latency panels improve while this rises: watch it on its own.", "reqps", half, 8,
		q("{{color}}", `sum by (color) (rate(flashscale_checkout_rejections_total{color=~"$color", reason="shed"}[$__rate_interval]))`))

	b.row("Orders and rejections")
	b.timeseries("Orders and units sold per second", "Order and unit throughput per colour.", "short", half, 8,
		q("orders/s {{color}}", `sum by (color) (rate(flashscale_orders_placed_total{color=~"$color"}[$__rate_interval]))`),
		q("units/s {{color}}", `sum by (color) (rate(flashscale_units_sold_total{color=~"$color"}[$__rate_interval]))`))
	b.timeseries("Checkout rejections by reason", "Rejected checkouts per second: sold_out, invalid, sale_not_active, purchase_limit, idempotency_key_reused, shed.", "reqps", half, 8,
		q("{{reason}}", `sum by (reason) (rate(flashscale_checkout_rejections_total{color=~"$color"}[$__rate_interval]))`))
	b.percent("Checkout rejection ratio by reason", "Share of checkout attempts rejected, per reason. Every reason is pre-set to 0 by the service, so each line reads 0 until it happens.", half, 8,
		q("{{reason}}", `sum by (reason) (rate(flashscale_checkout_rejections_total{color=~"$color"}[$__rate_interval]))
/ on () group_left ()
clamp_min(sum(rate(flashscale_checkout_duration_seconds_count{color=~"$color"}[$__rate_interval])) or vector(0), 1e-9)`))
	b.timeseries("Checkouts by outcome", "Checkout attempts per second by outcome: placed, replayed, rejected, error.", "reqps", half, 8,
		q("{{outcome}}", `sum by (outcome) (rate(flashscale_checkout_duration_seconds_count{color=~"$color"}[$__rate_interval]))`))

	b.row("Stock")
	b.timeseries("Stock left per product", "Units left per product as the service's catalog last saw them (refreshed every second). Stock is shared, so every pod reports the same value.", "none", half, 8,
		q("{{product}}", `max by (product) (flashscale_product_stock{color=~"$color"})`))
	b.bars("Stock left now", "Units left per product right now.", "none", half, 8,
		now("{{product}}", `max by (product) (flashscale_product_stock{color=~"$color"})`))

	b.row("Checkout latency")
	b.timeseries("Checkout latency of placed orders", "Latency of checkouts that placed an order, admission-control wait included. SLO: p99 under 500 ms. Shed and sold-out answers are fast and left out: mixed in, they make p99 look better the more is shed.", "s", half, 8,
		q("p50", `histogram_quantile(0.50, sum by (le) (rate(flashscale_checkout_duration_seconds_bucket{color=~"$color", outcome="placed"}[$__rate_interval])))`),
		q("p95", `histogram_quantile(0.95, sum by (le) (rate(flashscale_checkout_duration_seconds_bucket{color=~"$color", outcome="placed"}[$__rate_interval])))`),
		q("p99", `histogram_quantile(0.99, sum by (le) (rate(flashscale_checkout_duration_seconds_bucket{color=~"$color", outcome="placed"}[$__rate_interval])))`))
	b.timeseries("Checkout p99 latency by outcome and colour", "A slow 'rejected' line with a rising shed ratio means checkouts wait in the admission queue before being shed.", "s", half, 8,
		q("{{outcome}} {{color}}", `histogram_quantile(0.99, sum by (le, outcome, color) (rate(flashscale_checkout_duration_seconds_bucket{color=~"$color"}[$__rate_interval])))`))

	// The outbox is shared by every pod and both colours, so each sender
	// reports the same outbox gauges: max, not sum. Pods without a sender
	// (FLASHSCALE_SMTP_ADDR unset) export none of these series.
	b.row("Confirmation emails")
	b.timeseries("Confirmation emails waiting", "Order confirmation emails in the outbox not yet sent (nor given up): the whole outbox, which every pod running the email sender reports alike. A sale's backlog rises and drains; a line that only rises means emails are not going out. No Data: no pod runs the sender (FLASHSCALE_SMTP_ADDR unset).", "none", third, 8,
		q("waiting", `max(flashscale_outbox_pending{color=~"$color"})`))
	b.b.WithPanel(b.series("Oldest waiting confirmation email",
		"How long the oldest unsent confirmation email has waited since its order committed; 0 when none waits. FlashScaleConfirmationEmailsStuck (warning) fires when it stays above 15 minutes (the red line) for 5 minutes.",
		"s", third, 8,
		q("oldest", `max(flashscale_outbox_oldest_pending_age_seconds{color=~"$color"})`)).
		Min(0).
		Thresholds(dashboard.NewThresholdsConfigBuilder().
			Mode(dashboard.ThresholdsModeAbsolute).
			Steps([]dashboard.Threshold{{Color: "green"}, {Value: ptr(15 * 60.0), Color: "red"}})).
		ThresholdsStyle(lineThresholds()))
	b.timeseries("Confirmation emails sent and failed per second", "Emails the SMTP server accepted, and failed attempts by outcome: retry (temporary: server down, 4xx, TLS or login refused; the email waits and is tried again) and given_up (the recipient refused for good). Retries with nothing sent: the SMTP server or its credentials.", "short", third, 8,
		q("sent", `sum(rate(flashscale_email_sent_total{color=~"$color"}[$__rate_interval]))`),
		q("{{outcome}}", `sum by (outcome) (rate(flashscale_email_failures_total{color=~"$color"}[$__rate_interval]))`))

	b.row("Load balancer and database (CloudWatch, through YACE)")
	alb5xx := cw("HTTPCode_ELB_5XX_Count")
	target5xx := cw("HTTPCode_Target_5XX_Count")
	requests := cw("RequestCount")
	b.timeseries("ALB: 5xx answered by the load balancer vs by targets", "Per minute, from CloudWatch (a few minutes late). 5xx the ALB generates itself (502/503/504: no healthy target, a target that closed the connection or timed out) never reach the service's own metrics: a flip to a colour without ready pods shows here and nowhere else.", "short", half, 8,
		q("ALB 5xx/min", `sum(`+alb5xx+`)`),
		q("target 5xx/min", `sum(`+target5xx+`)`),
		q("requests/min", `sum(`+requests+`)`))
	b.timeseries("ALB: target response time (p99) and unhealthy targets", "p99 of the time targets took to answer, as the ALB measured it, and the unhealthy and healthy targets per target group (one per colour).", "short", half, 8,
		q("p99 response time (s)", `max(`+cw("TargetResponseTime")+`)`),
		q("unhealthy targets", `sum(`+cw("UnHealthyHostCount")+`)`),
		q("healthy targets", `sum(`+cw("HealthyHostCount")+`)`))
	b.timeseries("RDS: CPU and CPU credits", "Database CPU utilisation (%) and, on burstable db.t* classes, the CPU credit balance: at 0 credits the instance is throttled to its baseline.", "short", half, 8,
		q("CPU %", `max(`+cw("CPUUtilization")+`)`),
		q("CPU credits", `min(`+cw("CPUCreditBalance")+`)`))
	b.timeseries("RDS: connections and DB load", "Open database connections (every pod holds up to FLASHSCALE_DB_MAX_CONNS) and DB load, the average number of active sessions (Performance Insights): above the instance's vCPUs, queries queue.", "short", half, 8,
		q("connections", `max(`+cw("DatabaseConnections")+`)`),
		q("DB load (active sessions)", `max(`+cw("DBLoad")+`)`))
	return b
}

// cw is the Prometheus name of a CloudWatch metric the exporter is
// configured with; a name it is not configured with is a bug here.
func cw(name string) string {
	for _, m := range cloudwatch.Metrics {
		if m.Name == name {
			return cloudwatch.PromName(m)
		}
	}
	panic(fmt.Sprintf("cloudwatch.Metrics has no %s", name))
}
