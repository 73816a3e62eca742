// Package dashboards holds FlashScale's observability as code: the Grafana
// dashboards (*.json, one per dashboard, generated from the Go code in
// dashboards/boards by `go run ./dashboards/generate`, provisioned by infra/
// as ConfigMaps for Grafana's dashboard sidecar), the Prometheus alerting
// and recording rules (alerts/flashscale-rules.yaml, deployed as a
// PrometheusRule), Alertmanager's routing (dashboards/alerting) and the
// CloudWatch metrics brought in by YACE (dashboards/cloudwatch).
//
// The package has no logic; its tests are the point. On sale day the old
// system's operators met "Grafana: No Data", missing custom metrics and
// wrong scrape configs, so here a panel that would show "No Data" fails the
// build: the tests run the real flashscale binary and a real Prometheus
// scraping it, evaluate every service panel's query against it, and check
// every Kubernetes query against the reviewed list of exporter metrics in
// k8s-metrics.txt. docs/dashboards.md describes each dashboard and alert.
package dashboards

import "embed"

// Files holds every dashboard and the alerting rule file, so that a
// program provisioning them (infra/) ships exactly the bytes these tests
// check rather than reading paths relative to its working directory.
//
//go:embed *.json alerts/flashscale-rules.yaml
var Files embed.FS

// RulesFile is the alerting rule file's path inside Files.
const RulesFile = "alerts/flashscale-rules.yaml"
