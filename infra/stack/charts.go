package stack

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// withOpts returns a new slice of base options plus more (never aliasing base).
func withOpts(base []pulumi.ResourceOption, more ...pulumi.ResourceOption) []pulumi.ResourceOption {
	out := make([]pulumi.ResourceOption, 0, len(base)+len(more))
	return append(append(out, base...), more...)
}

// Pinned Helm charts. Bump a version only together with its values (and, for
// the load balancer controller, lbcontroller_iam_policy.json).
const (
	// LBControllerChart is kubernetes-sigs/aws-load-balancer-controller from
	// aws/eks-charts; since v3 the chart version equals the controller version.
	LBControllerChart        = "aws-load-balancer-controller"
	LBControllerChartVersion = "3.2.1"
	LBControllerChartRepo    = "https://aws.github.io/eks-charts"

	// MetricsServerChart is kubernetes-sigs/metrics-server (app v0.8.x).
	MetricsServerChart        = "metrics-server"
	MetricsServerChartVersion = "3.13.0"
	MetricsServerChartRepo    = "https://kubernetes-sigs.github.io/metrics-server/"

	// AutoscalerChart is kubernetes/autoscaler's cluster-autoscaler; its
	// image tag is set per Kubernetes minor (eksaddons.go).
	AutoscalerChart        = "cluster-autoscaler"
	AutoscalerChartVersion = "9.55.1"
	AutoscalerChartRepo    = "https://kubernetes.github.io/autoscaler"

	// MonitoringChart is prometheus-community/kube-prometheus-stack.
	MonitoringChart        = "kube-prometheus-stack"
	MonitoringChartVersion = "82.8.0"
	MonitoringChartRepo    = "https://prometheus-community.github.io/helm-charts"
	// MonitoringRelease is the Helm release name; ServiceMonitors and
	// PrometheusRules carry `release: <MonitoringRelease>`.
	MonitoringRelease = "kube-prometheus-stack"
	// MonitoringNamespace holds Prometheus, Grafana and the dashboard ConfigMaps.
	MonitoringNamespace = "monitoring"
	// GrafanaDashboardLabel is the label Grafana's dashboard sidecar watches.
	GrafanaDashboardLabel      = "grafana_dashboard"
	GrafanaDashboardLabelValue = "1"
)
