package stack

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MetricsServerArgs configures metrics-server.
type MetricsServerArgs struct {
	Provider *kubernetes.Provider
	// DependsOn are what the release waits for (nodes, the load balancer
	// controller whose webhooks the chart's Service and pods pass).
	DependsOn []pulumi.Resource
}

// MetricsServer serves the resource metrics API the HPAs read CPU usage from.
type MetricsServer struct {
	pulumi.ResourceState

	Release *helmv3.Release
}

// NewMetricsServer installs the pinned metrics-server chart in kube-system.
func NewMetricsServer(ctx *pulumi.Context, name string, args *MetricsServerArgs, opts ...pulumi.ResourceOption) (*MetricsServer, error) {
	c := &MetricsServer{}
	if err := ctx.RegisterComponentResource("flashscale:infra:MetricsServer", name, c, opts...); err != nil {
		return nil, err
	}
	release, err := helmv3.NewRelease(ctx, name+"-release", &helmv3.ReleaseArgs{
		Name:           pulumi.String(MetricsServerChart),
		Chart:          pulumi.String(MetricsServerChart),
		Version:        pulumi.String(MetricsServerChartVersion),
		RepositoryOpts: helmv3.RepositoryOptsArgs{Repo: pulumi.String(MetricsServerChartRepo)},
		Namespace:      pulumi.String("kube-system"),
		Atomic:         pulumi.Bool(true),
		CleanupOnFail:  pulumi.Bool(true),
		Timeout:        pulumi.Int(600),
		Values: pulumi.Map{
			"replicas":  pulumi.Int(metricsServerRequests.Replicas),
			"resources": requestsValues(metricsServerRequests),
		},
	}, pulumi.Parent(c), pulumi.Provider(args.Provider), pulumi.DependsOn(args.DependsOn))
	if err != nil {
		return nil, err
	}
	c.Release = release
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"release": release.Name}); err != nil {
		return nil, err
	}
	return c, nil
}
