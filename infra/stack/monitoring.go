package stack

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MonitoringArgs configures the monitoring stack.
type MonitoringArgs struct {
	Config   *Config
	Provider *kubernetes.Provider
	// DependsOn are what the release waits for (nodes, the load balancer
	// controller whose webhooks the chart's Services and pods pass).
	DependsOn []pulumi.Resource
}

// Monitoring is kube-prometheus-stack (Prometheus, Alertmanager, Grafana,
// node-exporter, kube-state-metrics) in namespace `monitoring`. The repo's
// dashboards and alert rules belong to the cluster layer (Dashboards).
type Monitoring struct {
	pulumi.ResourceState

	// Release installs the monitoring.coreos.com CRDs: ServiceMonitors depend on it.
	Release *helmv3.Release
}

// grafanaAdminSecret holds Grafana's admin credentials (chart `admin.existingSecret`).
const grafanaAdminSecret = "grafana-admin"

// ReleaseLabels are the labels kube-prometheus-stack's Prometheus selects
// ServiceMonitors, PodMonitors and PrometheusRules by when the *NilUsesHelmValues
// settings are true; the program sets them false (select all) and labels its
// objects anyway, so either setting picks them up.
func ReleaseLabels() pulumi.StringMap {
	return pulumi.StringMap{"release": pulumi.String(MonitoringRelease)}
}

func monitoringValues(cfg *Config) pulumi.Map {
	return pulumi.Map{
		"crds": pulumi.Map{"enabled": pulumi.Bool(true)},
		// EKS runs the control plane: its components cannot be scraped.
		"kubeControllerManager": pulumi.Map{"enabled": pulumi.Bool(false)},
		"kubeScheduler":         pulumi.Map{"enabled": pulumi.Bool(false)},
		"kubeEtcd":              pulumi.Map{"enabled": pulumi.Bool(false)},
		"kubeProxy":             pulumi.Map{"enabled": pulumi.Bool(false)},
		"prometheus": pulumi.Map{
			"prometheusSpec": pulumi.Map{
				// Select every ServiceMonitor/PodMonitor/PrometheusRule, not only
				// those labelled with this release.
				"serviceMonitorSelectorNilUsesHelmValues": pulumi.Bool(false),
				"podMonitorSelectorNilUsesHelmValues":     pulumi.Bool(false),
				"ruleSelectorNilUsesHelmValues":           pulumi.Bool(false),
				"retention":                               pulumi.String("10d"),
				"resources":                               requestsValues(prometheusRequests),
			},
		},
		"alertmanager": pulumi.Map{
			"enabled":          pulumi.Bool(true),
			"alertmanagerSpec": pulumi.Map{"resources": requestsValues(alertmanagerRequests)},
		},
		"prometheusOperator": pulumi.Map{"resources": requestsValues(operatorRequests)},
		"kube-state-metrics": pulumi.Map{"resources": requestsValues(kubeStateMetricsRequests)},
		"prometheus-node-exporter": pulumi.Map{
			"resources": requestsValues(nodeExporterRequests),
		},
		"grafana": pulumi.Map{
			"enabled": pulumi.Bool(true),
			"admin": pulumi.Map{
				"existingSecret": pulumi.String(grafanaAdminSecret),
				"userKey":        pulumi.String("admin-user"),
				"passwordKey":    pulumi.String("admin-password"),
			},
			"resources": requestsValues(grafanaRequests),
			"sidecar": pulumi.Map{
				"resources": requestsValues(grafanaSidecarRequests),
				"dashboards": pulumi.Map{
					"enabled":          pulumi.Bool(true),
					"label":            pulumi.String(GrafanaDashboardLabel),
					"labelValue":       pulumi.String(GrafanaDashboardLabelValue),
					"searchNamespace":  pulumi.ToStringArray([]string{MonitoringNamespace, AppNamespace}),
					"folderAnnotation": pulumi.String("grafana_folder"),
					"provider":         pulumi.Map{"foldersFromFilesStructure": pulumi.Bool(true)},
				},
			},
		},
	}
}

// NewMonitoring installs the monitoring stack, dashboards and alert rules.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	c := &Monitoring{}
	if err := ctx.RegisterComponentResource("flashscale:infra:Monitoring", name, c, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config
	k8s := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider)}

	ns, err := corev1.NewNamespace(ctx, name+"-namespace", &corev1.NamespaceArgs{
		Metadata: metav1.ObjectMetaArgs{Name: pulumi.String(MonitoringNamespace)},
	}, k8s...)
	if err != nil {
		return nil, err
	}
	inNs := withOpts(k8s, pulumi.DependsOn([]pulumi.Resource{ns}))

	adminSecret, err := corev1.NewSecret(ctx, name+"-grafana-admin", &corev1.SecretArgs{
		Metadata: metav1.ObjectMetaArgs{
			Name:      pulumi.String(grafanaAdminSecret),
			Namespace: pulumi.String(MonitoringNamespace),
		},
		Type: pulumi.String("Opaque"),
		StringData: pulumi.StringMap{
			"admin-user":     pulumi.String("admin"),
			"admin-password": cfg.GrafanaAdminPassword,
		},
	}, inNs...)
	if err != nil {
		return nil, err
	}

	release, err := helmv3.NewRelease(ctx, name+"-release", &helmv3.ReleaseArgs{
		Name:           pulumi.String(MonitoringRelease),
		Chart:          pulumi.String(MonitoringChart),
		Version:        pulumi.String(MonitoringChartVersion),
		RepositoryOpts: helmv3.RepositoryOptsArgs{Repo: pulumi.String(MonitoringChartRepo)},
		Namespace:      pulumi.String(MonitoringNamespace),
		Atomic:         pulumi.Bool(true),
		CleanupOnFail:  pulumi.Bool(true),
		Timeout:        pulumi.Int(900),
		Values:         monitoringValues(cfg),
	}, withOpts(inNs, pulumi.DependsOn(append([]pulumi.Resource{adminSecret}, args.DependsOn...)))...)
	if err != nil {
		return nil, err
	}

	c.Release = release
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"namespace": pulumi.String(MonitoringNamespace),
	}); err != nil {
		return nil, err
	}
	return c, nil
}
