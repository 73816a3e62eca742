//go:build tools

// Package tools pins the prometheus-operator release whose CRDs
// (ServiceMonitor, PrometheusRule, AlertmanagerConfig, ...) the real-engine
// tests install: build.sh copies example/prometheus-operator-crd/ from this
// module zip (v0.85.0 is the newest release of the root module the proxy serves).
package tools

import _ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
