package stack

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DashboardsArgs configures the dashboards and alert rules.
type DashboardsArgs struct {
	Config    *Config
	Provider  *kubernetes.Provider
	Namespace *corev1.Namespace // the app's namespace, which holds them
	Addons    *Addons
}

// Dashboards are the repo's Grafana dashboards, as ConfigMaps that Grafana's
// dashboard sidecar loads (label grafana_dashboard=1), and its Prometheus
// rule file as a PrometheusRule. They live in the app's namespace, so they
// come and go with FlashScale on any cluster; the program's Grafana searches
// that namespace too, and Prometheus selects rules from every namespace.
type Dashboards struct {
	pulumi.ResourceState
}

// NewDashboards creates one ConfigMap per dashboard and the PrometheusRule.
func NewDashboards(ctx *pulumi.Context, name string, args *DashboardsArgs, opts ...pulumi.ResourceOption) (*Dashboards, error) {
	c := &Dashboards{}
	if err := ctx.RegisterComponentResource("flashscale:infra:Dashboards", name, c, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config
	inNs := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider),
		pulumi.DependsOn([]pulumi.Resource{args.Namespace})}

	for _, d := range cfg.Dashboards {
		if _, err := corev1.NewConfigMap(ctx, name+"-"+d.Slug, &corev1.ConfigMapArgs{
			Metadata: metav1.ObjectMetaArgs{
				Name:      pulumi.String("dashboard-" + d.Slug),
				Namespace: pulumi.String(AppNamespace),
				Labels: pulumi.StringMap{
					GrafanaDashboardLabel:       pulumi.String(GrafanaDashboardLabelValue),
					"app.kubernetes.io/part-of": pulumi.String(cfg.Project),
				},
				Annotations: pulumi.StringMap{"grafana_folder": pulumi.String("FlashScale")},
			},
			Data: pulumi.StringMap{d.FileName: pulumi.String(d.JSON)},
		}, inNs...); err != nil {
			return nil, err
		}
	}

	// The PrometheusRule kind exists once the monitoring CRDs are installed.
	if _, err := apiextensions.NewCustomResource(ctx, name+"-alert-rules", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("monitoring.coreos.com/v1"),
		Kind:       pulumi.String("PrometheusRule"),
		Metadata: metav1.ObjectMetaArgs{
			Name:      pulumi.String("flashscale-rules"),
			Namespace: pulumi.String(AppNamespace),
			Labels:    ReleaseLabels(),
		},
		OtherFields: map[string]any{"spec": cfg.AlertRules},
	}, withOpts(inNs, pulumi.DependsOn(args.Addons.monitoringCRDs()))...); err != nil {
		return nil, err
	}

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"dashboards": pulumi.Int(len(cfg.Dashboards))}); err != nil {
		return nil, err
	}
	return c, nil
}
