// The prometheus-operator release whose CRDs (ServiceMonitor, PrometheusRule,
// AlertmanagerConfig, ...) the real-engine tests install: build.sh copies
// example/prometheus-operator-crd/ out of this module's zip after checking it
// against go.sum. v0.85.0 is the newest release of the root module the proxy
// serves. Nothing here is compiled.
module flashscale-rig/prometheus-operator-crds

go 1.26.0

require github.com/prometheus-operator/prometheus-operator v0.85.0
