// Package stack is FlashScale's Pulumi program: one ComponentResource per
// concern (network, EKS cluster, ECR registry, RDS database, AWS Load Balancer
// Controller, metrics-server, monitoring, the blue/green app and its traffic
// routing), assembled by Program. The `infra` main package only runs Program.
//
// Configuration is read and validated once, up front, by LoadConfig; every
// Kubernetes resource goes through the one explicit provider built from the
// cluster's kubeconfig.
package stack

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Program builds the whole environment of one stack and exports its outputs.
func Program(ctx *pulumi.Context) error {
	outputs, err := Build(ctx)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(outputs))
	for k := range outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ctx.Export(k, outputs[k])
	}
	return nil
}

// Build creates every resource and returns the stack outputs (camelCase keys):
// siteUrl, activeColor, previewColor, ecrRepositoryUrl, clusterName,
// kubeconfig (secret) and databaseEndpoint.
func Build(ctx *pulumi.Context) (pulumi.Map, error) {
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return nil, err
	}
	tags := pulumi.StringMap{
		"project":    pulumi.String(cfg.Project),
		"stack":      pulumi.String(cfg.Stack),
		"managed-by": pulumi.String("pulumi"),
	}

	network, err := NewNetwork(ctx, "network", &NetworkArgs{
		ClusterName: cfg.ClusterName,
		VpcCidr:     cfg.VpcCidr,
		AzCount:     cfg.AzCount,
		NatGateways: cfg.NatGateways,
		Tags:        tags,
	})
	if err != nil {
		return nil, err
	}

	cluster, err := NewCluster(ctx, "cluster", &ClusterArgs{
		Config:  cfg,
		Network: network,
		Tags:    tags,
	})
	if err != nil {
		return nil, err
	}

	registry, err := NewRegistry(ctx, "registry", &RegistryArgs{
		RepositoryName: cfg.Project + "-" + cfg.Stack,
		Tags:           tags,
	})
	if err != nil {
		return nil, err
	}

	database, err := NewDatabase(ctx, "database", &DatabaseArgs{
		Config:              cfg,
		VpcId:               network.VpcId,
		SubnetIds:           network.PrivateSubnetIds,
		NodeSecurityGroupId: cluster.NodeSecurityGroupId,
		Tags:                tags,
	})
	if err != nil {
		return nil, err
	}

	lbController, err := NewLoadBalancerController(ctx, "lb-controller", &LoadBalancerControllerArgs{
		Cluster: cluster,
		Region:  cfg.Region,
		VpcId:   network.VpcId,
		Tags:    tags,
	})
	if err != nil {
		return nil, err
	}

	metricsServer, err := NewMetricsServer(ctx, "metrics-server", &MetricsServerArgs{Cluster: cluster})
	if err != nil {
		return nil, err
	}

	monitoring, err := NewMonitoring(ctx, "monitoring", &MonitoringArgs{Config: cfg, Cluster: cluster})
	if err != nil {
		return nil, err
	}

	app, err := NewApp(ctx, "app", &AppArgs{
		Config:        cfg,
		Cluster:       cluster,
		ImageRepo:     registry.RepositoryUrl,
		DatabaseURL:   database.URL,
		Monitoring:    monitoring,
		MetricsServer: metricsServer,
		LBController:  lbController,
	})
	if err != nil {
		return nil, err
	}

	traffic, err := NewTraffic(ctx, "traffic", &TrafficArgs{
		Config:       cfg,
		Cluster:      cluster,
		App:          app,
		LBController: lbController,
	})
	if err != nil {
		return nil, err
	}

	return pulumi.Map{
		"siteUrl":          traffic.SiteUrl,
		"activeColor":      pulumi.String(cfg.ActiveColor),
		"previewColor":     pulumi.String(cfg.PreviewColor),
		"ecrRepositoryUrl": registry.RepositoryUrl,
		"clusterName":      cluster.ClusterName,
		"kubeconfig":       pulumi.ToSecret(cluster.Kubeconfig),
		"databaseEndpoint": database.Endpoint,
	}, nil
}
