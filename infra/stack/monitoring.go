package stack

import (
	"fmt"

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
	// controller whose webhooks the chart's Services and pods pass, the
	// StorageClass Prometheus's volume claims).
	DependsOn []pulumi.Resource
	// StorageClassName is the class of Prometheus's volume: gp3 on the EBS
	// CSI driver on AWS; "" takes the cluster's default class.
	StorageClassName string
	// Cluster is the EKS cluster, for YACE's IRSA role: the ALB's and the
	// database's CloudWatch metrics. nil (your own cluster) installs no YACE.
	Cluster *Cluster
	// Tags are the stack's AWS tags, for YACE's IAM objects.
	Tags pulumi.StringMap
}

// Monitoring is kube-prometheus-stack (Prometheus on a persistent volume,
// Alertmanager routing to the team, Grafana, node-exporter,
// kube-state-metrics) in namespace `monitoring`, and on AWS YACE bringing
// the stack's ALB and RDS CloudWatch metrics into Prometheus. The repo's
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

func monitoringValues(cfg *Config, storageClass string) pulumi.Map {
	claim := pulumi.Map{
		"accessModes": pulumi.StringArray{pulumi.String("ReadWriteOnce")},
		"resources": pulumi.Map{
			"requests": pulumi.Map{"storage": pulumi.String(cfg.PrometheusStorageSize)},
		},
	}
	if storageClass != "" {
		claim["storageClassName"] = pulumi.String(storageClass)
	}
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
				// Retention by size too, so a busy sale cannot fill the
				// volume and stop ingestion (Prometheus MB are MiB).
				"retentionSize": pulumi.String(fmt.Sprintf("%dMB", cfg.PrometheusStorageMi*85/100)),
				"resources":     requestsValues(prometheusRequests),
				// The TSDB survives a pod eviction or a node replacement
				// during the sale (an emptyDir would start from nothing).
				"storageSpec": pulumi.Map{"volumeClaimTemplate": pulumi.Map{"spec": claim}},
			},
		},
		"alertmanager":       alertmanagerValues(),
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

	// Alertmanager reads this Secret from its first start: create it first.
	amConfig, err := newAlertmanagerConfig(ctx, name+"-alertmanager-config", cfg, inNs...)
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
		Values:         monitoringValues(cfg, args.StorageClassName),
	}, withOpts(inNs, pulumi.DependsOn(append([]pulumi.Resource{adminSecret, amConfig}, args.DependsOn...)))...)
	if err != nil {
		return nil, err
	}

	if args.Cluster != nil {
		// YACE's ServiceMonitor needs the release's CRDs.
		if _, err := newCloudWatchExporter(ctx, name+"-yace", cfg, args.Cluster, args.Tags,
			withOpts(inNs, pulumi.DependsOn([]pulumi.Resource{release}))...); err != nil {
			return nil, err
		}
	}

	c.Release = release
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"namespace": pulumi.String(MonitoringNamespace),
	}); err != nil {
		return nil, err
	}
	return c, nil
}
